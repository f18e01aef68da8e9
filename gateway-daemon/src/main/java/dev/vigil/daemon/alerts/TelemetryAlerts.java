package dev.vigil.daemon.alerts;

import dev.vigil.common.settings.StrictSettings;
import dev.vigil.detect.fusion.Severity;
import dev.vigil.detect.model.ExplainedScore;
import dev.vigil.detect.series.SeriesSurprise;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds the alert of a step of a device's telemetry series that the series' surprise flagged
 * ({@link AlertSignature#TELEMETRY}, detector {@code ensemble+surprise}): its severity is the
 * higher of the ensemble's and the surprise's, its score the surprise against {@link
 * SeriesSurprise#RED}.
 */
public final class TelemetryAlerts {
  private TelemetryAlerts() {}

  /**
   * What made the step surprising.
   *
   * @param score the surprise, in [0, 1]
   * @param channel the channel that raised it (range, level, season, ensemble)
   * @param explanation one line on why, for the summary
   */
  public record Surprise(double score, SeriesSurprise.Channel channel, String explanation) {}

  /**
   * Returns the builder of the alert (its id is given when it is published).
   *
   * @param series the device, the metric and the step length
   * @param stepStartMillis the step's start, epoch milliseconds
   * @param stepMillis the step's length, milliseconds
   * @param surprise what made the step surprising
   * @param ensemble the ensemble's score of the step's vector, explained
   * @param schema the feature schema id of the scored vector
   */
  public static Function<String, Alert> of(
      Alert.Series series,
      long stepStartMillis,
      long stepMillis,
      Surprise surprise,
      ExplainedScore ensemble,
      String schema) {
    Severity bySurprise = SeriesSurprise.severity(surprise.score());
    Severity severity =
        ensemble.severity().compareTo(bySurprise) > 0 ? ensemble.severity() : bySurprise;
    Map<String, Double> comps = new LinkedHashMap<>();
    comps.put("surprise", surprise.score());
    comps.put("fused", ensemble.score());
    AlertParts.components(ensemble, comps);
    List<String> fired = new ArrayList<>();
    fired.add(surprise.channel().key());
    AlertParts.fired(ensemble, fired);
    String start = AlertParts.time(stepStartMillis * 1000);
    String end = AlertParts.time((stepStartMillis + stepMillis) * 1000);
    String summary =
        StrictSettings.quote(series.device()) // names from the LAN: never raw in a log line
            + " "
            + StrictSettings.quote(series.metric())
            + ": "
            + AlertParts.name(severity)
            + String.format(Locale.ROOT, " anomaly %.2f (alarm at %.2f), ", surprise.score(), 0.5)
            + surprise.explanation()
            + "; ensemble: "
            + ensemble.summary();
    List<Alert.Feature> why = AlertParts.features(ensemble);
    return id ->
        new Alert(
            end,
            null,
            AlertParts.EVENT_TYPE,
            null,
            null,
            null,
            null,
            AlertSignature.TELEMETRY.allowed(severity),
            null,
            new Alert.Detail(
                id,
                "ensemble+surprise",
                surprise.score(),
                SeriesSurprise.RED,
                AlertParts.name(severity),
                comps,
                fired,
                summary,
                start,
                end,
                AlertParts.now(),
                schema,
                why,
                null,
                series));
  }
}
