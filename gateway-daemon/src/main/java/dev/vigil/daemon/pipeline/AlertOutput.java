package dev.vigil.daemon.pipeline;

import dev.vigil.daemon.alerts.Alert;
import dev.vigil.daemon.alerts.AlertStore;
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
final class AlertOutput {
  private final AlertStore store;
  private final Counter raised;
  private final EveOutput eve;
  private final MitigationService mitigation;
  private volatile String captureInterface;
  private long seq;

  AlertOutput(
      AlertStore store, EveOutput eve, MeterRegistry registry, MitigationService mitigation) {
    this.store = store;
    this.eve = eve;
    this.mitigation = mitigation;
    this.seq = mitigation.lastAlertId();
    this.raised =
        Counter.builder("vigil.alerts.raised").description("Alerts raised").register(registry);
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
    return a;
  }

  /** Returns how many alerts were stored. */
  long total() {
    return store.total();
  }
}
