package dev.vigil.eval.nab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.detect.model.DetectionModel;
import dev.vigil.detect.model.EnsembleScorer;
import dev.vigil.detect.model.Precision;
import dev.vigil.detect.series.SeriesSurprise;
import dev.vigil.features.series.SeriesFeatures;
import dev.vigil.train.ModelTrainer;
import dev.vigil.train.SeriesTraining;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Streams every series of a NAB-layout folder ({@code data/<category>/<file>.csv} with {@code
 * timestamp,value}; {@code labels/combined_windows.json}) through the telemetry detector in time
 * order, and writes NAB results files ({@code <out>/vigil/<category>/vigil_<file>.csv}: {@code
 * timestamp,value,anomaly_score,label}).
 *
 * <p>NAB's rules are kept: no look-ahead, labels never used for detection (only copied into the
 * {@code label} column the results format carries); the ensemble learns only in the probationary
 * period (the first {@code min(floor(0.15·n), 750)} rows), and afterwards only {@link
 * SeriesSurprise}'s level keeps learning, in order, from readings that did not alarm, as in the
 * daemon (continual learning; with it on, a second results set {@value #PROBATION_ONLY} keeps the
 * probation's level, for comparison). Each file is one series: its rows go through {@link
 * SeriesFeatures} (step = the file's median sampling interval; baseline fixed at the end of
 * probation), the probation vectors train an ensemble ({@link ModelTrainer}), and every later row
 * is scored as it arrives. What else moves is state, as in the daemon: the features' rolling
 * windows, the seen range and the score histories of {@link SeriesSurprise}, which turns the fused
 * score and the level surprise into {@code anomaly_score} in [0, 1] (0.5 = tail probability 1e-5
 * against the series' own history), so one threshold serves every file as NAB's single threshold
 * needs.
 */
public final class NabRunner {
  private static final DateTimeFormatter TS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
  private static final DateTimeFormatter WINDOW_TS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS", Locale.ROOT);

  /**
   * One file's outcome.
   *
   * @param file relative path ({@code category/name.csv})
   * @param rows data rows
   * @param probation probationary rows
   * @param millis time to train and score it
   * @param alerts rows at or above the threshold after probation
   */
  public record FileResult(String file, int rows, int probation, long millis, int alerts) {}

  /**
   * Settings.
   *
   * @param training ensemble settings for each file's model
   * @param precision runtime precision
   * @param denoise Haar-denoise the series
   * @param surprise how fused scores become {@code anomaly_score} (null: {@code A / (A + T)})
   * @param probationRows learning rows (0: NAB's rule, {@link #probation(int)})
   */
  public record Config(
      ModelTrainer.Config training,
      Precision precision,
      boolean denoise,
      SeriesSurprise.Options surprise,
      int probationRows) {
    /**
     * The telemetry path's series model ({@link SeriesTraining}), no denoising, NAB's probation.
     */
    public static Config defaults() {
      return new Config(
          SeriesTraining.defaults(),
          SeriesTraining.PRECISION,
          false,
          SeriesSurprise.Options.defaults(),
          0);
    }

    /**
     * Returns these settings with a fixed learning period of {@code rows} rows instead of NAB's
     * rule (for checks on cut files; {@code rows <= 0} restores the rule).
     */
    public Config withProbation(int rows) {
      return new Config(training, precision, denoise, surprise, rows);
    }
  }

  /** The detector name of the results files: the telemetry path as the daemon runs it. */
  public static final String DETECTOR = "vigil";

  /**
   * The detector name of the comparison results, written when the surprise settings learn
   * continually: the same fused scores through a {@link SeriesSurprise} whose level stays the
   * probation's ({@link SeriesSurprise.Continual#OFF}).
   */
  public static final String PROBATION_ONLY = "vigil_probation_only";

  private NabRunner() {}

  /** Returns the files of a NAB-layout folder, relative to {@code data/}, sorted. */
  public static List<String> files(Path dataDir) throws IOException {
    Path data = dataDir.resolve("data");
    if (!Files.isDirectory(data)) {
      throw new IOException(dataDir + " has no data/ folder (expected NAB's layout)");
    }
    try (Stream<Path> s = Files.walk(data)) {
      return s.filter(p -> p.toString().endsWith(".csv"))
          .map(p -> data.relativize(p).toString().replace('\\', '/'))
          .sorted()
          .toList();
    }
  }

  /** Reads NAB's anomaly windows ({@code labels/combined_windows.json}), as epoch milliseconds. */
  public static Map<String, List<long[]>> windows(Path dataDir) throws IOException {
    Path f = dataDir.resolve("labels/combined_windows.json");
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(f.toFile());
    } catch (IOException e) {
      throw new IOException("cannot read " + f + ": " + e.getMessage(), e);
    }
    Map<String, List<long[]>> out = new TreeMap<>();
    for (var it = root.fields(); it.hasNext(); ) {
      var e = it.next();
      List<long[]> w = new ArrayList<>();
      for (JsonNode pair : e.getValue()) {
        try {
          w.add(
              new long[] {
                millis(LocalDateTime.parse(pair.get(0).asText(), WINDOW_TS)),
                millis(LocalDateTime.parse(pair.get(1).asText(), WINDOW_TS))
              });
        } catch (DateTimeParseException | NullPointerException ex) {
          throw new IOException(f + ": window of " + e.getKey() + " is malformed: " + pair, ex);
        }
      }
      out.put(e.getKey(), w);
    }
    return out;
  }

  private static long millis(LocalDateTime t) {
    return t.toInstant(ZoneOffset.UTC).toEpochMilli();
  }

  /** One data file: timestamps (epoch ms, UTC as written) and values. */
  record Series(long[] time, double[] value, String[] rawTime) {}

  static Series read(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    if (lines.isEmpty() || !lines.get(0).trim().equals("timestamp,value")) {
      throw new IOException(file + ": expected the header 'timestamp,value'");
    }
    int n = lines.size() - 1;
    long[] t = new long[n];
    double[] v = new double[n];
    String[] raw = new String[n];
    int k = 0;
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      int c = line.indexOf(',');
      if (c < 0) {
        throw new IOException(file + " line " + (i + 1) + ": expected timestamp,value");
      }
      try {
        raw[k] = line.substring(0, c);
        t[k] = millis(LocalDateTime.parse(raw[k], TS));
        v[k] = Double.parseDouble(line.substring(c + 1).trim());
      } catch (DateTimeParseException | NumberFormatException e) {
        throw new IOException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
      }
      k++;
    }
    return new Series(Arrays.copyOf(t, k), Arrays.copyOf(v, k), Arrays.copyOf(raw, k));
  }

  /** NAB's probationary period: {@code min(floor(0.15·n), 0.15·5000)}. */
  public static int probation(int rows) {
    return (int) Math.min(Math.floor(0.15 * rows), 0.15 * 5000);
  }

  /**
   * Runs one file and writes its results file; returns the anomaly scores per row (0 in probation).
   */
  public static FileResult runFile(
      Path dataDir, String relative, List<long[]> windows, Path outDir, Config c)
      throws IOException {
    long t0 = System.nanoTime();
    Series s = read(dataDir.resolve("data").resolve(relative));
    int n = s.time().length;
    int p = c.probationRows() > 0 ? Math.min(c.probationRows(), n) : probation(n);
    long step = medianStep(s.time());
    List<float[]> train = new ArrayList<>();
    List<float[]> emitted = new ArrayList<>(); // this row's step, after any gap-filled steps
    SeriesFeatures f =
        new SeriesFeatures(
            new SeriesFeatures.Options(step, c.denoise(), 0, 4),
            (hi, lo, st, v) -> emitted.add(v.clone()));
    double[] score = new double[n];
    EnsembleScorer scorer = null;
    double threshold = 1;
    int alerts = 0;
    SeriesSurprise lh = c.surprise() == null ? null : new SeriesSurprise(c.surprise());
    // the probation-only comparison: the same fused scores through a SeriesSurprise that stops
    // learning at the end of probation (written as a second detector)
    SeriesSurprise fixed =
        lh == null || !c.surprise().continual().enabled()
            ? null
            : new SeriesSurprise(c.surprise().withContinual(SeriesSurprise.Continual.OFF));
    double[] fixedScore = fixed == null ? null : new double[n];
    for (int i = 0; i < n; i++) {
      emitted.clear();
      f.offer("nab", "value", s.time()[i], s.value()[i], 0);
      f.tick(s.time()[i] + step); // the row's step is complete once it is read
      if (i < p) {
        train.addAll(emitted);
        if (lh != null) {
          lh.observe(s.value()[i]);
        }
        if (fixed != null) {
          fixed.observe(s.value()[i]);
        }
        if (i == p - 1) {
          f.freezeBaselines();
          List<float[]> usable = train.subList(Math.min(16, train.size() / 4), train.size());
          DetectionModel m =
              ModelTrainer.train(
                  SeriesFeatures.SCHEMA,
                  List.of(new ModelTrainer.Sequence(0, 0, usable)),
                  null,
                  c.training(),
                  null);
          scorer = m.scorer(c.precision(), 16);
          threshold = m.fusion(c.precision()).threshold();
          for (float[] x : usable) { // bring the LSTM state up to the end of probation
            scorer.score(0, 0, 0, x);
          }
        }
        continue;
      }
      if (scorer == null) {
        continue;
      }
      if (emitted.isEmpty()) { // a row older than its series' open step (NAB has a few): no news
        score[i] = score[i - 1];
        if (fixed != null) {
          fixedScore[i] = fixedScore[i - 1];
        }
        continue;
      }
      double a = 0;
      double sc = 0;
      for (int k = 0; k < emitted.size(); k++) { // filled steps first, the row's own step last
        float[] v = emitted.get(k);
        a = Math.max(0, scorer.score(0, 0, i, v));
        if (lh != null) {
          boolean own = k == emitted.size() - 1;
          sc = lh.update(a, own ? s.value()[i] : Double.NaN);
          if (fixed != null) {
            fixedScore[i] = fixed.update(a, own ? s.value()[i] : Double.NaN);
          }
        }
      }
      double t = Math.max(threshold, 1e-9);
      if (lh != null) {
        score[i] = sc;
        if (sc >= SeriesSurprise.RED) {
          alerts++;
        }
        continue;
      }
      score[i] = a / (a + t);
      if (a >= t) {
        alerts++;
      }
    }
    write(outDir, DETECTOR, relative, s, score, windows);
    if (fixed != null) {
      write(outDir, PROBATION_ONLY, relative, s, fixedScore, windows);
    }
    return new FileResult(relative, n, p, (System.nanoTime() - t0) / 1_000_000, alerts);
  }

  private static long medianStep(long[] t) {
    if (t.length < 2) {
      return 60_000;
    }
    long[] d = new long[t.length - 1];
    for (int i = 1; i < t.length; i++) {
      d[i - 1] = t[i] - t[i - 1];
    }
    Arrays.sort(d);
    return Math.max(1, d[d.length / 2]);
  }

  private static void write(
      Path outDir, String detector, String relative, Series s, double[] score, List<long[]> windows)
      throws IOException {
    int slash = relative.lastIndexOf('/');
    String category = slash < 0 ? "" : relative.substring(0, slash);
    String name = relative.substring(slash + 1);
    Path dir = outDir.resolve(detector).resolve(category);
    Files.createDirectories(dir);
    try (BufferedWriter w = Files.newBufferedWriter(dir.resolve(detector + "_" + name));
        PrintWriter out = new PrintWriter(w)) {
      out.print("timestamp,value,anomaly_score,label\n");
      for (int i = 0; i < score.length; i++) {
        int label = 0;
        for (long[] win : windows) {
          if (s.time()[i] >= win[0] && s.time()[i] <= win[1]) {
            label = 1;
          }
        }
        out.print(s.rawTime()[i]);
        out.print(',');
        out.print(s.value()[i]);
        out.print(',');
        out.print(String.format(Locale.ROOT, "%.6f", score[i]));
        out.print(',');
        out.print(label);
        out.print('\n');
      }
    }
  }

  /** Runs every file (or those whose path contains {@code only}, if given). */
  public static List<FileResult> run(
      Path dataDir, Path outDir, Config c, String only, PrintWriter log) throws IOException {
    Map<String, List<long[]>> windows = windows(dataDir);
    List<FileResult> out = new ArrayList<>();
    List<String> files =
        files(dataDir).stream().filter(x -> only == null || x.contains(only)).toList();
    int k = 0;
    for (String rel : files) {
      FileResult r = runFile(dataDir, rel, windows.getOrDefault(rel, List.of()), outDir, c);
      out.add(r);
      k++;
      if (log != null) {
        log.printf(
            Locale.ROOT,
            "[%d/%d] %s: %d rows, %d in probation, %d alerts, %d ms%n",
            k,
            files.size(),
            rel,
            r.rows(),
            r.probation(),
            r.alerts(),
            r.millis());
        log.flush();
      }
    }
    return out;
  }
}
