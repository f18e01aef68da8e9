package dev.vigil.detect.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A bundle written by an earlier release must load and score the same in this one (model state is
 * kept apart from code). {@code src/test/resources/bundles/} holds a small bundle per format
 * version, written by detector-train's {@code BundleFixtureWriterTest} when it was current, with
 * the fused scores it gave then on fixed synthetic streams; this test loads each with today's
 * reader and compares.
 *
 * <p>To add a fixture for a new format version: {@code mvn -pl detector-train -am test
 * -Dtest=BundleFixtureWriterTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dvigil.writeBundleFixture=v2}.
 */
public class BundleCompatibilityTest {
  private static final Path DIR = Path.of("src/test/resources/bundles");

  public static List<double[]> scores(DetectionModel m) {
    List<double[]> out = new ArrayList<>();
    EnsembleScorer f = m.scorer(Precision.FLOAT, 64);
    EnsembleScorer q = m.scorer(Precision.INT8, 64);
    for (SyntheticStreams.Stream s : SyntheticStreams.normal(3, 40, 11)) {
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
      DetectionModel m = ModelBundle.read(b, SyntheticStreams.SCHEMA);
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
}
