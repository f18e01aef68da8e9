package dev.vigil.daemon.alerts;

import dev.vigil.detect.fusion.Severity;
import dev.vigil.features.flow.FloodDetector;
import dev.vigil.features.packet.Addresses;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds the alert of a flood ({@link AlertSignature#FLOOD}, detector {@code flood}), severity
 * high. A flood's sender ({@link FloodDetector.Role#SOURCE}) is the alert's {@code src_ip} with
 * role initiator: policy may quarantine it (a LAN sender by its MAC, {@link
 * dev.vigil.features.binding.AddressBindings}). A flood's target ({@link
 * FloodDetector.Role#TARGET}) is the alert's {@code src_ip} with role responder: the victim is
 * named, never blamed, and the sources (often spoofed) are not named as senders; the summary gives
 * the MAC most of the flood came from and its share. {@code window_start} is the run's first
 * packet: the first packet of the evidence.
 */
public final class FloodAlerts {
  private FloodAlerts() {}

  /** Returns the one line that says what happened, as the alert's summary and for logs. */
  public static String summary(FloodDetector.Report r) {
    String what = r.kind().label();
    String rates =
        String.format(
            Locale.ROOT,
            "%d %s packets at %.0f/s (learned %.1f/s, CUSUM %.0f over %.0f)",
            r.packets(),
            what,
            r.ratePerSecond(),
            r.baselinePerSecond(),
            r.cusum(),
            r.threshold());
    String halfOpen =
        r.kind() == FloodDetector.Kind.SYN
            ? String.format(Locale.ROOT, ", %.0f %% answered", 100 * r.halfOpenRatio())
            : "";
    if (r.role() == FloodDetector.Role.SOURCE) {
      return String.format(
          Locale.ROOT,
          "%s sent %s%s to %d %s: %s flood?",
          r.host(),
          rates,
          halfOpen,
          r.peers(),
          r.peers() == 1 ? "host" : "hosts",
          what);
    }
    return String.format(
        Locale.ROOT,
        "%s received %s%s from %d %s, %.0f %% of them from MAC %s: %s flood against it?",
        r.host(),
        rates,
        halfOpen,
        r.peers(),
        r.peers() == 1 ? "source" : "sources",
        100 * r.macShare(),
        r.mac() == 0 ? "?" : Addresses.formatMac(r.mac()),
        what);
  }

  /** Returns the builder of the alert (its id is given when it is published). */
  public static Function<String, Alert> of(FloodDetector.Report r) {
    String summary = summary(r);
    Map<String, Double> comps = new LinkedHashMap<>();
    comps.put("packets", (double) r.packets());
    comps.put("rate_per_s", r.ratePerSecond());
    comps.put("baseline_per_s", r.baselinePerSecond());
    comps.put("cusum", r.cusum());
    comps.put("threshold", r.threshold());
    comps.put("peers", (double) r.peers());
    if (r.kind() == FloodDetector.Kind.SYN) {
      comps.put("answered_ratio", r.halfOpenRatio());
    }
    if (r.role() == FloodDetector.Role.TARGET) {
      comps.put("mac_share", r.macShare());
    }
    String proto =
        switch (r.kind()) {
          case SYN, MQTT_PUBLISH -> "TCP";
          case UDP -> "UDP";
          case ICMP -> "ICMP";
        };
    boolean source = r.role() == FloodDetector.Role.SOURCE;
    return id ->
        new Alert(
            AlertParts.time(r.lastMicros()),
            null,
            AlertParts.EVENT_TYPE,
            r.host(),
            null,
            null,
            proto,
            AlertSignature.FLOOD.allowed(Severity.HIGH),
            null,
            new Alert.Detail(
                id,
                "flood",
                r.threshold() > 0 ? r.cusum() / r.threshold() : 1.0,
                1.0,
                AlertParts.name(Severity.HIGH),
                comps,
                List.of("flood", r.kind().label(), source ? "source" : "target"),
                summary,
                AlertParts.time(r.firstMicros()),
                AlertParts.time(r.lastMicros()),
                AlertParts.now(),
                null,
                List.of(),
                source ? AlertParts.INITIATOR : AlertParts.RESPONDER,
                null));
  }
}
