package dev.vigil.eval.nab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading the corpus: data files and {@code combined_windows.json}, with NAB's {@code
 * tests/integration/corpuslabel_test.py} cases for windows that do not fit their file.
 */
class NabCorpusTest {
  @TempDir Path root;

  private void write(String relative, String text) throws IOException {
    Path p = root.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  /** 10 rows every 5 minutes from 2014-01-01 00:00, as NAB's corpus-label tests make them. */
  private static String tenRows() {
    StringBuilder b = new StringBuilder("timestamp,value\n");
    for (int i = 0; i < 10; i++) {
      b.append(String.format("2014-01-01 00:%02d:00,%d%n", 5 * i, i));
    }
    return b.toString();
  }

  @Test
  void loadsDataFilesAndWindowsNamedInTheLabels() throws IOException {
    write("data/cat/test_data_file.csv", tenRows());
    write("data/cat/unlabelled.csv", tenRows()); // not in the labels: not in the corpus
    write("data/README.md", "not data");
    write(
        NabCorpus.WINDOWS_FILE,
        "{\"cat/test_data_file.csv\": [[\"2014-01-01 00:15:00.000000\","
            + " \"2014-01-01 00:30:00.000000\"]]}");
    NabCorpus corpus = NabCorpus.load(root);
    assertThat(corpus.names()).containsExactly("cat/test_data_file.csv");
    assertThat(corpus.fileCount()).isEqualTo(1);
    assertThat(corpus.windowCount()).isEqualTo(1);
    assertThat(corpus.rowCount()).isEqualTo(10);
    NabDataFile f = corpus.file("cat/test_data_file.csv");
    assertThat(f.length()).isEqualTo(10);
    assertThat(f.timestamp(3)).isEqualTo(LocalDateTime.of(2014, 1, 1, 0, 15));
    assertThat(f.value(9)).isEqualTo(9.0);
    // corpuslabel_test.testRowsLabeledAnomalousWithinAWindow: 00:15..00:30 are rows 3..6.
    assertThat(f.windowFirstRow(0)).isEqualTo(3);
    assertThat(f.windowLastRow(0)).isEqualTo(6);
    assertThat(f.windows())
        .containsExactly(
            new NabWindow(
                LocalDateTime.of(2014, 1, 1, 0, 15), LocalDateTime.of(2014, 1, 1, 0, 30)));
  }

  @Test
  void windowTimestampsNotInDataFileAreRefused() throws IOException {
    // corpuslabel_test.testWindowTimestampsNotInDataFileThrowsError
    write("data/test_data_file.csv", "timestamp,value\n2014-01-01 00:00:00,1\n");
    write(NabCorpus.WINDOWS_FILE, "{\"test_data_file.csv\": [[\"2015-01-01\", \"2015-01-01\"]]}");
    assertThatThrownBy(() -> NabCorpus.load(root))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("combined_windows.json")
        .hasMessageContaining("test_data_file.csv")
        .hasMessageContaining("2015-01-01T00:00 of window 0 is not a timestamp of the file");
  }

  @Test
  void nonChronologicalWindowsAreRefused() throws IOException {
    // corpuslabel_test.testWindowTimestampsNonChronologicalThrowsError
    write("data/test_data_file.csv", tenRows());
    write(
        NabCorpus.WINDOWS_FILE,
        "{\"test_data_file.csv\": [[\"2014-01-01 00:45\", \"2014-01-01 00:00\"],"
            + " [\"2014-01-01 10:15\", \"2014-01-01 11:15\"]]}");
    assertThatThrownBy(() -> NabCorpus.load(root))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("window 0 of test_data_file.csv")
        .hasMessageContaining("not chronological");
  }

  @Test
  void labelsForANonexistentDataFileAreRefused() throws IOException {
    // corpuslabel_test.testNonexistentDatafileForLabelsThrowsError
    write("data/test_data_file.csv", tenRows());
    write(
        NabCorpus.WINDOWS_FILE,
        "{\"test_data_file.csv\": [[\"2014-01-01 00:15\", \"2014-01-01 00:30\"]],"
            + " \"non_existent_data_file.csv\": [[\"2014-01-01 00:15\", \"2014-01-01 00:30\"]]}");
    assertThatThrownBy(() -> NabCorpus.load(root))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("non_existent_data_file.csv, which is not in");
  }

  @Test
  void overlappingWindowsAreRefused() throws IOException {
    // corpuslabel_test.testGetLabels labels windows sharing the row 00:10; NAB's scorer would
    // switch to the second window in the middle of the first, so they are refused here.
    write("data/test_data_file.csv", tenRows());
    write(
        NabCorpus.WINDOWS_FILE,
        "{\"test_data_file.csv\": [[\"2014-01-01 00:00\", \"2014-01-01 00:10\"],"
            + " [\"2014-01-01 00:10\", \"2014-01-01 00:15\"]]}");
    assertThatThrownBy(() -> NabCorpus.load(root))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("window 1")
        .hasMessageContaining("must be in order and must not overlap");
  }

  @Test
  void windowBoundaryOnARepeatedTimestampIsRefused() {
    LocalDateTime t0 = LocalDateTime.of(2014, 3, 9, 2, 0);
    List<LocalDateTime> t = List.of(t0, t0.plusMinutes(5), t0.plusMinutes(5), t0.plusMinutes(10));
    assertThatThrownBy(
            () -> new NabDataFile("f.csv", t, new double[4], List.of(new NabWindow(t0, t.get(1)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("more than one row");
    // Repeated or backward timestamps elsewhere are fine, as in NAB's own data files.
    NabDataFile ok =
        new NabDataFile("f.csv", t, new double[4], List.of(new NabWindow(t0, t0.plusMinutes(10))));
    assertThat(ok.windowFirstRow(0)).isZero();
    assertThat(ok.windowLastRow(0)).isEqualTo(3);
  }

  @Test
  void malformedDataFilesNameFileAndLine() throws IOException {
    write(NabCorpus.WINDOWS_FILE, "{\"a.csv\": []}");
    write("data/a.csv", "timestamp,value\n2014-01-01 00:00:00,1\n2014-01-01 00:05,x\n");
    assertThatThrownBy(() -> NabCorpus.load(root))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("a.csv:3: value is not a number: 'x'");
    write("data/a.csv", "timestamp,value\n2014-01-01 00:00:00,1\n2014-13-01 00:05:00,2\n");
    assertThatThrownBy(() -> NabCorpus.load(root))
        .hasMessageContaining("a.csv:3: not a timestamp: '2014-13-01 00:05:00'");
    write("data/a.csv", "timestamp,value\n2014-01-01 00:00:00,1,7\n");
    assertThatThrownBy(() -> NabCorpus.load(root))
        .hasMessageContaining("a.csv:2: expected 2 fields, found 3");
    write("data/a.csv", "time,value\n2014-01-01 00:00:00,1\n");
    assertThatThrownBy(() -> NabCorpus.load(root))
        .hasMessageContaining("a.csv:1: header must start with timestamp");
    write("data/a.csv", "timestamp,value\n");
    assertThatThrownBy(() -> NabCorpus.load(root)).hasMessageContaining("a.csv: no data rows");
  }

  @Test
  void malformedWindowsFilesAreRefusedWithTheEntry() throws IOException {
    write("data/a.csv", tenRows());
    write(NabCorpus.WINDOWS_FILE, "{\"a.csv\": [[\"2014-01-01 00:00\"]]}");
    assertThatThrownBy(() -> NabCorpus.load(root))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("window 0 of a.csv is not a pair of timestamp strings");
    write(NabCorpus.WINDOWS_FILE, "{\"a.csv\": [[\"2014-01-01 00:00\", \"soon\"]]}");
    assertThatThrownBy(() -> NabCorpus.load(root))
        .hasMessageContaining("window 0 of a.csv: not a timestamp: 'soon'");
    write(NabCorpus.WINDOWS_FILE, "{\"a.csv\": {}}");
    assertThatThrownBy(() -> NabCorpus.load(root))
        .hasMessageContaining("windows of a.csv are not a JSON array");
    write(NabCorpus.WINDOWS_FILE, "[]");
    assertThatThrownBy(() -> NabCorpus.load(root)).hasMessageContaining("expected a JSON object");
    write(NabCorpus.WINDOWS_FILE, "{\"a.csv\": [");
    assertThatThrownBy(() -> NabCorpus.load(root))
        .hasMessageContaining("combined_windows.json: not valid JSON");
    write(NabCorpus.WINDOWS_FILE, "{\"../outside.csv\": []}");
    assertThatThrownBy(() -> NabCorpus.load(root)).hasMessageContaining("which is not in");
  }

  @Test
  void labelTimestampFormsParse() {
    assertThat(NabTimestamps.parse("2014-04-11 09:00:00.000000"))
        .isEqualTo(LocalDateTime.of(2014, 4, 11, 9, 0));
    assertThat(NabTimestamps.parse("2014-04-11 09:00:00.5"))
        .isEqualTo(LocalDateTime.of(2014, 4, 11, 9, 0, 0, 500_000_000));
    assertThat(NabTimestamps.parse("2014-04-11 09:00"))
        .isEqualTo(LocalDateTime.of(2014, 4, 11, 9, 0));
    assertThat(NabTimestamps.parse("2014-04-11T09:00:07"))
        .isEqualTo(LocalDateTime.of(2014, 4, 11, 9, 0, 7));
    assertThat(NabTimestamps.parse("2014-04-11")).isEqualTo(LocalDateTime.of(2014, 4, 11, 0, 0));
    assertThatThrownBy(() -> NabTimestamps.parse("2014-04-31 00:00:00"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a timestamp");
  }
}
