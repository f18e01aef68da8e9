package dev.vigil.detect.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ScoreLikelihoodTest {
  private static ScoreLikelihood.Options opts(int history, int shortWindow) {
    return new ScoreLikelihood.Options(history, shortWindow, 50, 1e-5, 1e-3, 1e-3);
  }

  @Test
  void gaussianTailMatchesKnownValues() {
    assertEquals(0.5, ScoreLikelihood.tail(0), 1e-7);
    assertEquals(0.0249979, ScoreLikelihood.tail(1.96), 2e-7);
    assertEquals(0.9750021, ScoreLikelihood.tail(-1.96), 2e-7);
    // Q(4.264891) = 1e-5: the red line
    assertEquals(1e-5, ScoreLikelihood.tail(4.264891), 3e-7);
    assertEquals(1.0, ScoreLikelihood.tail(-40), 1e-12);
  }

  @Test
  void studentTailMapsToTheNormalDeviateOfTheSameTail() {
    // t quantiles of the 2.5 % tail: 2.228 at 10 degrees of freedom, 2.042 at 30
    assertEquals(1.96, ScoreLikelihood.studentToNormal(2.228, 10), 0.02);
    assertEquals(1.96, ScoreLikelihood.studentToNormal(2.042, 30), 0.01);
    // the 1e-5 tail of t with 20 degrees of freedom is at 5.54 (of the normal at 4.26); this far
    // out the approximation errs by about 0.15, on the cautious side
    double z = ScoreLikelihood.studentToNormal(5.54, 20);
    assertTrue(z > 4.26 - 0.2 && z <= 4.26, "" + z);
    assertEquals(4.0, ScoreLikelihood.studentToNormal(4.0, 1e9), 1e-6);
    assertEquals(-1.96, ScoreLikelihood.studentToNormal(-2.228, 10), 0.02);
  }

  @Test
  void aYoungHistoryNeedsAFartherStepThanAnOldOne() {
    double young = 0;
    double old = 0;
    for (int history : new int[] {60, 1500}) {
      ScoreLikelihood l = new ScoreLikelihood(opts(2000, 10));
      SplittableRandom r = new SplittableRandom(17);
      for (int i = 0; i < history; i++) {
        l.update(1 + r.nextDouble());
      }
      double s = l.update(8); // its short mean about 7 deviations above the history's
      if (history == 60) {
        young = s;
      } else {
        old = s;
      }
    }
    assertTrue(young < 0.5 && old >= 0.5, "young " + young + ", old " + old);
  }

  @Test
  void noScoreUntilTheHistoryIsLongEnough() {
    ScoreLikelihood l = new ScoreLikelihood(opts(500, 1));
    for (int i = 0; i < 50; i++) {
      assertEquals(0, l.update(i == 30 ? 100 : 1), "step " + i);
    }
    assertEquals(50, l.size());
  }

  @Test
  void aBurstStandsOutAndRaisesOneAlarm() {
    SplittableRandom r = new SplittableRandom(7);
    ScoreLikelihood l = new ScoreLikelihood(opts(2000, 5));
    double maxNormal = 0;
    for (int i = 0; i < 1500; i++) {
      double s = l.update(0.5 + 0.2 * r.nextDouble());
      if (i > 200) {
        maxNormal = Math.max(maxNormal, s);
      }
    }
    assertTrue(maxNormal < 0.5, "normal noise stays below the red line: " + maxNormal);
    int red = 0;
    double first = 0;
    for (int i = 0; i < 20; i++) {
      double s = l.update(5);
      if (s >= 0.5) {
        red++;
        first = first == 0 ? s : first;
      }
    }
    assertEquals(1, red, "one alarm for one burst");
    assertTrue(first > 0.9, "the burst is far in the tail: " + first);
  }

  @Test
  void redStepsAfterTheFirstAreReportedAtTheYellowLevel() {
    ScoreLikelihood l = new ScoreLikelihood(opts(1000, 1));
    SplittableRandom r = new SplittableRandom(3);
    for (int i = 0; i < 600; i++) {
      l.update(r.nextDouble());
    }
    double a = l.update(50);
    double b = l.update(50);
    assertTrue(a >= 0.5, "first red step: " + a);
    assertEquals(Math.log(1e-3 + 1e-10) / Math.log(1e-10), b, 1e-9);
  }

  @Test
  void aLastingChangeOfLevelFadesAsTheHistoryTakesItIn() {
    ScoreLikelihood l = new ScoreLikelihood(opts(300, 1));
    SplittableRandom r = new SplittableRandom(11);
    for (int i = 0; i < 600; i++) {
      l.update(1 + 0.1 * r.nextDouble());
    }
    double late = 0;
    for (int i = 0; i < 900; i++) {
      double s = l.update(3 + 0.1 * r.nextDouble());
      if (i >= 600) {
        late = Math.max(late, s);
      }
    }
    assertTrue(late < 0.5, "the new level is normal once the history holds only it: " + late);
  }

  @Test
  void aRepeatOfARecentBurstIsNoNewsButAHigherOneOrALaterOneIs() {
    // history 2000 in blocks of 16; a record window of 500 steps looks back 32 blocks (512 steps)
    ScoreLikelihood l =
        new ScoreLikelihood(new ScoreLikelihood.Options(2000, 1, 50, 1e-5, 1e-3, 1e-3, 500));
    double yellow = Math.log(1e-3 + 1e-10) / Math.log(1e-10);
    SplittableRandom r = new SplittableRandom(13);
    for (int i = 0; i < 600; i++) {
      assertTrue(l.update(0.5 + 0.2 * r.nextDouble()) < 0.5, "normal noise, step " + i);
    }
    assertTrue(l.update(5) >= 0.5, "the first burst is news");
    for (int i = 0; i < 50; i++) {
      l.update(0.5 + 0.2 * r.nextDouble());
    }
    double repeat = l.update(5);
    assertEquals(yellow, repeat, 1e-9, "the same burst again within the window is not");
    for (int i = 0; i < 50; i++) {
      l.update(0.5 + 0.2 * r.nextDouble());
    }
    assertTrue(l.update(6) >= 0.5, "a higher burst is a record");
    for (int i = 0; i < 600; i++) {
      l.update(0.5 + 0.2 * r.nextDouble());
    }
    assertTrue(l.update(5) >= 0.5, "the burst is news again once the window has passed it");

    // without the record check the repeat is red: the Gaussian tail alone calls it rare
    ScoreLikelihood plain = new ScoreLikelihood(opts(2000, 1));
    SplittableRandom q = new SplittableRandom(13);
    for (int i = 0; i < 600; i++) {
      plain.update(0.5 + 0.2 * q.nextDouble());
    }
    plain.update(5);
    for (int i = 0; i < 50; i++) {
      plain.update(0.5 + 0.2 * q.nextDouble());
    }
    assertTrue(plain.update(5) >= 0.5);
  }

  @Test
  void badRawScoresCountAsZero() {
    ScoreLikelihood l = new ScoreLikelihood(opts(100, 1));
    for (int i = 0; i < 60; i++) {
      l.update(1);
    }
    double s = l.update(Double.NaN);
    assertTrue(s >= 0 && s <= 1);
    assertEquals(0, l.update(-5), 1e-9);
  }

  @Test
  void optionsAreValidated() {
    assertThrows(
        IllegalArgumentException.class, () -> new ScoreLikelihood.Options(1, 1, 2, 1e-5, 1e-3, 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ScoreLikelihood.Options(100, 1, 200, 1e-5, 1e-3, 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ScoreLikelihood.Options(100, 1, 50, 1e-2, 1e-3, 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ScoreLikelihood.Options(100, 1, 50, 1e-5, 1e-3, 1, 101));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ScoreLikelihood.Options(100, 1, 50, 1e-5, 1e-3, 1, -1));
    assertEquals(0, new ScoreLikelihood.Options(100, 1, 50, 1e-5, 1e-3, 1).recordWindow());
  }
}
