package dev.vigil.eval.nab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.vigil.testsupport.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real NAB v1.1 corpus ({@code shared/datasets/nab}): it reads as its MANIFEST describes, and
 * the baselines behave as NAB defines them for all three profiles: a detector that never fires
 * normalises to 0, one firing exactly at each window's first row to 100.
 */
@Tag("shared-data")
class NabSharedCorpusTest {
  private static Path nabRoot;
  private static NabCorpus corpus;

  @BeforeAll
  static void load() throws IOException {
    nabRoot = SharedData.file("nab/labels/combined_windows.json").getParent().getParent();
    corpus = NabCorpus.load(nabRoot);
  }

  /** Scores that are 0 everywhere but {@code value} at each window's first row. */
  private static Map<String, double[]> atWindowStarts(double value) {
    Map<String, double[]> m = new HashMap<>();
    for (NabDataFile f : corpus.files()) {
      double[] s = new double[f.length()];
      for (int k = 0; k < f.windows().size(); k++) {
        s[f.windowFirstRow(k)] = value;
      }
      m.put(f.name(), s);
    }
    return m;
  }

  private static Map<String, double[]> constant(double value) {
    Map<String, double[]> m = new HashMap<>();
    for (NabDataFile f : corpus.files()) {
      double[] s = new double[f.length()];
      Arrays.fill(s, value);
      m.put(f.name(), s);
    }
    return m;
  }

  @Test
  void corpusMatchesTheManifest() throws IOException {
    String manifest = Files.readString(nabRoot.resolve("MANIFEST.md"));
    Matcher totals =
        Pattern.compile("combined_windows\\.json: (\\d+) series / (\\d+) windows")
            .matcher(manifest);
    assertThat(totals.find()).as("MANIFEST states the window totals").isTrue();
    assertThat(corpus.fileCount()).isEqualTo(Integer.parseInt(totals.group(1))).isEqualTo(58);
    assertThat(corpus.windowCount()).isEqualTo(Integer.parseInt(totals.group(2))).isEqualTo(116);
    Matcher rowsTotal = Pattern.compile("([\\d,]+) data rows in total").matcher(manifest);
    assertThat(rowsTotal.find()).isTrue();
    assertThat(corpus.rowCount()).isEqualTo(Long.parseLong(rowsTotal.group(1).replace(",", "")));

    // The per-file table: | file | rows | first timestamp | last timestamp | windows |
    Pattern row =
        Pattern.compile(
            "^\\| (\\S+\\.csv) \\| (\\d+) \\| ([\\d\\- :]+) \\| ([\\d\\- :]+) \\| (\\d+) \\|$",
            Pattern.MULTILINE);
    Matcher m = row.matcher(manifest);
    List<String> seen = new ArrayList<>();
    int withoutWindows = 0;
    while (m.find()) {
      NabDataFile f = corpus.file(m.group(1));
      seen.add(f.name());
      assertThat(f.length()).as(f.name()).isEqualTo(Integer.parseInt(m.group(2)));
      assertThat(f.timestamp(0)).as(f.name()).isEqualTo(NabTimestamps.parse(m.group(3)));
      assertThat(f.timestamp(f.length() - 1))
          .as(f.name())
          .isEqualTo(NabTimestamps.parse(m.group(4)));
      assertThat(f.windows()).as(f.name()).hasSize(Integer.parseInt(m.group(5)));
      withoutWindows += f.windows().isEmpty() ? 1 : 0;
    }
    assertThat(seen).containsExactlyInAnyOrderElementsOf(corpus.names());
    assertThat(withoutWindows).isEqualTo(6);
  }

  @Test
  void everyWindowStartsAfterTheProbationaryPeriod() {
    // NAB's labeller dropped windows overlapping the probation, so every window is scored and a
    // perfect detector can reach A_TP per window.
    NabScorer scorer = new NabScorer();
    for (NabDataFile f : corpus.files()) {
      for (int k = 0; k < f.windows().size(); k++) {
        assertThat(f.windowFirstRow(k))
            .as("%s window %d", f.name(), k)
            .isGreaterThanOrEqualTo(scorer.probationLength(f.length()));
      }
    }
    assertThat(scorer.probationLength(corpus.file("realKnownCause/nyc_taxi.csv").length()))
        .isEqualTo(750); // 15 % of 10,320 is 1,548: capped
    assertThat(scorer.probationLength(4032)).isEqualTo(604);
  }

  @Test
  void nullDetectorNormalisesToZeroForAllProfiles() {
    NabReport report = NabScorer.score(corpus, constant(0.0));
    for (NabProfile p : NabProfile.ALL) {
      NabProfileReport r = report.profile(p);
      assertThat(r.threshold()).as(p.name()).isEqualTo(1.1); // never fire
      assertThat(r.rawScore()).as(p.name()).isEqualTo(-116 * p.fnWeight());
      assertThat(r.nullScore()).as(p.name()).isEqualTo(-116 * p.fnWeight());
      assertThat(r.normalisedScore()).as(p.name()).isEqualTo(0.0);
      assertThat(r.missedWindows()).isEqualTo(116);
      assertThat(r.truePositives() + r.falsePositives()).isZero();
    }
    // NAB's own null detector outputs a constant 0.5: the same.
    assertThat(NabScorer.score(corpus, constant(0.5)).profile("standard").normalisedScore())
        .isEqualTo(0.0);
  }

  @Test
  void perfectDetectorNormalisesTo100ForAllProfiles() {
    NabReport report = NabScorer.score(corpus, atWindowStarts(1.0));
    for (NabProfile p : NabProfile.ALL) {
      NabProfileReport r = report.profile(p);
      assertThat(r.threshold()).as(p.name()).isEqualTo(1.0);
      assertThat(r.rawScore()).as(p.name()).isCloseTo(116 * p.tpWeight(), within(1e-9));
      assertThat(r.perfectScore()).as(p.name()).isEqualTo(116 * p.tpWeight());
      assertThat(r.normalisedScore()).as(p.name()).isCloseTo(100.0, within(1e-9));
      assertThat(r.detectedWindows()).isEqualTo(116);
      assertThat(r.truePositives()).isEqualTo(116);
      assertThat(r.falsePositives()).isZero();
    }
  }

  @Test
  void firingAtEveryRowScoresFarBelowZeroWithoutOptimisation() {
    Map<String, double[]> always = constant(1.0);
    NabScorer scorer = new NabScorer();
    NabProfileReport lowFp =
        scorer.scoreAtThreshold(corpus, always, NabProfile.REWARD_LOW_FP_RATE, 0.5);
    NabProfileReport std = scorer.scoreAtThreshold(corpus, always, NabProfile.STANDARD, 0.5);
    // Every scored row is a detection: every window is found at its first row (+116) and every
    // other row is a false positive costing up to A_FP.
    assertThat(lowFp.trueNegatives() + lowFp.falseNegatives()).isZero();
    assertThat(lowFp.detectedWindows()).isEqualTo(116);
    int fp = lowFp.falsePositives();
    assertThat(fp).isGreaterThan(290_000);
    assertThat(lowFp.rawScore()).isBetween(116 - 0.22 * fp, 116 - 0.22 * 0.5 * fp);
    assertThat(lowFp.normalisedScore()).isLessThan(-10_000);
    assertThat(lowFp.normalisedScore()).isLessThan(std.normalisedScore());
    // The optimiser would rather never fire: the sweep's 1.1 row wins, i.e. the null score.
    assertThat(scorer.evaluate(corpus, always, NabProfile.REWARD_LOW_FP_RATE).normalisedScore())
        .isEqualTo(0.0);
  }

  @Test
  void resultsFolderInNabsLayoutScoresAsTheScoresDo(@TempDir Path dir) throws IOException {
    Map<String, double[]> perfect = atWindowStarts(1.0);
    NabTestData.writeResults(dir, "perfect", corpus, perfect);
    long t0 = System.nanoTime();
    NabReport fromDir = NabScorer.scoreResultsDir(nabRoot, dir, "perfect");
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertThat(fromDir).isEqualTo(NabScorer.score(corpus, perfect));
    for (NabProfile p : NabProfile.ALL) {
      assertThat(fromDir.profile(p).normalisedScore()).isCloseTo(100.0, within(1e-9));
    }
    // Reading 58 data and 58 results files and scoring three profiles takes about a second.
    assertThat(seconds).isLessThan(30);
  }
}
