package dev.vigil.features;

import dev.vigil.features.damped.DampedFeatureExtractor;
import dev.vigil.features.window.HostWindowFeatures;
import dev.vigil.features.window.WindowListener;
import java.util.Arrays;
import java.util.Locale;

/** The per-host feature sets Vigil can extract, by configuration name. */
public enum FeatureSet {
  /**
   * 15 counts and ratios per host and window ({@link HostWindowFeatures}); suits the Isolation
   * Forest.
   */
  HOST_WINDOW("host-window", HostWindowFeatures.SCHEMA),
  /** 126 multi-scale damped statistics and window features ({@link DampedFeatureExtractor}). */
  DAMPED("damped", DampedFeatureExtractor.SCHEMA);

  private final String configName;
  private final FeatureSchema schema;

  FeatureSet(String configName, FeatureSchema schema) {
    this.configName = configName;
    this.schema = schema;
  }

  /** Returns the name used in configuration files. */
  public String configName() {
    return configName;
  }

  /** Returns the vector layout. */
  public FeatureSchema schema() {
    return schema;
  }

  /** Creates the per-host state for this set. */
  public HostFeatures create(long windowMicros, int maxHosts, WindowListener listener) {
    return switch (this) {
      case HOST_WINDOW -> new HostWindowFeatures(windowMicros, maxHosts, listener);
      case DAMPED ->
          new DampedFeatureExtractor(
              windowMicros, DampedFeatureExtractor.Limits.forHosts(maxHosts), listener);
    };
  }

  /**
   * Returns the set named {@code name} in configuration.
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static FeatureSet byConfigName(String name) {
    for (FeatureSet s : values()) {
      if (s.configName.equals(name.toLowerCase(Locale.ROOT))) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown feature set '"
            + name
            + "', expected one of "
            + Arrays.stream(values()).map(FeatureSet::configName).toList());
  }
}
