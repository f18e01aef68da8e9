package dev.vigil.daemon.alerts;

import dev.vigil.detect.fusion.Severity;
import dev.vigil.features.flow.AuthFailureTracker;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds the alert of a client refused too often ({@link AlertSignature#AUTH_FAILURES}, detector
 * {@code auth}): severity high, role initiator, the server in {@code dest_ip}/{@code dest_port}.
 * Its score is the refusals over the refusals needed, its components the refusals and the span they
 * fell in.
 */
public final class AuthFailureAlerts {
  private AuthFailureAlerts() {}

  /** Returns the seconds between the report's first and last refusal. */
  private static double spanSeconds(AuthFailureTracker.Report r) {
    return (r.lastMicros() - r.firstMicros()) / 1e6;
  }

  /**
   * Returns the one line that says what the client did, as the alert's summary and for logs.
   *
   * @param r the report
   * @param maxFailures the refusals that make a report
   */
  public static String summary(AuthFailureTracker.Report r, int maxFailures) {
    return String.format(
        Locale.ROOT,
        "%s was refused %d %s logins by %s:%d (the last %d within %.1f s, return code %d):"
            + " password guessing?",
        r.client(),
        r.failures(),
        r.protocol().toUpperCase(Locale.ROOT),
        r.server(),
        r.serverPort(),
        maxFailures,
        spanSeconds(r),
        r.lastCode());
  }

  /**
   * Returns the builder of the alert (its id is given when it is published).
   *
   * @param r the report
   * @param maxFailures the refusals that make a report
   */
  public static Function<String, Alert> of(AuthFailureTracker.Report r, int maxFailures) {
    String summary = summary(r, maxFailures);
    Map<String, Double> comps = new LinkedHashMap<>();
    comps.put("refusals", (double) r.failures());
    comps.put("span_s", spanSeconds(r));
    return id ->
        new Alert(
            AlertParts.time(r.lastMicros()),
            null,
            AlertParts.EVENT_TYPE,
            r.client(),
            r.server(),
            r.serverPort(),
            "TCP",
            AlertSignature.AUTH_FAILURES.allowed(Severity.HIGH),
            null,
            new Alert.Detail(
                id,
                "auth",
                r.failures() / (double) maxFailures,
                1.0,
                AlertParts.name(Severity.HIGH),
                comps,
                List.of("auth"),
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
