package dev.vigil.eval.nab;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * One detector's anomaly scores for the files of a NAB corpus, as NAB's results folder holds them.
 *
 * <p>NAB writes a detector's results for data file {@code <category>/<file>.csv} to {@code
 * <results>/<detector>/<category>/<detector>_<file>.csv}, with header {@code
 * timestamp,value,anomaly_score,label} (some detectors add columns, and NAB's scoring step appends
 * {@code S(t)_<profile>} columns; only {@code timestamp} and {@code anomaly_score} are read). Each
 * file must have one row per data row, with the data row's timestamp: NAB itself pairs the scores
 * with the data by position only, so a shifted results file would be scored silently wrong. One
 * published NAB results folder needs that leniency ({@code randomCutForest}'s {@code
 * machine_temperature_system_failure} rows come in timestamp-sorted order while the data file steps
 * back an hour at row 10,150); {@link #load(Path, String, NabCorpus, boolean)} offers it.
 */
public final class NabResults {
  private final String detector;
  private final NavigableMap<String, double[]> scores;

  /**
   * Creates results from anomaly scores per data file name.
   *
   * @param detector the detector's name
   * @param anomalyScores anomaly scores per data file name (copied)
   */
  public NabResults(String detector, Map<String, double[]> anomalyScores) {
    this.detector = checkDetector(detector);
    Objects.requireNonNull(anomalyScores, "anomalyScores");
    TreeMap<String, double[]> m = new TreeMap<>();
    anomalyScores.forEach(
        (k, v) ->
            m.put(Objects.requireNonNull(k, "file name"), Objects.requireNonNull(v, k).clone()));
    this.scores = Collections.unmodifiableNavigableMap(m);
  }

  /**
   * Reads a detector's results for every file of {@code corpus} from {@code resultsDir} (the folder
   * holding one folder per detector).
   *
   * @throws IOException if a results file is missing or malformed; the message names the file and
   *     line
   */
  public static NabResults load(Path resultsDir, String detector, NabCorpus corpus)
      throws IOException {
    return load(resultsDir, detector, corpus, true);
  }

  /**
   * Reads a detector's results for every file of {@code corpus}, pairing results rows with data
   * rows by position only when {@code checkTimestamps} is false (as NAB does).
   *
   * @throws IOException if a results file is missing or malformed; the message names the file and
   *     line
   */
  public static NabResults load(
      Path resultsDir, String detector, NabCorpus corpus, boolean checkTimestamps)
      throws IOException {
    checkDetector(detector);
    Path dir = resultsDir.resolve(detector);
    if (!Files.isDirectory(dir)) {
      throw new IOException("no results folder for detector " + detector + ": " + dir);
    }
    Map<String, double[]> m = new LinkedHashMap<>();
    for (NabDataFile f : corpus.files()) {
      m.put(f.name(), readFile(resultsFile(resultsDir, detector, f.name()), f, checkTimestamps));
    }
    return new NabResults(detector, m);
  }

  /**
   * Returns where NAB keeps {@code detector}'s results for data file {@code dataFileName}: {@code
   * <resultsDir>/<detector>/<category>/<detector>_<file>.csv}.
   */
  public static Path resultsFile(Path resultsDir, String detector, String dataFileName) {
    checkDetector(detector);
    int slash = dataFileName.lastIndexOf('/');
    String dirPart = slash < 0 ? "" : dataFileName.substring(0, slash);
    String file = detector + "_" + dataFileName.substring(slash + 1);
    Path d = resultsDir.resolve(detector);
    return (dirPart.isEmpty() ? d : d.resolve(dirPart)).resolve(file);
  }

  /**
   * Reads the anomaly scores of one results file, checking it row by row against its data file.
   *
   * @param csv the results file
   * @param dataFile the data file it holds the results for
   * @return the anomaly scores, one per data row
   * @throws IOException if the file is missing, lacks the {@code timestamp} or {@code
   *     anomaly_score} column, has a row whose timestamp differs from the data row's, a score that
   *     is not a finite number, or more or fewer rows than the data file; the message names the
   *     file and line
   */
  public static double[] readFile(Path csv, NabDataFile dataFile) throws IOException {
    return readFile(csv, dataFile, true);
  }

  /**
   * Reads the anomaly scores of one results file; as {@link #readFile(Path, NabDataFile)}, but with
   * {@code checkTimestamps} false a row's timestamp need only parse, not equal the data row's.
   *
   * @throws IOException if the file is missing or malformed; the message names the file and line
   */
  public static double[] readFile(Path csv, NabDataFile dataFile, boolean checkTimestamps)
      throws IOException {
    if (!Files.isRegularFile(csv)) {
      throw new IOException(
          "results file missing: " + csv + " (for data file " + dataFile.name() + ")");
    }
    double[] out = new double[dataFile.length()];
    int rows = 0;
    try (BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
      String header = in.readLine();
      if (header == null) {
        throw new IOException(
            csv + ": empty file (expected header timestamp,...,anomaly_score,...)");
      }
      String[] columns = CsvLines.split(CsvLines.stripBom(header));
      int tsCol = CsvLines.column(columns, "timestamp");
      int scoreCol = CsvLines.column(columns, "anomaly_score");
      if (tsCol < 0 || scoreCol < 0) {
        throw new IOException(
            csv + ":1: header needs columns timestamp and anomaly_score, was: " + header);
      }
      String line;
      int lineNo = 1;
      while ((line = in.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue; // pandas skips blank lines too
        }
        String[] f = CsvLines.split(line);
        if (f.length != columns.length) {
          throw new IOException(
              csv + ":" + lineNo + ": expected " + columns.length + " fields, found " + f.length);
        }
        if (rows == out.length) {
          throw new IOException(
              csv
                  + ":"
                  + lineNo
                  + ": more rows than data file "
                  + dataFile.name()
                  + " ("
                  + dataFile.length()
                  + ")");
        }
        LocalDateTime t;
        try {
          t = NabTimestamps.parse(f[tsCol]);
        } catch (IllegalArgumentException e) {
          throw new IOException(csv + ":" + lineNo + ": " + e.getMessage());
        }
        if (checkTimestamps && !t.equals(dataFile.timestamp(rows))) {
          throw new IOException(
              csv
                  + ":"
                  + lineNo
                  + ": timestamp "
                  + f[tsCol].strip()
                  + " differs from row "
                  + (rows + 1)
                  + " of data file "
                  + dataFile.name()
                  + " ("
                  + dataFile.timestamp(rows)
                  + ")");
        }
        double s;
        try {
          s = Double.parseDouble(f[scoreCol].strip());
        } catch (NumberFormatException e) {
          throw new IOException(
              csv + ":" + lineNo + ": anomaly_score is not a number: '" + f[scoreCol] + "'");
        }
        if (!Double.isFinite(s)) {
          throw new IOException(
              csv + ":" + lineNo + ": anomaly_score must be finite, was " + f[scoreCol].strip());
        }
        out[rows++] = s;
      }
    }
    if (rows != out.length) {
      throw new IOException(
          csv
              + ": "
              + rows
              + " rows, but data file "
              + dataFile.name()
              + " has "
              + out.length
              + "; a results file needs one row per data row");
    }
    return out;
  }

  private static String checkDetector(String detector) {
    Objects.requireNonNull(detector, "detector");
    if (detector.isBlank()
        || detector.contains("/")
        || detector.contains("\\")
        || detector.equals(".")
        || detector.equals("..")) {
      throw new IllegalArgumentException("not a detector name: '" + detector + "'");
    }
    return detector;
  }

  /** Returns the detector's name. */
  public String detector() {
    return detector;
  }

  /** Returns the data file names there are scores for, in order. */
  public Set<String> files() {
    return scores.keySet();
  }

  /**
   * Returns a copy of the anomaly scores for one data file.
   *
   * @throws IllegalArgumentException if there are none for that file
   */
  public double[] anomalyScores(String file) {
    double[] s = scores.get(file);
    if (s == null) {
      throw new IllegalArgumentException("no results of " + detector + " for " + file);
    }
    return s.clone();
  }

  /** Returns the scores as a map of data file name to anomaly scores (a fresh map of copies). */
  public Map<String, double[]> asMap() {
    Map<String, double[]> m = new LinkedHashMap<>();
    scores.forEach((k, v) -> m.put(k, v.clone()));
    return m;
  }

  @Override
  public String toString() {
    return "NabResults[" + detector + ", " + scores.size() + " files]";
  }
}
