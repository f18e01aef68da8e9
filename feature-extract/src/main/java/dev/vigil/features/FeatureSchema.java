package dev.vigil.features;

import java.util.List;
import java.util.Objects;

/**
 * Names a feature vector layout: an id with a version, and the feature names in order.
 *
 * <p>Models record the schema they were trained on and refuse vectors of another.
 *
 * @param id stable identifier including a version, e.g. {@code vigil.host-window.v2}
 * @param names feature names in vector order
 * @param units each feature's unit, in the same order (e.g. {@code bytes}, {@code s}, {@code
 *     fraction}, {@code log1p(packets)})
 */
public record FeatureSchema(String id, List<String> names, List<String> units) {
  /** Validates and copies. */
  public FeatureSchema {
    Objects.requireNonNull(id, "id");
    if (id.isBlank()) {
      throw new IllegalArgumentException("id must not be blank");
    }
    names = List.copyOf(names);
    units = List.copyOf(units);
    if (units.size() != names.size()) {
      throw new IllegalArgumentException(
          "units has " + units.size() + " entries, names has " + names.size());
    }
    if (names.isEmpty()) {
      throw new IllegalArgumentException("names must not be empty");
    }
    if (names.stream().distinct().count() != names.size()) {
      throw new IllegalArgumentException("feature names must be unique: " + names);
    }
  }

  /** Returns the vector length. */
  public int size() {
    return names.size();
  }
}
