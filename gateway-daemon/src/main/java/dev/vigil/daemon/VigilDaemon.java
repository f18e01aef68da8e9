package dev.vigil.daemon;

import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.daemon.pipeline.DetectionService;
import dev.vigil.daemon.systemd.SdNotify;
import dev.vigil.daemon.systemd.Watchdog;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.Micronaut;
import io.micronaut.runtime.server.EmbeddedServer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.LoggerFactory;

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

  /**
   * Tells systemd that {@code ctx} serves ({@code READY=1}), starts feeding its watchdog while
   * packet detection makes progress ({@link DetectionService#progressing}), and says {@code
   * STOPPING=1} when the JVM shuts down. Does nothing when not run by systemd with {@code
   * Type=notify}.
   */
  public static void notifySystemd(ApplicationContext ctx) {
    SdNotify notify = SdNotify.fromEnvironment();
    if (!notify.enabled()) {
      return;
    }
    Watchdog.Progress progress =
        ctx.findBean(DetectionService.class)
            .<Watchdog.Progress>map(d -> d::progressing)
            .orElse((now, stale) -> true);
    Optional<Watchdog> watchdog = Watchdog.fromEnvironment(notify, progress);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  watchdog.ifPresent(Watchdog::close);
                  notify.send("STOPPING=1");
                },
                "vigil-notify-stop"));
    String url = ctx.getBean(EmbeddedServer.class).getURL().toString();
    if (!notify.send("READY=1\nSTATUS=serving on " + url)) {
      LoggerFactory.getLogger(VigilDaemon.class)
          .warn(
              "cannot tell systemd the daemon is ready on NOTIFY_SOCKET [{}]",
              notify.socket().orElse(""));
    }
  }
}
