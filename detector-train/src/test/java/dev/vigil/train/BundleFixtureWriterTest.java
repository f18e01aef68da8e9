package dev.vigil.train;

import dev.vigil.detect.model.BundleCompatibilityTest;
import dev.vigil.detect.model.DetectionModel;
import dev.vigil.detect.model.ModelBundle;
import dev.vigil.train.forest.ForestParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes a fixture bundle for detector-core's {@link BundleCompatibilityTest}: a small model
 * trained on the synthetic streams, and the fused scores it gives, into detector-core's test
 * resources. Runs only when asked ({@code -Dvigil.writeBundleFixture=v2}), once per new bundle
 * format version.
 */
class BundleFixtureWriterTest {
  private static final Path DIR = Path.of("../detector-core/src/test/resources/bundles");

  @Test
  @EnabledIfSystemProperty(named = "vigil.writeBundleFixture", matches = "v[0-9]+")
  void writeFixture() throws IOException {
    String v = System.getProperty("vigil.writeBundleFixture");
    ModelTrainer.Config fast = Synthetic.fastConfig(21);
    ModelTrainer.Config small =
        new ModelTrainer.Config(
            fast.scaling(),
            fast.autoencoder(),
            fast.lstm(),
            new ForestParams(20, 64, 21, 0.995, 1),
            fast.weights(),
            fast.targetFpr(),
            fast.calibrationFraction(),
            fast.weightStep());
    DetectionModel m =
        ModelTrainer.train(Synthetic.SCHEMA, Synthetic.normal(6, 100, 21), null, small, null);
    Path bundle = DIR.resolve("synthetic-" + v + ".vigil");
    ModelBundle.write(m, bundle);
    StringBuilder csv = new StringBuilder("float,int8\n");
    for (double[] s : BundleCompatibilityTest.scores(ModelBundle.read(bundle, Synthetic.SCHEMA))) {
      csv.append(String.format(Locale.ROOT, "%.17g,%.17g%n", s[0], s[1]));
    }
    Files.writeString(Path.of(bundle.toString().replace(".vigil", "-scores.csv")), csv.toString());
  }
}
