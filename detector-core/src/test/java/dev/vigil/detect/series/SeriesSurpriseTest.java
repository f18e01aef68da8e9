package dev.vigil.detect.series;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.detect.fusion.ScoreLikelihood;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SeriesSurpriseTest {
  private static final double YELLOW = Math.log(1e-3 + 1e-10) / Math.log(1e-10);

  /** Learned on values uniform in [0, 10], then 300 normal steps scored. */
  private static SeriesSurprise warmed(int refractory, double rangeTolerance) {
    SeriesSurprise s =
        new SeriesSurprise(
            new SeriesSurprise.Options(
                new ScoreLikelihood.Options(2000, 5, 50, 1e-5, 1e-3, 1e-3),
                5,
                refractory,
                rangeTolerance,
                1));
    SplittableRandom r = new SplittableRandom(5);
    for (int i = 0; i <= 100; i++) {
      s.observe(i / 10.0);
    }
    for (int i = 0; i < 300; i++) {
      s.update(1 + 0.1 * r.nextDouble(), 10 * r.nextDouble());
    }
    return s;
  }

  @Test
  void aNewRecordBeyondTheToleranceScoresOne() {
    SeriesSurprise s = warmed(100, 0.05);
    assertTrue(s.update(1.05, 10.4) < SeriesSurprise.RED, "within 5 % of the range");
    assertEquals(1.0, s.update(1.05, 11), 1e-12);
  }

  @Test
  void interpolatedStepsAreScoredByTheEnsembleOnly() {
    SeriesSurprise s = warmed(100, 0.05);
    assertTrue(s.update(1.05, Double.NaN) < SeriesSurprise.RED);
    assertTrue(s.update(1.05, 5) < SeriesSurprise.RED);
  }

  @Test
  void interpolatedStepsNeverAlarmNorHoldBackTheNextReading() {
    SeriesSurprise s = warmed(100, 0.05);
    double gap = 0;
    for (int i = 0; i < 5; i++) {
      gap = Math.max(gap, s.update(30, Double.NaN)); // a fused-score burst over a gap
    }
    assertTrue(gap <= YELLOW + 1e-9, "interpolated steps stay at most yellow: " + gap);
    assertEquals(1.0, s.update(1.05, 12), 1e-12, "the reading after the gap still alarms");
  }

  @Test
  void oneAlarmPerRefractoryPeriod() {
    SeriesSurprise s = warmed(20, -1); // no range check: the level channel alone
    int first = -1;
    for (int i = 0; i < 5 && first < 0; i++) {
      if (s.update(1.05, 30) >= SeriesSurprise.RED) {
        first = i;
      }
    }
    assertTrue(first >= 0, "a level jump alarms");
    for (int i = 0; i < 20; i++) {
      double x = s.update(1.05, i >= 4 && i < 8 ? 60 : 5); // a bigger jump within the period
      assertTrue(x < SeriesSurprise.RED, "step " + (i + 1) + " after the alarm: " + x);
    }
    double after = 0;
    for (int i = 0; i < 5; i++) {
      after = Math.max(after, s.update(1.05, 500));
    }
    assertTrue(after >= SeriesSurprise.RED, "after the refractory period, a new alarm: " + after);
  }

  @Test
  void oneFarOutlierDoesNotDeafenTheLevelChannel() {
    SeriesSurprise s = warmed(0, 0.05);
    assertEquals(1.0, s.update(1.05, 1e6), 1e-12, "far beyond the range");
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < 200; i++) {
      s.update(1 + 0.1 * r.nextDouble(), 10 * r.nextDouble());
    }
    double shift = 0; // within the range seen (the outlier widened it): the level channel's
    for (int i = 0; i < 10; i++) {
      shift = Math.max(shift, s.update(1.05, 30 + r.nextDouble()));
    }
    assertTrue(shift >= SeriesSurprise.RED, "a lasting shift after the outlier: " + shift);
    assertEquals(SeriesSurprise.Channel.LEVEL, s.channel());
  }

  @Test
  void aNewRecordAlarmsEvenWithinTheRefractoryPeriod() {
    SeriesSurprise s = warmed(20, 0.05);
    assertEquals(1.0, s.update(1.05, -5), 1e-12);
    assertTrue(s.update(1.05, 5) < SeriesSurprise.RED);
    assertEquals(1.0, s.update(1.05, -20), 1e-12, "beyond the range seen so far: news");
    assertTrue(s.update(1.05, -20) < SeriesSurprise.RED, "the same value again is no record");
  }

  @Test
  void eitherChannelRaisesTheScore() {
    SeriesSurprise a = warmed(0, -1);
    double ensembleBurst = 0;
    for (int i = 0; i < 5; i++) {
      ensembleBurst = Math.max(ensembleBurst, a.update(30, 5));
    }
    assertTrue(ensembleBurst >= SeriesSurprise.RED, "fused-score burst: " + ensembleBurst);
    SeriesSurprise b = warmed(0, -1); // no range check: the level channel alone
    double levelJump = 0;
    for (int i = 0; i < 5; i++) {
      levelJump = Math.max(levelJump, b.update(1.05, 30));
    }
    assertTrue(levelJump >= SeriesSurprise.RED, "level jump: " + levelJump);
  }

  @Test
  void optionsAreValidated() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new SeriesSurprise.Options(ScoreLikelihood.Options.defaults(), 20, -1, 0.05, 0.3));
    assertThrows(
        IllegalArgumentException.class,
        () -> new SeriesSurprise.Options(ScoreLikelihood.Options.defaults(), 0, 1, 0.05, 0.3));
    assertThrows(
        IllegalArgumentException.class, () -> new SeriesSurprise.Options(null, 20, 1, 0.05, 0.3));
  }
}
