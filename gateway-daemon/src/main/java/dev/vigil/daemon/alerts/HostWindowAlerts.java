package dev.vigil.daemon.alerts;

import dev.vigil.detect.model.ExplainedScore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.function.Function;

/**
 * Builds the alert of a host's traffic window the packet ensemble scored anomalous ({@link
 * AlertSignature#HOST_WINDOW}, detector {@code ensemble}).
 */
public final class HostWindowAlerts {
  private HostWindowAlerts() {}

  /**
   * Returns the builder of the alert (its id is given when it is published).
   *
   * @param host the host's address as text (the alert's {@code src_ip})
   * @param startMicros the window's start, epoch microseconds (capture time)
   * @param endMicros the window's end, epoch microseconds: the alert's time
   * @param score the ensemble's score of the window, explained
   * @param schema the feature schema id of the scored vector
   * @param responder whether the host mostly answered others' traffic (else it opened its own)
   * @param early whether the window was closed before its end, its counts already past the benign
   *     maximum ({@code vigil.early}; left out when false)
   */
  public static Function<String, Alert> of(
      String host,
      long startMicros,
      long endMicros,
      ExplainedScore score,
      String schema,
      boolean responder,
      boolean early) {
    return id ->
        new Alert(
            AlertParts.time(endMicros),
            null,
            AlertParts.EVENT_TYPE,
            host,
            null,
            null,
            null,
            AlertSignature.HOST_WINDOW.allowed(score.severity()),
            null,
            new Alert.Detail(
                id,
                "ensemble",
                score.score(),
                score.threshold(),
                AlertParts.name(score.severity()),
                AlertParts.components(score, new LinkedHashMap<>()),
                AlertParts.fired(score, new ArrayList<>()),
                score.summary(),
                AlertParts.time(startMicros),
                AlertParts.time(endMicros),
                AlertParts.now(),
                schema,
                AlertParts.features(score),
                responder ? AlertParts.RESPONDER : AlertParts.INITIATOR,
                null,
                null,
                early ? Boolean.TRUE : null));
  }
}
