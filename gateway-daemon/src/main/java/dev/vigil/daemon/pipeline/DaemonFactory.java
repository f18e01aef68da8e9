package dev.vigil.daemon.pipeline;

import dev.vigil.daemon.alerts.AlertStore;
import dev.vigil.daemon.config.VigilConfig;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/** Creates the beans whose shape comes from {@link VigilConfig}. */
@Factory
final class DaemonFactory {
  @Singleton
  AlertStore alertStore(VigilConfig config) {
    return new AlertStore(config.alerts().keep());
  }
}
