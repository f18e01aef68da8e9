package dev.vigil.detect.series;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.detect.fusion.ScoreLikelihood;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Continual learning of the level: gated by the score, rate-limited by the half-life. */
class SeriesSurpriseContinualTest {
  private static final double YELLOW = Math.log(1e-3 + 1e-10) / Math.log(1e-10);

  /** Learned on values 0 to 10 (mean 5), then 300 normal steps scored. */
  private static SeriesSurprise warmed(SeriesSurprise.Continual continual) {
    SeriesSurprise s =
        new SeriesSurprise(
            new SeriesSurprise.Options(
                new ScoreLikelihood.Options(2000, 5, 50, 1e-5, 1e-3, 1e-3),
                5,
                100,
                0.05,
                1,
                continual));
    for (int i = 0; i <= 100; i++) {
      s.observe(i / 10.0);
    }
    SplittableRandom r = new SplittableRandom(5);
    for (int i = 0; i < 300; i++) {
      s.update(1 + 0.1 * r.nextDouble(), 10 * r.nextDouble());
    }
    return s;
  }

  @Test
  void update_readingAtOrAboveYellowNeverMovesTheLevel() {
    SeriesSurprise s = warmed(new SeriesSurprise.Continual(100));
    SplittableRandom r = new SplittableRandom(9);
    int gated = 0;
    int learned = 0;
    for (int i = 0; i < 3000; i++) {
      // normal readings with bursts far from the level, some beyond the range
      double v = i % 97 < 8 ? 9.5 + 4 * r.nextDouble() + i / 300.0 : 10 * r.nextDouble();
      double mean = s.levelMean();
      long steps = s.learnedSteps();
      double score = s.update(1 + 0.1 * r.nextDouble(), v);
      if (score >= YELLOW - 1e-9) { // alarms, and red steps held at yellow by the refractory period
        assertEquals(mean, s.levelMean(), 0.0, "step " + i + " scored " + score);
        assertEquals(steps, s.learnedSteps());
        gated++;
      } else {
        assertNotEquals(mean, s.levelMean(), "a quiet reading is learned (step " + i + ")");
        assertEquals(steps + 1, s.learnedSteps());
        learned++;
      }
    }
    assertTrue(gated >= 10, "the stream had readings at or above yellow: " + gated);
    assertTrue(learned >= 2000, "and quiet readings: " + learned);
  }

  @Test
  void update_sustainedAttackMovesTheLevelNoFasterThanTheHalfLife() {
    SeriesSurprise s = warmed(new SeriesSurprise.Continual(100));
    double m0 = s.levelMean();
    long before = s.learnedSteps();
    assertEquals(1.0, s.update(1.05, 40), 1e-12, "beyond the range: an alarm");
    assertEquals(m0, s.levelMean(), 0.0, "the alarm is not learned");
    for (int n = 1; n <= 400; n++) { // the attacker holds the new level, inside the range now
      s.update(1.05, 40);
      double bound = m0 + (40 - m0) * (1 - Math.pow(2, -n / 100.0));
      assertTrue(s.levelMean() <= bound + 1e-9, "after " + n + " steps: " + s.levelMean());
    }
    assertTrue(
        s.learnedSteps() - before < 380,
        "the first steps of the new level were surprising, not learned");
  }

  @Test
  void update_rateLimitedToTheHalfLife() {
    SeriesSurprise s = warmed(new SeriesSurprise.Continual(50));
    double m0 = s.levelMean();
    long before = s.learnedSteps();
    for (int i = 0; i < 50; i++) {
      assertTrue(s.update(1.05, 6) < YELLOW, "a reading within the usual level is quiet");
    }
    assertEquals(50, s.learnedSteps() - before);
    assertEquals(m0 + (6 - m0) / 2, s.levelMean(), 1e-9, "halfway to 6 after one half-life");
  }

  @Test
  void update_offKeepsTheLearningPeriodsLevel() {
    SeriesSurprise s = warmed(SeriesSurprise.Continual.OFF);
    assertEquals(5.0, s.levelMean(), 1e-9);
    for (int i = 0; i < 500; i++) {
      s.update(1.05, 6);
    }
    assertEquals(5.0, s.levelMean(), 1e-9);
    assertEquals(0, s.learnedSteps());
  }

  @Test
  void continual_rejectsANegativeHalfLife() {
    assertThrows(IllegalArgumentException.class, () -> new SeriesSurprise.Continual(-1));
    assertTrue(SeriesSurprise.Options.defaults().continual().enabled());
    assertTrue(
        !new SeriesSurprise.Options(ScoreLikelihood.Options.defaults(), 20, 100, 0.05, 0.3)
            .continual()
            .enabled());
  }
}
