package dev.vigil.daemon.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.daemon.config.ConfigLoader;
import dev.vigil.daemon.config.VigilConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** A packet-path model manager that learns a small model fast, and benign-looking windows. */
final class ContinualFixtures {
  static final long SECOND = 1_000_000L;
  static final long WINDOW = 10 * SECOND;

  private ContinualFixtures() {}

  /**
   * A manager that learns its baseline from 10 s of windows (100 vectors at least), with {@code
   * continual} as its {@code model.continual} section and {@code extra} model lines (or "").
   */
  static ModelManager manager(Path dir, String continual, String extra) throws Exception {
    return managerWith(
        dir,
        "  learn: {duration: 10s, min-vectors: 100}",
        "  continual: " + continual,
        "  autoencoder: {epochs: 2}",
        "  lstm: {epochs: 1}",
        "  forest: {trees: 10}",
        extra);
  }

  /** A packet-path manager whose {@code model} section is {@code modelLines}. */
  static ModelManager managerWith(Path dir, String... modelLines) throws Exception {
    Path pcap = Path.of("src/main/resources/demo/demo-attack.pcap").toAbsolutePath().normalize();
    Path yaml = dir.resolve("vigil.yaml");
    Files.writeString(
        yaml, "capture: {pcap: " + pcap + "}\nmodel:\n" + String.join("\n", modelLines) + "\n");
    VigilConfig config = ConfigLoader.load(yaml);
    return ModelManager.forPackets(config);
  }

  /** The manager's {@code /health} details of continual learning. */
  @SuppressWarnings("unchecked")
  static java.util.Map<String, Object> continual(ModelManager m) {
    return (java.util.Map<String, Object>) m.details().get("continual");
  }

  /** A benign-looking host-window vector: small counts with noise. */
  static float[] vector(SplittableRandom r, int size) {
    float[] v = new float[size];
    for (int i = 0; i < size; i++) {
      v[i] = (float) (2 + r.nextDouble() * 3);
    }
    return v;
  }

  /**
   * Feeds 40 unscored windows of hosts 1 to 5 until baseline learning has trained the first model,
   * and puts it in service; returns the last window's end.
   */
  static long learnFirstModel(ModelManager m, int size, SplittableRandom r) throws Exception {
    long t = 0;
    for (int w = 0; w < 40; w++) {
      t += WINDOW;
      for (int h = 1; h <= 5; h++) {
        m.offer(0, h, t, vector(r, size), false, false, false);
      }
    }
    m.awaitTraining(120_000);
    assertThat(m.scorer()).as("the learned model is in service").isNotNull();
    assertThat(m.active().generation()).isEqualTo(1);
    return t;
  }
}
