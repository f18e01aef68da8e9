package dev.vigil.eval.nab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a detector's NAB results folder, and refusing malformed results files. */
class NabResultsTest {
  @TempDir Path dir;
  private NabCorpus corpus;
  private NabDataFile data;
  private Path results;
  private Path file;

  @BeforeEach
  void setUp() throws IOException {
    data = NabTestData.fileWithRowWindows("realCat/series.csv", 5, new int[] {2, 3});
    corpus = new NabCorpus(List.of(data));
    results = dir.resolve("results");
    file = NabResults.resultsFile(results, "det", data.name());
    Files.createDirectories(file.getParent());
  }

  /** Writes the results file with a header and the given data lines. */
  private void writeResults(String header, String... lines) throws IOException {
    Files.writeString(file, header + "\n" + String.join("\n", lines) + "\n");
  }

  private static final String HEADER = "timestamp,value,anomaly_score,label";

  private static String row(int i, String score) {
    return String.format("2014-01-01 00:%02d:00,0.0,%s,0", 5 * i, score);
  }

  @Test
  void resultsFileFollowsNabsLayout() {
    assertThat(NabResults.resultsFile(Path.of("results"), "numenta", "realKnownCause/nyc_taxi.csv"))
        .isEqualTo(Path.of("results/numenta/realKnownCause/numenta_nyc_taxi.csv"));
    assertThatThrownBy(() -> NabResults.resultsFile(Path.of("r"), "../x", "a/b.csv"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a detector name");
  }

  @Test
  void readsScoresByColumnNameIgnoringOtherColumns() throws IOException {
    // NAB's own results files carry extra columns (raw_score, S(t)_<profile>) in any order.
    Files.writeString(
        file,
        "timestamp,value,anomaly_score,raw_score,label,S(t)_standard\n"
            + "2014-01-01 00:00:00,1,0.1,9,0,-0.11\n"
            + "2014-01-01 00:05:00,1,0.2,9,0,-0.11\n"
            + "\n"
            + "2014-01-01 00:10:00,1,0.3,9,1,1.0\n"
            + "2014-01-01 00:15:00,1,-0.0,9,1,0.5\n"
            + "2014-01-01 00:20:00,1,1e-3,9,0,-0.1\n");
    NabResults r = NabResults.load(results, "det", corpus);
    assertThat(r.detector()).isEqualTo("det");
    assertThat(r.files()).containsExactly("realCat/series.csv");
    assertThat(r.anomalyScores("realCat/series.csv")).containsExactly(0.1, 0.2, 0.3, -0.0, 0.001);
    assertThat(r.asMap()).containsOnlyKeys("realCat/series.csv");
  }

  @Test
  void badScoreIsRefusedWithFileAndLine() throws IOException {
    writeResults(HEADER, row(0, "0.1"), row(1, "0.2"), row(2, "high"), row(3, "0.1"), row(4, "0"));
    assertThatThrownBy(() -> NabResults.load(results, "det", corpus))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file + ":4: anomaly_score is not a number: 'high'");
  }

  @Test
  void nonFiniteScoreIsRefusedWithFileAndLine() throws IOException {
    writeResults(HEADER, row(0, "0.1"), row(1, "NaN"), row(2, "0"), row(3, "0"), row(4, "0"));
    assertThatThrownBy(() -> NabResults.load(results, "det", corpus))
        .hasMessageContaining(file + ":3: anomaly_score must be finite, was NaN");
  }

  @Test
  void timestampDifferingFromTheDataRowIsRefusedUnlessPairingByPosition() throws IOException {
    writeResults(
        HEADER,
        row(0, "0"),
        row(1, "0"),
        row(3, "0.9"), // row 2 of the data is 00:10
        row(2, "0"),
        row(4, "0"));
    assertThatThrownBy(() -> NabResults.load(results, "det", corpus))
        .hasMessageContaining(
            file
                + ":4: timestamp 2014-01-01 00:15:00 differs from row 3 of data file"
                + " realCat/series.csv (2014-01-01T00:10)");
    // NAB pairs rows by position; that stays possible.
    NabResults byPosition = NabResults.load(results, "det", corpus, false);
    assertThat(byPosition.anomalyScores(data.name())).containsExactly(0, 0, 0.9, 0, 0);
  }

  @Test
  void tooManyOrTooFewRowsAreRefused() throws IOException {
    writeResults(
        HEADER, row(0, "0"), row(1, "0"), row(2, "0"), row(3, "0"), row(4, "0"), row(5, "0"));
    assertThatThrownBy(() -> NabResults.load(results, "det", corpus))
        .hasMessageContaining(file + ":7: more rows than data file realCat/series.csv (5)");
    writeResults(HEADER, row(0, "0"), row(1, "0"), row(2, "0"));
    assertThatThrownBy(() -> NabResults.load(results, "det", corpus))
        .hasMessageContaining(file + ": 3 rows, but data file realCat/series.csv has 5");
  }

  @Test
  void malformedLinesAndHeadersAreRefused() throws IOException {
    writeResults(HEADER, row(0, "0"), "2014-01-01 00:05:00,0.0,0.5");
    assertThatThrownBy(() -> NabResults.load(results, "det", corpus))
        .hasMessageContaining(file + ":3: expected 4 fields, found 3");
    writeResults(HEADER, row(0, "0"), "yesterday,0.0,0.5,0");
    assertThatThrownBy(() -> NabResults.load(results, "det", corpus))
        .hasMessageContaining(file + ":3: not a timestamp: 'yesterday'");
    writeResults("timestamp,value,score,label", row(0, "0"));
    assertThatThrownBy(() -> NabResults.load(results, "det", corpus))
        .hasMessageContaining(file + ":1: header needs columns timestamp and anomaly_score");
    Files.writeString(file, "");
    assertThatThrownBy(() -> NabResults.load(results, "det", corpus))
        .hasMessageContaining(file + ": empty file");
  }

  @Test
  void missingResultsAreRefused() throws IOException {
    assertThatThrownBy(() -> NabResults.load(results, "det", corpus))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("results file missing: " + file)
        .hasMessageContaining("realCat/series.csv");
    assertThatThrownBy(() -> NabResults.load(results, "other", corpus))
        .hasMessageContaining("no results folder for detector other");
  }

  @Test
  void scoresAreCopied() {
    double[] s = {0.1, 0.2, 0.3, 0.4, 0.5};
    NabResults r = new NabResults("det", Map.of(data.name(), s));
    s[0] = 9;
    r.anomalyScores(data.name())[1] = 9;
    assertThat(r.anomalyScores(data.name())).containsExactly(0.1, 0.2, 0.3, 0.4, 0.5);
    assertThatThrownBy(() -> r.anomalyScores("nope.csv"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no results of det for nope.csv");
  }
}
