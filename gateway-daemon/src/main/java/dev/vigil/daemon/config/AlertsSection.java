package dev.vigil.daemon.config;

import dev.vigil.common.settings.StrictSettings;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/** Reads the {@code alerts} section for {@link ConfigLoader}: the EVE log and how many to keep. */
final class AlertsSection {
  static final Set<String> KEYS = Set.of("eve-log", "keep");

  private AlertsSection() {}

  /** Reads the section; problems are recorded in {@code alerts}, each with its key. */
  static VigilConfig.Alerts parse(ConfigLoader loader, StrictSettings alerts) {
    Optional<Path> eve = loader.optionalPath(alerts, "eve-log", false);
    return new VigilConfig.Alerts(eve, alerts.integer("keep", 10_000, 1, 10_000_000));
  }
}
