package dev.vigil.daemon;

import dev.vigil.daemon.config.VigilConfig;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.Micronaut;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Starts the daemon: a Micronaut application whose beans are configured from a validated {@link
 * VigilConfig}.
 */
public final class VigilDaemon {
  private VigilDaemon() {}

  /**
   * Starts the HTTP server and the detection path, and returns the running context; closing it
   * stops the daemon.
   */
  public static ApplicationContext start(VigilConfig config) {
    Map<String, Object> props = new LinkedHashMap<>();
    props.put("micronaut.server.host", config.api().host());
    props.put("micronaut.server.port", config.api().port());
    return Micronaut.build(new String[0])
        .mainClass(VigilDaemon.class)
        .banner(false)
        .properties(props)
        .singletons(config)
        .start();
  }
}
