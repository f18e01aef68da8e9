package dev.vigil.daemon.pipeline;

import dev.vigil.daemon.alerts.Alert;
import dev.vigil.daemon.alerts.AlertStore;
import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.daemon.logging.AlertLogLines;
import dev.vigil.daemon.mitigation.MitigationService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import java.util.function.Function;

/**
 * Where every detection path's alerts go: the in-memory {@link AlertStore} behind {@code GET
 * /alerts}, the {@code vigil.alerts.raised} counter, and either {@link MitigationService} (which
 * decides on each alert, stores it durably and then writes its eve line with the action taken) or,
 * without mitigation, the eve log ({@link EveOutput}) at once. Each alert is stamped with the
 * sensor's name ({@code alerts.host}) and, for packet alerts of a live capture, the interface.
 * Alert ids are unique across paths and increase in the order alerts are stored; with mitigation
 * they continue from the highest id stored before a restart.
 *
 * <p>Thread-safe: the packet and the telemetry path publish from their own threads.
 */
@Singleton
public final class AlertOutput {
  private final AlertStore store;
  private final Counter raised;
  private final EveOutput eve;
  private final MitigationService mitigation;
  private final AlertLogLines logLines;
  private volatile String captureInterface;
  private long seq;

  AlertOutput(
      VigilConfig config,
      AlertStore store,
      EveOutput eve,
      MeterRegistry registry,
      MitigationService mitigation) {
    this.store = store;
    this.eve = eve;
    this.mitigation = mitigation;
    this.seq = mitigation.lastAlertId();
    this.raised =
        Counter.builder("vigil.alerts.raised").description("Alerts raised").register(registry);
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
            : d.telemetry() != null ? d.telemetry().device() + "/" + d.telemetry().metric() : "?";
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
   * Sets the interface live capture reads now (its packet alerts' {@code in_iface}); null for a
   * capture file.
   */
  void capturing(String device) {
    captureInterface = device;
  }

  /**
   * Gives the next alert id to {@code build}, stamps, stores and hands on the alert it returns;
   * returns it.
   */
  Alert publish(Function<String, Alert> build) {
    Alert a;
    synchronized (this) { // the ids' order is the order alerts are handed on
      a = build.apply(Long.toString(++seq));
      boolean packet = a.vigil() == null || a.vigil().telemetry() == null;
      a = a.withSensor(eve.host(), packet ? captureInterface : null);
      store.add(a);
      // With mitigation, the worker writes the eve line once the policy decided, so that its
      // alert.action says whether the source was blocked; when it cannot take the alert (not
      // running, queue full) the line is written now, as allowed.
      if (!mitigation.onAlert(a)) {
        eve.alert(a);
      }
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
}
