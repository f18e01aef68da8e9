package dev.vigil.daemon.pipeline;

import dev.vigil.daemon.alerts.Alert;
import dev.vigil.daemon.alerts.AlertStore;
import dev.vigil.daemon.alerts.EveLog;
import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.daemon.logging.AlertLogLines;
import dev.vigil.daemon.mitigation.MitigationService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.serde.ObjectMapper;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where every detection path's alerts go: the in-memory {@link AlertStore} behind {@code GET
 * /alerts}, the eve.json-style log, the {@code vigil.alerts.raised} counter and, when mitigation is
 * configured, {@link MitigationService} (which stores each alert durably and turns it into a
 * verdict). Alert ids are unique across paths and increase in the order alerts are stored; with
 * mitigation they continue from the highest id stored before a restart.
 *
 * <p>Thread-safe: the packet and the telemetry path publish from their own threads.
 */
@Singleton
public final class AlertOutput {
  private static final Logger LOG = LoggerFactory.getLogger(AlertOutput.class);

  private final AlertStore store;
  private final Counter raised;
  private final EveLog eve;
  private final MitigationService mitigation;
  private final AlertLogLines logLines;
  private long seq;

  AlertOutput(
      VigilConfig config,
      AlertStore store,
      ObjectMapper mapper,
      MeterRegistry registry,
      MitigationService mitigation) {
    this.store = store;
    this.mitigation = mitigation;
    this.seq = mitigation.lastAlertId();
    this.raised =
        Counter.builder("vigil.alerts.raised").description("Alerts raised").register(registry);
    EveLog log = null;
    if (config.alerts().eveLog().isPresent()) {
      Path file = config.alerts().eveLog().get();
      try {
        log = new EveLog(file, mapper);
      } catch (IOException e) {
        LOG.error("cannot open alert log [{}]: {}", file, e.toString());
      }
    }
    this.eve = log;
    this.logLines = new AlertLogLines(config.logging().alertsPerMinute());
    registry
        .more()
        .counter(
            "vigil.alerts.log.suppressed",
            java.util.List.of(),
            logLines,
            l -> (double) l.suppressed());
  }

  /** The one line an alert gets in the daemon's log. */
  static String logLine(Alert a) {
    Alert.Detail d = a.vigil();
    String who =
        a.srcIp() != null
            ? a.srcIp()
            : a.telemetry() != null ? a.telemetry().device() + "/" + a.telemetry().metric() : "?";
    return "alert "
        + d.id()
        + " "
        + d.severity()
        + " "
        + d.detector()
        + " "
        + who
        + (a.destIp() != null
            ? " -> " + a.destIp() + (a.destPort() != null ? ":" + a.destPort() : "")
            : "")
        + ": "
        + d.summary();
  }

  /**
   * Gives the next alert id to {@code build}, stores the alert it returns and writes it to the log;
   * returns it.
   */
  Alert publish(Function<String, Alert> build) {
    Alert a;
    synchronized (this) { // the log's order is the ids' order
      a = build.apply(Long.toString(++seq));
      store.add(a);
      if (eve != null) {
        try {
          eve.write(a);
        } catch (IOException ex) {
          LOG.warn("cannot write alert to [{}]: {}", eve.file(), ex.toString());
        }
      }
      mitigation.onAlert(a); // queued: never blocks detection
    }
    raised.increment();
    logLines.log(logLine(a));
    return a;
  }

  /**
   * Applies a reloaded {@code alerts} and {@code logging} section: how many alerts are kept and
   * logged a minute at once.
   *
   * @return what changed but needs a restart
   */
  public java.util.List<String> reload(VigilConfig old, VigilConfig next) {
    store.setCapacity(next.alerts().keep());
    logLines.setPerMinute(next.logging().alertsPerMinute());
    java.util.List<String> restart = new java.util.ArrayList<>();
    if (!old.alerts().eveLog().equals(next.alerts().eveLog())) {
      restart.add("alerts.eve-log");
    }
    return restart;
  }

  /** Returns how many alerts were stored. */
  long total() {
    return store.total();
  }

  @PreDestroy
  void close() throws IOException {
    if (eve != null) {
      eve.close();
    }
  }
}
