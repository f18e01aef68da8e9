package dev.vigil.detect.series;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.detect.fusion.ScoreLikelihood;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SeasonalResidualTest {
  private static double daily(int t, SplittableRandom r) {
    return 10 + 5 * Math.sin(2 * Math.PI * t / 48) + 0.3 * r.nextGaussian();
  }

  @Test
  void findsTheSeasonOfANoisyCycle() {
    SplittableRandom r = new SplittableRandom(1);
    double[] v = new double[600];
    for (int t = 0; t < v.length; t++) {
      v[t] = daily(t, r);
    }
    int p = SeasonalResidual.detectPeriod(v, v.length, 0.3);
    assertTrue(p == 48 || p == 47 || p == 49, "period " + p);
  }

  @Test
  void noSeasonInWhiteNoiseOrAFlatLine() {
    SplittableRandom r = new SplittableRandom(2);
    double[] v = new double[600];
    for (int t = 0; t < v.length; t++) {
      v[t] = r.nextGaussian();
    }
    assertEquals(0, SeasonalResidual.detectPeriod(v, v.length, 0.3));
    assertEquals(0, SeasonalResidual.detectPeriod(new double[600], 600, 0.3));
  }

  @Test
  void aMissingCycleStandsOutWhileItsValuesStayInRange() {
    SplittableRandom r = new SplittableRandom(3);
    SeasonalResidual s = new SeasonalResidual(48, 128);
    double normalMax = 0;
    for (int t = 0; t < 48 * 12; t++) {
      double z = s.next(daily(t, r));
      if (t > 48 * 6) {
        normalMax = Math.max(normalMax, Math.abs(z));
      }
    }
    double brokenMax = 0;
    for (int t = 48 * 12; t < 48 * 13; t++) {
      brokenMax = Math.max(brokenMax, Math.abs(s.next(10 + 0.3 * r.nextGaussian()))); // flat
    }
    assertTrue(normalMax < 6, "normal cycles: " + normalMax);
    assertTrue(brokenMax > 2 * normalMax, "flattened cycle: " + brokenMax + " vs " + normalMax);
  }

  @Test
  void seriesSurpriseAlarmsOnABrokenSeason() {
    SplittableRandom r = new SplittableRandom(4);
    SeriesSurprise sp =
        new SeriesSurprise(
            new SeriesSurprise.Options(ScoreLikelihood.Options.defaults(), 20, 100, -1, 0.3));
    int t = 0;
    for (; t < 600; t++) {
      sp.observe(daily(t, r));
    }
    double normal = 0;
    for (; t < 48 * 30; t++) {
      normal = Math.max(normal, sp.update(1, daily(t, r)));
    }
    assertTrue(sp.period() >= 47 && sp.period() <= 49, "period " + sp.period());
    double broken = 0;
    for (int k = 0; k < 48; k++, t++) {
      broken = Math.max(broken, sp.update(1, 10 + 0.3 * r.nextGaussian()));
    }
    assertTrue(broken >= SeriesSurprise.RED, "broken season: " + broken);
    assertTrue(normal < SeriesSurprise.RED, "normal seasons: " + normal);
  }

  @Test
  void rejectsTinyPeriods() {
    assertThrows(IllegalArgumentException.class, () -> new SeasonalResidual(1, 128));
  }
}
