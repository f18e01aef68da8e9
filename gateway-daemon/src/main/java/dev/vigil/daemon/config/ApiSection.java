package dev.vigil.daemon.config;

import dev.vigil.common.settings.StrictSettings;
import java.util.Set;

/** Reads the {@code api} section for {@link ConfigLoader}: where the HTTP API listens. */
final class ApiSection {
  static final Set<String> KEYS = Set.of("host", "port");

  private ApiSection() {}

  /** Reads the section; problems are recorded in {@code api}, each with its key. */
  static VigilConfig.Api parse(StrictSettings api) {
    return new VigilConfig.Api(
        api.string("host", "127.0.0.1"), api.integer("port", 8787, 0, 65535));
  }
}
