package dev.vigil.daemon.pipeline;

import dev.vigil.daemon.alerts.Alert;
import dev.vigil.daemon.alerts.AlertSignature;
import dev.vigil.daemon.alerts.AlertStore;
import dev.vigil.daemon.alerts.EveLog;
import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.daemon.mitigation.MitigationService;
import dev.vigil.detect.fusion.Severity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.serde.ObjectMapper;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where every detection path's alerts go: the in-memory {@link AlertStore} behind {@code GET
 * /alerts}, the eve.json-style log, the {@code vigil.alerts.raised} counter (by detector and
 * severity) and, when mitigation is configured, {@link MitigationService} (which stores each alert
 * durably and turns it into a verdict). Alert ids are unique across paths and increase in the order
 * alerts are stored; with mitigation they continue from the highest id stored before a restart.
 *
 * <p>Thread-safe: the packet and the telemetry path publish from their own threads.
 */
@Singleton
final class AlertOutput {
  private static final Logger LOG = LoggerFactory.getLogger(AlertOutput.class);
  // the severities an alert can have, in the order of raised's second index
  private static final Severity[] SEVERITIES = {
    Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL
  };

  private final AlertStore store;
  // [signature][severity - LOW]: every combination registered at start, so the labels are bounded
  // and publishing looks nothing up
  private final Counter[][] raised;
  private final EveLog eve;
  private final MitigationService mitigation;
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
    this.raised = registerRaised(registry);
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
  }

  private static Counter[][] registerRaised(MeterRegistry registry) {
    AlertSignature[] kinds = AlertSignature.values();
    Counter[][] c = new Counter[kinds.length][SEVERITIES.length];
    for (AlertSignature k : kinds) {
      for (int i = 0; i < SEVERITIES.length; i++) {
        c[k.ordinal()][i] =
            Counter.builder("vigil.alerts.raised")
                .description("Alerts raised, by detector and severity")
                .tag("detector", k.detector())
                .tag("severity", SEVERITIES[i].name().toLowerCase(Locale.ROOT))
                .register(registry);
      }
    }
    return c;
  }

  /**
   * Returns the counter of {@code a}'s detector and severity; an alert of no known signature counts
   * as the ensemble's, a severity other than low..critical (none is raised) as low.
   */
  private Counter raisedCounter(Alert a) {
    AlertSignature k = a.alert() == null ? null : AlertSignature.of(a.alert().signatureId());
    int kind = (k == null ? AlertSignature.HOST_WINDOW : k).ordinal();
    String s = a.vigil() == null || a.vigil().severity() == null ? "" : a.vigil().severity();
    int sev =
        switch (s) {
          case "medium" -> 1;
          case "high" -> 2;
          case "critical" -> 3;
          default -> 0;
        };
    return raised[kind][sev];
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
    raisedCounter(a).increment();
    return a;
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
