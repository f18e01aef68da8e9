package dev.vigil.features;

import java.util.List;
import java.util.Objects;

/**
 * Names a feature vector layout: an id with a version, and the feature names in order.
 *
 * <p>Models record the schema they were trained on and refuse vectors of another.
 *
 * @param id stable identifier including a version, e.g. {@code vigil.host-window.v1}
 * @param names feature names in vector order
 */
public record FeatureSchema(String id, List<String> names) {
  /** Validates and copies. */
  public FeatureSchema {
    Objects.requireNonNull(id, "id");
    if (id.isBlank()) {
      throw new IllegalArgumentException("id must not be blank");
    }
    names = List.copyOf(names);
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
