package dev.vigil.eval.nab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.testsupport.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil nab}'s runner on real NAB files: NAB's results layout, no look-ahead, labels unused
 * for detection, and detection clearly better than NAB's null detector.
 */
@Tag("shared-data")
class NabRunnerTest {
  private static final String JUMPS = "artificialWithAnomaly/art_daily_jumpsup.csv";
  private static final String SPIKES = "artificialWithAnomaly/art_load_balancer_spikes.csv";
  private static Path nab;

  @TempDir static Path tmp;

  @BeforeAll
  static void corpus() throws IOException {
    Path src = SharedData.file("nab/labels/combined_windows.json").getParent().getParent();
    nab = tmp.resolve("nab");
    for (String f : List.of(JUMPS, SPIKES)) {
      Path to = nab.resolve("data").resolve(f);
      Files.createDirectories(to.getParent());
      Files.copy(src.resolve("data").resolve(f), to);
    }
    Files.createDirectories(nab.resolve("labels"));
    ObjectMapper json = new ObjectMapper();
    ObjectNode all =
        (ObjectNode) json.readTree(src.resolve("labels/combined_windows.json").toFile());
    ObjectNode two = json.createObjectNode();
    two.set(JUMPS, all.get(JUMPS));
    two.set(SPIKES, all.get(SPIKES));
    json.writeValue(nab.resolve("labels/combined_windows.json").toFile(), two);
  }

  private static double[] scores(Path resultsFile) throws IOException {
    List<String> lines = Files.readAllLines(resultsFile);
    assertEquals("timestamp,value,anomaly_score,label", lines.get(0));
    double[] s = new double[lines.size() - 1];
    for (int i = 1; i < lines.size(); i++) {
      s[i - 1] = Double.parseDouble(lines.get(i).split(",")[2]);
    }
    return s;
  }

  @Test
  void writesNabLayoutWithScoresInRangeAndDetectsBetterThanTheNullDetector() throws IOException {
    Path out = tmp.resolve("out");
    List<NabRunner.FileResult> r = NabRunner.run(nab, out, NabRunner.Config.defaults(), null, null);
    assertEquals(2, r.size());
    for (NabRunner.FileResult f : r) {
      Path file = out.resolve("vigil").resolve(f.file().replace("art_", "vigil_art_"));
      double[] s = scores(file);
      assertEquals(f.rows(), s.length);
      for (int i = 0; i < s.length; i++) {
        assertTrue(s[i] >= 0 && s[i] <= 1, "row " + i + ": " + s[i]);
        if (i < f.probation()) {
          assertEquals(0, s[i], "probation rows are not scored");
        }
      }
    }
    NabReport report = NabScorer.scoreResultsDir(nab, out, "vigil");
    double standard = report.profile("standard").normalisedScore();
    // both files' anomalies are a level jump and a burst of spikes: a working detector finds them
    assertTrue(standard > 50, "standard profile on two files: " + standard);
    assertEquals(2, report.profile("standard").detectedWindows());
  }

  @Test
  void noLookAheadAndLabelsUnused() throws IOException {
    Path full = tmp.resolve("full");
    NabRunner.run(nab, full, NabRunner.Config.defaults(), "jumpsup", null);
    double[] whole = scores(full.resolve("vigil").resolve(JUMPS.replace("art_", "vigil_art_")));

    // the same file cut at row 3000, and with no anomaly windows at all
    Path cut = tmp.resolve("cut");
    Path data = cut.resolve("data").resolve(JUMPS);
    Files.createDirectories(data.getParent());
    List<String> lines = Files.readAllLines(nab.resolve("data").resolve(JUMPS));
    Files.write(data, lines.subList(0, 3001));
    Files.createDirectories(cut.resolve("labels"));
    Files.writeString(cut.resolve("labels/combined_windows.json"), "{\"" + JUMPS + "\": []}");
    Path out = tmp.resolve("cut-out");
    NabRunner.Config c = NabRunner.Config.defaults();
    // probation is 15 % of the file's length, so the cut file keeps the full file's probation
    // only if it is told so: same rows learned, then the same rows scored
    NabRunner.run(cut, out, c.withProbation(NabRunner.probation(whole.length)), null, null);
    double[] part = scores(out.resolve("vigil").resolve(JUMPS.replace("art_", "vigil_art_")));
    assertEquals(3000, part.length);
    double[] prefix = java.util.Arrays.copyOf(whole, 3000);
    assertArrayEquals(prefix, part, "scores of the first 3000 rows do not depend on later rows");
  }
}
