package dev.vigil.daemon.pipeline;

import static dev.vigil.daemon.pipeline.ContinualFixtures.WINDOW;
import static dev.vigil.daemon.pipeline.ContinualFixtures.vector;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.daemon.pipeline.ModelManager.Grace;
import dev.vigil.features.FeatureSet;
import dev.vigil.train.ModelTrainer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * New hosts' grace ({@code model.continual.grace}) in the model manager: only a LAN device the
 * model in service was not trained on gets one, the table of hosts in grace is bounded, a grace
 * ends, and halfway through it a round ends early whose model knows the host, also after a restart
 * from its bundle.
 */
class ModelManagerGraceTest {
  private static final int SIZE = FeatureSet.HOST_WINDOW.schema().size();

  /** Host n's MAC: a LAN device whose own address it is. */
  private static long mac(int n) {
    return 0x0200_0000_0000L + n;
  }

  @TempDir Path dir;

  @SuppressWarnings("unchecked")
  private static Map<String, Object> grace(ModelManager m) {
    return (Map<String, Object>) ContinualFixtures.continual(m).get("grace");
  }

  @Test
  @Timeout(300)
  void onlyANewLanDeviceGetsGrace_atMostGraceHostsAtOnce_untilItEnds() throws Exception {
    ModelManager m =
        ContinualFixtures.manager(
            dir, "{every: 24h, min-vectors: 50, grace: 10m, grace-hosts: 2}", "");
    SplittableRandom r = new SplittableRandom(11);
    long t = ContinualFixtures.learnFirstModel(m, SIZE, r);
    m.scorer();

    t += WINDOW;
    assertThat(m.grace(0, 3, t, () -> mac(3))).as("a host learned on").isEqualTo(Grace.NONE);
    assertThat(m.grace(0, 9, t, () -> mac(9))).as("a new LAN device").isEqualTo(Grace.STARTED);
    assertThat(m.grace(0, 10, t, () -> -1L))
        .as("a new address that is not a LAN device's own (spoofed or remote)")
        .isEqualTo(Grace.NONE);
    assertThat(m.grace(0, 11, t, () -> mac(11))).isEqualTo(Grace.STARTED);
    assertThat(m.grace(0, 12, t, () -> mac(12)))
        .as("a third: the table is full")
        .isEqualTo(Grace.NONE);
    assertThat(grace(m)).containsEntry("hosts", 2).containsEntry("started", 2L);
    assertThat(grace(m)).containsEntry("refused", 1L);

    t += WINDOW;
    assertThat(m.grace(0, 9, t, () -> mac(9))).isEqualTo(Grace.IN);
    assertThat(m.grace(0, 9, t, () -> -1L))
        .as("its address sent by another MAC: no grace for that window")
        .isEqualTo(Grace.NONE);
    long over = t - WINDOW + Duration.ofMinutes(10).toNanos() / 1000;
    assertThat(m.grace(0, 9, over - 1, () -> mac(9))).isEqualTo(Grace.IN);
    assertThat(m.grace(0, 9, over, () -> mac(9))).as("grace is over").isEqualTo(Grace.NONE);
    // an ended grace is held for as long again, then makes room for a new host
    assertThat(m.grace(0, 12, over, () -> mac(12))).isEqualTo(Grace.NONE);
    long longOver = over + Duration.ofMinutes(10).toNanos() / 1000;
    assertThat(m.grace(0, 12, longOver, () -> mac(12))).isEqualTo(Grace.STARTED);
    // host 9 was evicted for it; the other long-ended grace (host 11's) makes room for host 9 again
    assertThat(m.grace(0, 9, longOver, () -> mac(9))).isEqualTo(Grace.STARTED);
    assertThat(m.grace(0, 14, longOver, () -> mac(14)))
        .as("two hosts in grace: the table is full")
        .isEqualTo(Grace.NONE);
    assertThat(grace(m)).containsEntry("hosts", 2).containsEntry("refused", 3L);
  }

  @Test
  @Timeout(300)
  void aDistrustedHost_losesItsGraceAndItsWindowsOfTheRound_andANewOneGetsNone() throws Exception {
    ModelManager m =
        ContinualFixtures.manager(dir, "{every: 24h, min-vectors: 50, grace: 10m}", "");
    SplittableRandom r = new SplittableRandom(13);
    long t = ContinualFixtures.learnFirstModel(m, SIZE, r);
    m.scorer();
    for (int w = 0; w < 10; w++) {
      t += WINDOW;
      assertThat(m.grace(0, 9, t, () -> mac(9))).isNotEqualTo(Grace.NONE);
      m.offer(0, 9, t, vector(r, SIZE), true, false, false);
      m.offer(0, 1, t, vector(r, SIZE), true, false, false);
    }
    assertThat(ContinualFixtures.continual(m)).containsEntry("kept", 20L);

    m.distrust(0, 9, t); // it scanned, say
    m.distrust(0, 15, t); // a host never seen in a window yet
    t += WINDOW;
    assertThat(m.grace(0, 9, t, () -> mac(9))).as("its grace ended").isEqualTo(Grace.NONE);
    assertThat(m.grace(0, 15, t, () -> mac(15))).as("none for it later").isEqualTo(Grace.NONE);
    assertThat(ContinualFixtures.continual(m))
        .as("host 9's ten windows dropped")
        .containsEntry("dropped", 10L);
    m.distrust(0, 1, t); // a known host too: its windows of the round are dropped
    assertThat(ContinualFixtures.continual(m)).containsEntry("dropped", 20L);

    // one MAC, many addresses: four in grace at most, and distrusting one ends the grace of all
    for (int h = 20; h < 24; h++) {
      assertThat(m.grace(0, h, t, () -> mac(20))).isEqualTo(Grace.STARTED);
    }
    assertThat(m.grace(0, 24, t, () -> mac(20))).as("a fifth address").isEqualTo(Grace.NONE);
    m.distrust(0, 21, t);
    t += WINDOW;
    for (int h = 20; h < 24; h++) {
      assertThat(m.grace(0, h, t, () -> mac(20))).as("address %d", h).isEqualTo(Grace.NONE);
    }
  }

  @Test
  @Timeout(300)
  void halfwayThroughItsGrace_aRoundEndsEarly_whoseModelKnowsTheHost_alsoAfterARestart()
      throws Exception {
    String continual = "{every: 24h, min-vectors: 50, per-entity: 64, grace: 12m}";
    String bundle = "  bundle: " + dir.resolve("model.vigil");
    ModelManager m = ContinualFixtures.manager(dir, continual, bundle);
    SplittableRandom r = new SplittableRandom(12);
    long t = ContinualFixtures.learnFirstModel(m, SIZE, r);
    m.scorer();
    long halfway = t + WINDOW + Duration.ofMinutes(6).toNanos() / 1000;
    // hosts 1 to 4 as before, and host 9, new, from the next window on (its windows learned)
    while (m.active().generation() == 1 && t < halfway + 10 * WINDOW) {
      t += WINDOW;
      m.scorer();
      for (int h = 1; h <= 4; h++) {
        m.offer(0, h, t, vector(r, SIZE), true, false, false);
      }
      Grace g = m.grace(0, 9, t, () -> mac(9));
      assertThat(g).as("host 9 at %d µs, before the new model", t).isNotEqualTo(Grace.NONE);
      if (t < halfway) {
        assertThat(ContinualFixtures.continual(m))
            .as("no round before halfway")
            .containsEntry("rounds", 0L);
      }
      m.offer(0, 9, t, vector(r, SIZE), true, false, false);
      if (t >= halfway) {
        m.awaitTraining(120_000);
      }
    }
    m.scorer();
    assertThat(m.active().generation()).as("a round ended early").isEqualTo(2);
    assertThat(m.active().origin()).contains("early: a new host halfway through its grace");
    assertThat(t).as("at halfway, not a whole 'every' later").isLessThan(halfway + 2 * WINDOW);
    t += WINDOW;
    assertThat(m.grace(0, 9, t, () -> mac(9)))
        .as("the new model knows host 9")
        .isEqualTo(Grace.NONE);
    assertThat(m.grace(0, 5, t, () -> mac(5)))
        .as("host 5, quiet this round, is still known: it was learned before")
        .isEqualTo(Grace.NONE);
    assertThat(grace(m)).containsEntry("hosts", 0);

    // a restart reads what the bundle's model was trained on
    ModelManager again = ContinualFixtures.manager(dir, continual, bundle);
    again.initial(ModelTrainer.Listener.silent());
    again.scorer();
    assertThat(again.active().origin()).startsWith("bundle ");
    assertThat(again.grace(0, 9, t, () -> mac(9))).isEqualTo(Grace.NONE);
    assertThat(again.grace(0, 1, t, () -> mac(1))).isEqualTo(Grace.NONE);
    assertThat(again.grace(0, 13, t, () -> mac(13))).isEqualTo(Grace.STARTED);
  }
}
