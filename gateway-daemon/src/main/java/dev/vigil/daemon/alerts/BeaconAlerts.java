package dev.vigil.daemon.alerts;

import dev.vigil.detect.fusion.Severity;
import dev.vigil.features.flow.BeaconTracker;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds the alert of a beacon ({@link AlertSignature#BEACON}, detector {@code beacon}): severity
 * high, role initiator (its source opened every conversation), the peer in {@code dest_ip}/{@code
 * dest_port}/{@code proto}. Its score is the starts seen over the starts needed (1 at the first
 * report), its components the period in seconds, the jitter and the starts.
 */
public final class BeaconAlerts {
  private BeaconAlerts() {}

  /** Returns the one line that says what the beacon is, as the alert's summary and for logs. */
  public static String summary(BeaconTracker.Beacon b) {
    String port = b.dstPort() >= 0 ? ":" + b.dstPort() : "";
    return String.format(
        Locale.ROOT,
        "%s opened %d conversations with %s%s/%s, a peer it never talked to while learning,"
            + " every %.1f s (jitter %.0f %%): a command-and-control beacon?",
        b.source(),
        b.starts(),
        b.destination(),
        port,
        b.protocolName(),
        b.periodSeconds(),
        100 * b.jitter());
  }

  /**
   * Returns the builder of the alert (its id is given when it is published).
   *
   * @param b the beacon reported
   * @param minRepeats the starts a beacon needs to be reported
   */
  public static Function<String, Alert> of(BeaconTracker.Beacon b, int minRepeats) {
    String summary = summary(b);
    Map<String, Double> comps = new LinkedHashMap<>();
    comps.put("period_s", b.periodSeconds());
    comps.put("jitter", b.jitter());
    comps.put("starts", (double) b.starts());
    return id ->
        new Alert(
            AlertParts.time(b.lastStartMicros()),
            null,
            AlertParts.EVENT_TYPE,
            b.source(),
            b.destination(),
            b.dstPort() >= 0 ? b.dstPort() : null,
            b.protocolName().toUpperCase(Locale.ROOT),
            AlertSignature.BEACON.allowed(Severity.HIGH),
            null,
            new Alert.Detail(
                id,
                "beacon",
                b.starts() / (double) minRepeats,
                1.0,
                AlertParts.name(Severity.HIGH),
                comps,
                List.of("beacon"),
                summary,
                AlertParts.time(b.firstStartMicros()),
                AlertParts.time(b.lastStartMicros()),
                AlertParts.now(),
                null,
                List.of(),
                AlertParts.INITIATOR,
                null));
  }
}
