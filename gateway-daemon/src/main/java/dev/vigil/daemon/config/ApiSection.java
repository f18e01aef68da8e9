package dev.vigil.daemon.config;

import dev.vigil.common.settings.StrictSettings;
import java.util.Set;

/**
 * Reads the {@code api} section for {@link ConfigLoader}: where the HTTP API listens, and the
 * optional token of its read endpoints (a secret file: {@link SecretFiles}).
 */
final class ApiSection {
  static final Set<String> KEYS = Set.of("host", "port", "read-token-file");

  private ApiSection() {}

  /** Reads the section; problems are recorded in {@code api}, each with its key. */
  static VigilConfig.Api parse(ConfigLoader loader, StrictSettings api) {
    return new VigilConfig.Api(
        api.string("host", "127.0.0.1"),
        api.integer("port", 8787, 0, 65535),
        loader.secretPath(api, "read-token-file", true));
  }
}
