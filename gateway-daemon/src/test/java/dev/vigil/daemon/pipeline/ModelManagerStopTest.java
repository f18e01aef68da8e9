package dev.vigil.daemon.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.features.FeatureSet;
import dev.vigil.train.ModelTrainer;
import dev.vigil.train.nn.AutoencoderTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon that stops while a model trains writes nothing afterwards: training ends at its next
 * epoch, no bundle is written and no model published, whether it was the first model (trained on
 * the scoring thread, which the daemon interrupts) or one learned in the background ({@link
 * ModelManager#close}).
 */
class ModelManagerStopTest {
  @TempDir Path dir;

  private ModelManager manager(String modelLines) throws Exception {
    return ContinualFixtures.managerWith(
        dir,
        "  bundle: " + dir.resolve("model.vigil"),
        modelLines,
        "  autoencoder: {epochs: 500}",
        "  lstm: {epochs: 500}",
        "  forest: {trees: 10}");
  }

  @Test
  @Timeout(120)
  void aStopDuringTheFirstModelsTraining_endsItAtTheNextEpoch_andWritesNoBundle() throws Exception {
    Path benign = Path.of("src/main/resources/demo/demo-benign.pcap").toAbsolutePath().normalize();
    ModelManager m = manager("  train-pcaps: [" + benign + "]");
    AtomicInteger epochs = new AtomicInteger();
    ModelTrainer.Listener log = ModelManager.logListener();
    // the daemon's stop interrupts the scoring thread, here during the first epoch
    ModelTrainer.Listener stopAtFirstEpoch =
        new ModelTrainer.Listener() {
          @Override
          public AutoencoderTrainer.Progress phase(String name) {
            AutoencoderTrainer.Progress p = log.phase(name);
            return (epoch, max, loss, eta) -> {
              epochs.incrementAndGet();
              Thread.currentThread().interrupt();
              p.epoch(epoch, max, loss, eta);
            };
          }

          @Override
          public void message(String text) {}
        };
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread scoring =
        new Thread(
            () -> {
              try {
                m.initial(stopAtFirstEpoch);
              } catch (Throwable t) {
                thrown.set(t);
              }
            });
    scoring.start();
    scoring.join(100_000);

    assertThat(thrown.get()).isInstanceOf(ModelManager.TrainingStopped.class);
    assertThat(epochs.get()).as("epochs run of 500").isEqualTo(1);
    assertThat(dir.resolve("model.vigil")).doesNotExist();
    assertThat(m.active()).isNull();
  }

  @Test
  @Timeout(120)
  void aCloseDuringBackgroundLearning_stopsTheTrainer_andNothingIsWrittenOrPublished()
      throws Exception {
    ModelManager m = manager("  learn: {duration: 10s, min-vectors: 100}");
    int size = FeatureSet.HOST_WINDOW.schema().size();
    SplittableRandom r = new SplittableRandom(5);
    long t = 0;
    // 40 windows of 5 hosts: learning's time and count are reached, and training starts
    for (int w = 0; w < 40; w++) {
      t += 10_000_000L;
      for (int h = 1; h <= 5; h++) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
          v[i] = (float) (2 + r.nextDouble() * 3);
        }
        m.offer(0, h, t, v, false, false, false);
      }
    }
    assertThat(m.details().get("learning").toString()).as("training has started").contains("train");

    long t0 = System.nanoTime();
    m.close(60_000);
    long closeMs = (System.nanoTime() - t0) / 1_000_000;

    assertThat(closeMs).as("ms to stop a 500-epoch training").isLessThan(30_000);
    assertThat(dir.resolve("model.vigil")).doesNotExist();
    assertThat(m.active()).isNull();
    assertThat(m.details().get("learning").toString()).contains("stopped");
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("vigil.yaml");
    }
  }
}
