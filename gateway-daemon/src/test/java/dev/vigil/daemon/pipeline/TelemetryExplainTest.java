package dev.vigil.daemon.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.detect.series.SeriesSurprise;
import org.junit.jupiter.api.Test;

/** The one-line reason a telemetry alert gives, per channel of {@link SeriesSurprise}. */
class TelemetryExplainTest {
  private static SeriesSurprise learned() {
    SeriesSurprise s = new SeriesSurprise(TelemetryService.SURPRISE);
    java.util.SplittableRandom r = new java.util.SplittableRandom(1);
    s.observe(15);
    s.observe(25); // range [15, 25]
    for (int i = 0; i < 300; i++) {
      s.observe(20 + 0.6 * r.nextDouble()); // no season
    }
    return s;
  }

  @Test
  void aRecordValueNamesTheRangeSeen() {
    SeriesSurprise s = learned();
    double score = s.update(1, 35);
    assertThat(score).isEqualTo(1.0);
    assertThat(s.channel()).isEqualTo(SeriesSurprise.Channel.RANGE);
    assertThat(TelemetryService.explain(s, 35))
        .isEqualTo("value 35.00 beyond the range seen [15.00, 25.00]");
  }

  @Test
  void theOtherChannelsSayWhatTheyCompare() {
    SeriesSurprise s = learned();
    for (int i = 0; i < 150; i++) { // a score history for the level channel
      s.update(1, 20 + 0.6 * ((i * 7919) % 101) / 100.0);
    }
    s.update(1, 24);
    assertThat(s.channel()).isEqualTo(SeriesSurprise.Channel.LEVEL);
    assertThat(s.levelMean()).isBetween(20.2, 20.4); // the learned values, outliers included
    assertThat(TelemetryService.explain(s, 24))
        .startsWith("value 24.00 against the learned level 20.");
    SeriesSurprise e = learned();
    e.update(1, Double.NaN); // an interpolated step: only the ensemble channel
    assertThat(e.channel()).isEqualTo(SeriesSurprise.Channel.ENSEMBLE);
    assertThat(TelemetryService.explain(e, Double.NaN)).contains("ensemble");
  }
}
