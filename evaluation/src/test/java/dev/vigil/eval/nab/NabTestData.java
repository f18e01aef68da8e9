package dev.vigil.eval.nab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builders for synthetic NAB inputs, mirroring NAB's {@code nab/test_helpers.py}. */
final class NabTestData {
  static final LocalDateTime START = LocalDateTime.of(2014, 1, 1, 0, 0);
  static final Duration FIVE_MINUTES = Duration.ofMinutes(5);
  static final DateTimeFormatter DATA_FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
  static final DateTimeFormatter LABEL_FORMAT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

  /** NAB's cost matrix of its scorer tests: every weight 1. */
  static final NabProfile UNIT = new NabProfile("unit", 1.0, 1.0, 1.0, 1.0);

  private NabTestData() {}

  /** {@code generateTimestamps(start, 5 minutes, length)}. */
  static List<LocalDateTime> timestamps(int length) {
    List<LocalDateTime> t = new ArrayList<>(length);
    for (int i = 0; i < length; i++) {
      t.add(START.plus(FIVE_MINUTES.multipliedBy(i)));
    }
    return t;
  }

  /**
   * {@code generateWindows(timestamps, numWindows, windowSize)}: windows of {@code windowSize}
   * rows, spaced evenly; Python 3's {@code round} is half-to-even, like {@link Math#rint}.
   */
  static List<NabWindow> windows(List<LocalDateTime> timestamps, int numWindows, int windowSize) {
    Duration delta = Duration.between(timestamps.get(0), timestamps.get(1));
    int diff =
        (int) Math.rint((timestamps.size() - numWindows * windowSize) / (double) (numWindows + 1));
    List<NabWindow> out = new ArrayList<>();
    for (int i = 0; i < numWindows; i++) {
      LocalDateTime t1 =
          timestamps
              .get(0)
              .plus(delta.multipliedBy((long) diff * (i + 1)))
              .plus(delta.multipliedBy((long) windowSize * i));
      out.add(new NabWindow(t1, t1.plus(delta.multipliedBy(windowSize - 1))));
    }
    return out;
  }

  /** A data file named {@code testData} with zero values. */
  static NabDataFile file(List<LocalDateTime> timestamps, List<NabWindow> windows) {
    return new NabDataFile("testData", timestamps, new double[timestamps.size()], windows);
  }

  /** A data file of {@code length} rows with windows covering the given row ranges (inclusive). */
  static NabDataFile fileWithRowWindows(String name, int length, int[]... rowRanges) {
    List<LocalDateTime> t = timestamps(length);
    List<NabWindow> w = new ArrayList<>();
    for (int[] r : rowRanges) {
      w.add(new NabWindow(t.get(r[0]), t.get(r[1])));
    }
    return new NabDataFile(name, t, new double[length], w);
  }

  /**
   * Writes {@code <root>/data/<name>} for each file and {@code
   * <root>/labels/combined_windows.json}.
   */
  static void writeCorpus(Path root, List<NabDataFile> files) throws IOException {
    StringBuilder json = new StringBuilder("{\n");
    for (int f = 0; f < files.size(); f++) {
      NabDataFile file = files.get(f);
      StringBuilder csv = new StringBuilder("timestamp,value\n");
      for (int i = 0; i < file.length(); i++) {
        csv.append(DATA_FORMAT.format(file.timestamp(i))).append(',').append(file.value(i));
        csv.append('\n');
      }
      Path p = root.resolve("data").resolve(file.name());
      Files.createDirectories(p.getParent());
      Files.writeString(p, csv);
      json.append("  \"").append(file.name()).append("\": [");
      for (int k = 0; k < file.windows().size(); k++) {
        NabWindow w = file.windows().get(k);
        json.append(k == 0 ? "\n" : ",\n")
            .append("    [\"")
            .append(LABEL_FORMAT.format(w.start()))
            .append("\", \"")
            .append(LABEL_FORMAT.format(w.end()))
            .append("\"]");
      }
      json.append(file.windows().isEmpty() ? "]" : "\n  ]");
      json.append(f + 1 < files.size() ? ",\n" : "\n");
    }
    json.append("}\n");
    Path labels = root.resolve(NabCorpus.WINDOWS_FILE);
    Files.createDirectories(labels.getParent());
    Files.writeString(labels, json);
  }

  /** Writes a NAB results folder for {@code detector}: one results file per data file. */
  static void writeResults(
      Path resultsDir, String detector, NabCorpus corpus, Map<String, double[]> scores)
      throws IOException {
    for (NabDataFile file : corpus.files()) {
      double[] s = scores.get(file.name());
      StringBuilder csv = new StringBuilder("timestamp,value,anomaly_score,label\n");
      for (int i = 0; i < file.length(); i++) {
        csv.append(DATA_FORMAT.format(file.timestamp(i)))
            .append(',')
            .append(file.value(i))
            .append(',')
            .append(s[i])
            .append(",0\n");
      }
      Path p = NabResults.resultsFile(resultsDir, detector, file.name());
      Files.createDirectories(p.getParent());
      Files.writeString(p, csv);
    }
  }

  /** NAB's sigmoid, written out independently of the scorer: {@code 1 / (1 + e^-x)}. */
  static double sigmoid(double x) {
    return 1.0 / (1.0 + Math.exp(-x));
  }

  /** The scaled sigmoid {@code 2 sigmoid(-5y) - 1}, -1 beyond 3. */
  static double scaled(double y) {
    return y > 3 ? -1.0 : 2 * sigmoid(-5 * y) - 1;
  }
}
