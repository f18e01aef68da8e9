package dev.vigil.detect.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.vigil.detect.ForestParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A bundle written by an earlier release must load and score the same in this one (model state is
 * kept apart from code). {@code src/test/resources/bundles/} holds a small bundle per format
 * version, written by {@link #writeFixture} when it was current, with the fused scores it gave then
 * on fixed synthetic streams; this test loads each with today's reader and compares.
 *
 * <p>To add a fixture for a new format version: {@code mvn -pl detector-core test
 * -Dtest=BundleCompatibilityTest -Dvigil.writeBundleFixture=v2}.
 */
class BundleCompatibilityTest {
  private static final Path DIR = Path.of("src/test/resources/bundles");

  private static List<double[]> scores(DetectionModel m) {
    List<double[]> out = new ArrayList<>();
    EnsembleScorer f = m.scorer(Precision.FLOAT, 64);
    EnsembleScorer q = m.scorer(Precision.INT8, 64);
    for (ModelTrainer.Sequence s : Synthetic.normal(3, 40, 11)) {
      for (int t = 0; t < s.vectors().size(); t++) {
        out.add(
            new double[] {
              f.score(s.hi(), s.lo(), t, s.vectors().get(t)),
              q.score(s.hi(), s.lo(), t, s.vectors().get(t))
            });
      }
    }
    return out;
  }

  @Test
  void everyCommittedBundleLoadsAndScoresAsWhenItWasWritten() throws IOException {
    List<Path> bundles;
    try (var s = Files.list(DIR)) {
      bundles = s.filter(p -> p.toString().endsWith(".vigil")).sorted().toList();
    }
    assertThat(bundles).as("committed fixture bundles").isNotEmpty();
    for (Path b : bundles) {
      DetectionModel m = ModelBundle.read(b, Synthetic.SCHEMA);
      List<String> expected =
          Files.readAllLines(Path.of(b.toString().replace(".vigil", "-scores.csv")));
      List<double[]> now = scores(m);
      assertThat(now).hasSize(expected.size() - 1);
      for (int i = 0; i < now.size(); i++) {
        String[] f = expected.get(i + 1).split(",");
        // the runtimes may round differently from release to release, never more than this
        assertThat(now.get(i)[0])
            .as(b + " float row " + i)
            .isCloseTo(Double.parseDouble(f[0]), within(1e-3));
        assertThat(now.get(i)[1])
            .as(b + " int8 row " + i)
            .isCloseTo(Double.parseDouble(f[1]), within(1e-3));
      }
    }
  }

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
    for (double[] s : scores(ModelBundle.read(bundle, Synthetic.SCHEMA))) {
      csv.append(String.format(Locale.ROOT, "%.17g,%.17g%n", s[0], s[1]));
    }
    Files.writeString(Path.of(bundle.toString().replace(".vigil", "-scores.csv")), csv.toString());
  }
}
