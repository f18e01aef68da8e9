package dev.vigil.daemon.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.features.FeatureSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continual learning ({@code model.continual}) in the model manager: what alerted is never learned,
 * one host's share of a round is bounded, a round retrains and swaps in a model once it has lasted
 * its time with enough vectors, and a new model starts a new round.
 */
class ModelManagerContinualTest {
  @TempDir Path dir;

  private ModelManager manager(String continual) throws Exception {
    return ContinualFixtures.manager(dir, continual, "");
  }

  /**
   * Offers {@code windows} scored windows of hosts 1 to 4 after {@code t}, all alerted (at high
   * severity) or none; returns the last window's end.
   */
  private static long offerFourHosts(
      ModelManager m, SplittableRandom r, long t, int windows, boolean alerted) {
    int size = FeatureSet.HOST_WINDOW.schema().size();
    for (int w = 0; w < windows; w++) {
      t += ContinualFixtures.WINDOW;
      for (int h = 1; h <= 4; h++) {
        m.offer(0, h, t, ContinualFixtures.vector(r, size), true, alerted, alerted);
      }
    }
    return t;
  }

  @Test
  @Timeout(300)
  void alertedWindowsAreNeverLearned_andARoundRetrainsOnTheOthersOnly() throws Exception {
    ModelManager m = manager("{every: 10m, min-vectors: 100, per-entity: 1024}");
    int size = FeatureSet.HOST_WINDOW.schema().size();
    SplittableRandom r = new SplittableRandom(7);
    long t = ContinualFixtures.learnFirstModel(m, size, r);
    m.scorer(); // the scoring thread picks the model up
    int kept = 0;
    int alerted = 0;
    // 60 windows (9 min 50 s from the round's first) of 4 hosts; every third of host 4 alerted
    for (int w = 0; w < 60; w++) {
      t += ContinualFixtures.WINDOW;
      for (int h = 1; h <= 4; h++) {
        boolean bad = h == 4 && w % 3 == 0;
        m.offer(0, h, t, ContinualFixtures.vector(r, size), true, bad, false);
        if (bad) {
          alerted++;
        } else {
          kept++;
        }
      }
    }
    assertThat(m.active().generation()).as("not yet: the round has not lasted 10 min").isEqualTo(1);
    m.offer(
        0,
        1,
        t + ContinualFixtures.WINDOW,
        ContinualFixtures.vector(r, size),
        true,
        false,
        false); // 10 min: the round ends
    m.awaitTraining(120_000);
    m.scorer();
    assertThat(m.active().generation()).as("the round's model was swapped in").isEqualTo(2);
    assertThat(m.active().origin())
        .startsWith("retrained on this device from " + (kept + 1) + " recent vectors");
    assertThat(ContinualFixtures.continual(m))
        .containsEntry("rounds", 1L)
        .containsEntry("refused", (long) alerted);
  }

  @Test
  @Timeout(300)
  void onlyAlertedWindows_neverStartARound() throws Exception {
    ModelManager m = manager("{every: 1m, min-vectors: 50, per-entity: 64}");
    SplittableRandom r = new SplittableRandom(8);
    long t = ContinualFixtures.learnFirstModel(m, FeatureSet.HOST_WINDOW.schema().size(), r);
    m.scorer();
    offerFourHosts(m, r, t, 60, true); // ten minutes, every window alerted
    m.awaitTraining(10_000);
    assertThat(m.active().generation()).isEqualTo(1);
    assertThat(ContinualFixtures.continual(m))
        .containsEntry("rounds", 0L)
        .containsEntry("kept", 0L);
  }

  @Test
  @Timeout(300)
  void aRoundHoldsAtMostMaxVectors_laterWindowsAreRefused() throws Exception {
    ModelManager m = manager("{every: 1h, min-vectors: 50, per-entity: 64, max-vectors: 100}");
    int size = FeatureSet.HOST_WINDOW.schema().size();
    SplittableRandom r = new SplittableRandom(9);
    long t = ContinualFixtures.learnFirstModel(m, size, r);
    m.scorer();
    offerFourHosts(m, r, t, 60, false); // 240 windows that did not alert, well within the hour
    assertThat(ContinualFixtures.continual(m))
        .containsEntry("kept", 100L)
        .containsEntry("refused", 140L);
  }

  @Test
  void roundSample_boundsAnEntityAndKeepsRunsOfConsecutiveVectorsFromTheWholeRound() {
    int run = ModelManager.RoundSample.RUN;
    ModelManager.RoundSample s = new ModelManager.RoundSample(4);
    SplittableRandom r = new SplittableRandom(1);
    int held = 0;
    int maxHeld = 0;
    int total = 1000 * run;
    for (int i = 0; i < total; i++) {
      held += s.add(new float[] {i}, r);
      maxHeld = Math.max(maxHeld, held);
    }
    List<List<float[]>> runs = s.runs();
    assertThat(maxHeld).isLessThanOrEqualTo(4 * run + run - 1);
    assertThat(runs.stream().mapToInt(List::size).sum()).isEqualTo(held);
    List<Integer> starts = new ArrayList<>();
    for (List<float[]> kept : runs) {
      assertThat(kept).hasSize(run);
      int first = (int) kept.get(0)[0];
      for (int k = 0; k < kept.size(); k++) {
        assertThat((int) kept.get(k)[0]).isEqualTo(first + k); // consecutive
      }
      starts.add(first);
    }
    // a uniform sample of 1,000 runs: not all from the last quarter (what a recent-only buffer
    // keeps)
    assertThat(starts).anyMatch(x -> x < total * 3 / 4);
  }

  @Test
  void roundSample_isUniformOverTheRound() {
    // over many rounds, each of 10 runs is kept by a sample of 2 with probability 1/5
    int run = ModelManager.RoundSample.RUN;
    int[] kept = new int[10];
    SplittableRandom r = new SplittableRandom(3);
    int rounds = 20_000;
    for (int round = 0; round < rounds; round++) {
      ModelManager.RoundSample s = new ModelManager.RoundSample(2);
      for (int i = 0; i < 10 * run; i++) {
        s.add(new float[] {i}, r);
      }
      for (List<float[]> k : s.runs()) {
        kept[(int) k.get(0)[0] / run]++;
      }
    }
    for (int k : kept) {
      assertThat(k / (double) rounds).isBetween(0.18, 0.22);
    }
  }
}
