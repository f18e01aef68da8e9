package dev.vigil.eval.nab;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A detector's NAB results for several profiles.
 *
 * @param profiles the result per profile name, in the order scored
 */
public record NabReport(Map<String, NabProfileReport> profiles) {
  /** Validates and copies the report. */
  public NabReport {
    Objects.requireNonNull(profiles, "profiles");
    profiles = Collections.unmodifiableMap(new LinkedHashMap<>(profiles));
  }

  /**
   * Returns the result for the profile of that name.
   *
   * @throws IllegalArgumentException if the report has no such profile
   */
  public NabProfileReport profile(String name) {
    NabProfileReport r = profiles.get(name);
    if (r == null) {
      throw new IllegalArgumentException(
          "no profile " + name + " in the report; it has " + profiles.keySet());
    }
    return r;
  }

  /**
   * Returns the result for that profile.
   *
   * @throws IllegalArgumentException if the report has no such profile
   */
  public NabProfileReport profile(NabProfile profile) {
    return profile(profile.name());
  }
}
