package dev.vigil.daemon.alerts;

import dev.vigil.detect.fusion.Severity;
import dev.vigil.features.flow.ScanDetector;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds the alert of a scanner ({@link AlertSignature#SCAN}, detector {@code scan}): severity
 * high, role initiator, the scanner in {@code src_ip}. Its score is the walk's log likelihood ratio
 * over the threshold it crossed ({@code ln(PD/PF)}), so 1 is "just decided"; its components are the
 * evidence: first-contact attempts, their failures and successes, and the hosts and ports they went
 * to. {@code window_start} is the walk's first attempt: the first packet of the evidence.
 */
public final class ScanAlerts {
  private ScanAlerts() {}

  /** Returns the one line that says what the source did, as the alert's summary and for logs. */
  public static String summary(ScanDetector.Report r) {
    return String.format(
        Locale.ROOT,
        "%s: %d of %d first-contact connection attempts failed (%d answered), to %d %s and %d %s"
            + " (ports %s) in %.3f s: %s scan? (log likelihood ratio %.1f)",
        r.src(),
        r.failures(),
        r.attempts(),
        r.successes(),
        r.hosts(),
        r.hosts() == 1 ? "host" : "hosts",
        r.ports(),
        r.ports() == 1 ? "port" : "ports",
        Arrays.toString(r.samplePorts()),
        (r.lastMicros() - r.firstMicros()) / 1e6,
        r.kind(),
        r.logLikelihoodRatio());
  }

  /**
   * Returns the builder of the alert (its id is given when it is published).
   *
   * @param r the report
   * @param threshold the log likelihood ratio that makes a report ({@code ln(PD/PF)})
   */
  public static Function<String, Alert> of(ScanDetector.Report r, double threshold) {
    String summary = summary(r);
    Map<String, Double> comps = new LinkedHashMap<>();
    comps.put("attempts", (double) r.attempts());
    comps.put("failures", (double) r.failures());
    comps.put("successes", (double) r.successes());
    comps.put("udp_attempts", (double) r.udpAttempts());
    comps.put("hosts", (double) r.hosts());
    comps.put("ports", (double) r.ports());
    comps.put("log_likelihood_ratio", r.logLikelihoodRatio());
    String proto = r.udpAttempts() * 2 > r.attempts() ? "UDP" : "TCP";
    return id ->
        new Alert(
            AlertParts.time(r.lastMicros()),
            null,
            AlertParts.EVENT_TYPE,
            r.src(),
            null,
            null,
            proto,
            AlertSignature.SCAN.allowed(Severity.HIGH),
            null,
            new Alert.Detail(
                id,
                "scan",
                threshold > 0 ? r.logLikelihoodRatio() / threshold : r.logLikelihoodRatio(),
                1.0,
                AlertParts.name(Severity.HIGH),
                comps,
                List.of("scan", r.kind()),
                summary,
                AlertParts.time(r.firstMicros()),
                AlertParts.time(r.lastMicros()),
                AlertParts.now(),
                null,
                List.of(),
                AlertParts.INITIATOR,
                null));
  }
}
