package dev.vigil.eval.nab;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Scores a detector on the NAB corpus exactly as NAB v1.1 does ({@code nab/sweeper.py}, {@code
 * nab/optimizer.py}, {@code nab/scorer.py}, {@code nab/runner.py} at commit {@code ea702d75}).
 *
 * <h2>The rules, as NAB implements them</h2>
 *
 * <ul>
 *   <li><b>Probationary period.</b> The first {@code min(floor(p * rows), p * 5000)} rows of each
 *       file ({@code p} = 0.15: at most 750 rows) are not scored at all: a detection there is
 *       neither a true nor a false positive, and a window all of whose rows lie there costs nothing
 *       (NAB's labeller already dropped such windows from {@code combined_windows.json}).
 *   <li><b>Scaled sigmoid.</b> {@code sigma(y) = 2 / (1 + e^(5y)) - 1} for {@code y <= 3}, and -1
 *       beyond ({@link #scaledSigmoid}).
 *   <li><b>Rows in a window.</b> Row {@code i} of a window whose last row is {@code r} and that has
 *       {@code w} rows sits at {@code y = -(r - i + 1) / w}: -1 at the window's first row, just
 *       below 0 at its last. A detection there is worth {@code A_TP * sigma(y) / sigma(-1)}, so
 *       exactly A_TP at the first row. Only the best (earliest) detection of a window counts; an
 *       undetected window costs {@code -A_FN}.
 *   <li><b>Rows outside windows.</b> Before the file's first window a detection costs {@code
 *       -A_FP}. After a window (last row {@code r}, {@code w} rows) row {@code i} sits at {@code y
 *       = (i - r) / (w - 1)} and a detection adds {@code A_FP * sigma(y)}: almost nothing right
 *       after the window, {@code -A_FP} from three window widths on. Only the preceding window
 *       counts, never the next one.
 *   <li><b>File score.</b> The false positives' sum plus each scored window's part. A_TN is never
 *       used.
 *   <li><b>Threshold.</b> Rows whose anomaly score is at least the threshold are detections. The
 *       optimiser sweeps the rows of the whole corpus, sorted by anomaly score, through every
 *       distinct score starting at 1.1 (nothing detected), and takes the threshold of the highest
 *       summed score; on ties the first, i.e. the highest threshold (Python's stable sort). Each
 *       file is then scored at that threshold and the raw score is the sum of the files' scores.
 *   <li><b>Normalisation.</b> {@code 100 * (raw - null) / (perfect - null)}: {@code null} is the
 *       raw score of NAB's null detector, which never fires after optimisation (minus A_FN per
 *       scored window); {@code perfect} is A_TP times the number of windows in the corpus.
 * </ul>
 *
 * <p>The counts are NAB's: rows after the probationary period, not windows (see {@link
 * NabFileScore}). Sums follow NAB's order of summation, so results agree with NAB's to the last bit
 * or few (NAB's own corpus order comes from {@code os.walk} and is not reproducible either).
 *
 * <p>Where NAB has no answer this class picks the natural one and says so: a window of one row
 * makes NAB divide by zero for the rows after it (here they sit infinitely far, score -1 × A_FP); a
 * threshold below every anomaly score of a file makes NAB's {@code scoreDataSet} return nothing
 * (here every row is detected); anomaly scores above 1.1 would make NAB's first sweep row, labelled
 * 1.1, detect nothing although rows score above 1.1 (here that row is labelled just above the
 * highest score).
 */
public final class NabScorer {
  /** NAB's probationary fraction of each file. */
  public static final double DEFAULT_PROBATION_PERCENT = 0.15;

  /** The weight of a detection at a window's first row before normalising: sigma(-1). */
  private static final double MAX_TP = scaledSigmoid(-1.0);

  private final double probationPercent;

  /** Creates a scorer with NAB's probationary period (15 % of each file, at most 750 rows). */
  public NabScorer() {
    this(DEFAULT_PROBATION_PERCENT);
  }

  /**
   * Creates a scorer with another probationary fraction (NAB's tests use 0).
   *
   * @param probationPercent fraction of each file not scored, in [0, 1]
   */
  public NabScorer(double probationPercent) {
    if (!(probationPercent >= 0 && probationPercent <= 1)) {
      throw new IllegalArgumentException(
          "probationPercent must be in [0, 1], was " + probationPercent);
    }
    this.probationPercent = probationPercent;
  }

  /** Returns the probationary fraction. */
  public double probationPercent() {
    return probationPercent;
  }

  /**
   * Scores a detector on a corpus with NAB's three profiles and probationary period: per profile,
   * the optimised threshold, raw and normalised score and per-file counts.
   *
   * @param corpus the corpus
   * @param anomalyScores anomaly scores per data file name: one finite score per row, for exactly
   *     the corpus's files
   * @throws IllegalArgumentException if a file's scores are missing, extra, of the wrong length or
   *     not finite
   */
  public static NabReport score(NabCorpus corpus, Map<String, double[]> anomalyScores) {
    return new NabScorer().evaluate(corpus, anomalyScores, NabProfile.ALL);
  }

  /**
   * Reads a NAB root folder ({@code data/}, {@code labels/combined_windows.json}) and a detector's
   * results folder ({@code <resultsDir>/<detector>/<category>/<detector>_<file>.csv}) and scores
   * them as {@link #score} does.
   *
   * @throws IOException if a file is missing or malformed; the message names the file and line
   */
  public static NabReport scoreResultsDir(Path corpusDir, Path resultsDir, String detector)
      throws IOException {
    NabCorpus corpus = NabCorpus.load(corpusDir);
    NabResults results = NabResults.load(resultsDir, detector, corpus);
    return score(corpus, results.asMap());
  }

  /**
   * Scores a detector for each profile: the threshold optimised over the corpus, the files scored
   * at it, and the normalised score.
   *
   * @throws IllegalArgumentException if the anomaly scores do not fit the corpus (see {@link
   *     #score})
   */
  public NabReport evaluate(
      NabCorpus corpus, Map<String, double[]> anomalyScores, List<NabProfile> profiles) {
    Objects.requireNonNull(profiles, "profiles");
    Prepared p = new Prepared(corpus, anomalyScores);
    Map<String, NabProfileReport> out = new LinkedHashMap<>();
    for (NabProfile profile : profiles) {
      if (out.put(profile.name(), p.optimise(profile)) != null) {
        throw new IllegalArgumentException("profile " + profile.name() + " given twice");
      }
    }
    return new NabReport(out);
  }

  /** Scores a detector for one profile at the threshold optimised over the corpus. */
  public NabProfileReport evaluate(
      NabCorpus corpus, Map<String, double[]> anomalyScores, NabProfile profile) {
    return new Prepared(corpus, anomalyScores).optimise(profile);
  }

  /**
   * Returns NAB's sweep over the whole corpus: the summed score of every candidate threshold,
   * highest threshold first, starting at 1.1 (nothing detected). The optimiser takes the first row
   * with the highest score.
   */
  public List<NabThresholdScore> sweep(
      NabCorpus corpus, Map<String, double[]> anomalyScores, NabProfile profile) {
    Prepared p = new Prepared(corpus, anomalyScores);
    return p.corpusSweep().scoresByThreshold(p.sweepScores(profile), profile.fnWeight());
  }

  /**
   * Scores a detector for one profile at a given threshold (rows scoring at least {@code threshold}
   * are detections), as NAB's scoring step does with a threshold from {@code thresholds.json}.
   */
  public NabProfileReport scoreAtThreshold(
      NabCorpus corpus, Map<String, double[]> anomalyScores, NabProfile profile, double threshold) {
    checkThreshold(threshold);
    return new Prepared(corpus, anomalyScores).scoreAt(profile, threshold);
  }

  /**
   * Scores one file at a threshold (NAB's {@code Sweeper.scoreDataSet}).
   *
   * @param file the data file with its windows
   * @param anomalyScores one finite anomaly score per row
   * @param profile the profile
   * @param threshold rows scoring at least this are detections
   */
  public NabFileScore scoreFile(
      NabDataFile file, double[] anomalyScores, NabProfile profile, double threshold) {
    Objects.requireNonNull(file, "file");
    checkThreshold(threshold);
    NabCorpus one = new NabCorpus(List.of(file));
    return new Prepared(one, Map.of(file.name(), anomalyScores))
        .scoreAt(profile, threshold)
        .files()
        .get(0);
  }

  /**
   * Returns each row's weighted score under a profile, whether or not it is detected and including
   * the probationary rows: the {@code S(t)_<profile>} column NAB's scoring step adds to results
   * files. Positive inside windows, negative outside.
   */
  public double[] rowScores(NabDataFile file, NabProfile profile) {
    Objects.requireNonNull(profile, "profile");
    Layout l = layout(Objects.requireNonNull(file, "file"));
    double[] out = new double[l.unweighted.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = weight(l.unweighted[i], l.window[i] >= 0, profile);
    }
    return out;
  }

  /**
   * Returns the number of rows at the start of a file of {@code rows} rows that are not scored:
   * NAB's {@code min(floor(p * rows), p * 5000)}, rounded up to a whole row (a row {@code i} is
   * scored when {@code i >= } that value).
   */
  public int probationLength(int rows) {
    if (rows < 0) {
      throw new IllegalArgumentException("rows must not be negative, was " + rows);
    }
    double length = Math.min(Math.floor(probationPercent * rows), probationPercent * 5000);
    return (int) Math.ceil(length);
  }

  /**
   * NAB's scaled sigmoid of a relative position: {@code 2 / (1 + e^(5y)) - 1}, or -1 for {@code y >
   * 3}. It is about 0.987 at -1 (a window's first row), 0 at 0 (just past its last row) and about
   * -0.987 at 1.
   */
  public static double scaledSigmoid(double relativePosition) {
    if (relativePosition > 3.0) {
      return -1.0;
    }
    return 2 * sigmoid(-5 * relativePosition) - 1.0;
  }

  private static double sigmoid(double x) {
    return 1 / (1 + StrictMath.exp(-x));
  }

  /**
   * NAB's normalised score: {@code 100 * (raw - nullScore) / (perfectScore - nullScore)}.
   *
   * @return the score; NaN when both baselines are 0 (a corpus without windows)
   */
  public static double normalise(double raw, double nullScore, double perfectScore) {
    return 100 * (raw - nullScore) / (perfectScore - nullScore);
  }

  private static void checkThreshold(double threshold) {
    if (Double.isNaN(threshold)) {
      throw new IllegalArgumentException("threshold must not be NaN");
    }
  }

  private static double weight(double unweighted, boolean inWindow, NabProfile profile) {
    return inWindow ? unweighted * profile.tpWeight() / MAX_TP : unweighted * profile.fpWeight();
  }

  /** The profile-independent facts of a file's rows. */
  private record Layout(double[] unweighted, int[] window, int probation) {}

  /**
   * Walks a file's rows as NAB's {@code calcSweepScore} does: the unweighted (sigmoid) score of
   * each row, its window (index in the file, or {@link NabSweep#OUTSIDE}) and the probationary
   * length.
   */
  private Layout layout(NabDataFile f) {
    int n = f.length();
    double[] u = new double[n];
    int[] win = new int[n];
    int windows = f.windows().size();
    int next = 0;
    int cur = -1;
    int curRight = -1;
    double curWidth = 0;
    int prevRight = -1;
    double prevWidth = 0;
    for (int i = 0; i < n; i++) {
      if (next < windows && i == f.windowFirstRow(next)) {
        cur = next++;
        curRight = f.windowLastRow(cur);
        curWidth = curRight - f.windowFirstRow(cur) + 1;
      }
      if (cur >= 0) {
        u[i] = scaledSigmoid(-(curRight - i + 1) / curWidth);
        win[i] = cur;
      } else {
        // A one-row window gives 0 / 0 ... n / 0 here: NAB raises ZeroDivisionError; +Infinity
        // scores -1, like any row far behind a window.
        u[i] = prevRight < 0 ? -1.0 : scaledSigmoid(Math.abs(prevRight - i) / (prevWidth - 1));
        win[i] = NabSweep.OUTSIDE;
      }
      if (cur >= 0 && i == curRight) {
        prevRight = i;
        prevWidth = curWidth;
        cur = -1;
      }
    }
    return new Layout(u, win, probationLength(n));
  }

  /** A corpus and a detector's scores, checked and laid out as one array of rows. */
  private final class Prepared {
    private final List<NabDataFile> files;
    private final int[] offsets;
    private final double[] scores;
    private final double[] unweighted;
    private final boolean[] inWindow;
    private final int[] windowOf;
    private final int windowsInCorpus;
    private final NabSweep[] fileSweeps;
    private NabSweep corpusSweep;

    Prepared(NabCorpus corpus, Map<String, double[]> anomalyScores) {
      Objects.requireNonNull(corpus, "corpus");
      Objects.requireNonNull(anomalyScores, "anomalyScores");
      for (String name : anomalyScores.keySet()) {
        if (!corpus.contains(name)) {
          throw new IllegalArgumentException(
              "anomaly scores given for " + name + ", which is not a file of the corpus");
        }
      }
      files = corpus.files();
      offsets = new int[files.size() + 1];
      for (int f = 0; f < files.size(); f++) {
        offsets[f + 1] = offsets[f] + files.get(f).length();
      }
      int n = offsets[files.size()];
      scores = new double[n];
      unweighted = new double[n];
      inWindow = new boolean[n];
      windowOf = new int[n];
      fileSweeps = new NabSweep[files.size()];
      int windowBase = 0;
      for (int f = 0; f < files.size(); f++) {
        NabDataFile file = files.get(f);
        double[] s = anomalyScores.get(file.name());
        if (s == null) {
          throw new IllegalArgumentException("no anomaly scores for corpus file " + file.name());
        }
        if (s.length != file.length()) {
          throw new IllegalArgumentException(
              file.name()
                  + ": "
                  + s.length
                  + " anomaly scores for "
                  + file.length()
                  + " rows; need one per row");
        }
        Layout l = layout(file);
        int o = offsets[f];
        for (int i = 0; i < s.length; i++) {
          if (!Double.isFinite(s[i])) {
            throw new IllegalArgumentException(
                file.name() + ": anomaly score of row " + i + " is not finite: " + s[i]);
          }
          scores[o + i] = s[i] + 0.0; // -0.0 becomes 0.0, equal to it in Python too
          unweighted[o + i] = l.unweighted[i];
          inWindow[o + i] = l.window[i] >= 0;
          windowOf[o + i] =
              i < l.probation
                  ? NabSweep.PROBATIONARY
                  : l.window[i] >= 0 ? windowBase + l.window[i] : NabSweep.OUTSIDE;
        }
        windowBase += file.windows().size();
        fileSweeps[f] = new NabSweep(scores, windowOf, o, o + s.length);
      }
      windowsInCorpus = windowBase;
    }

    NabSweep corpusSweep() {
      if (corpusSweep == null) {
        corpusSweep = new NabSweep(scores, windowOf, 0, scores.length);
      }
      return corpusSweep;
    }

    double[] sweepScores(NabProfile profile) {
      Objects.requireNonNull(profile, "profile");
      double[] w = new double[scores.length];
      for (int i = 0; i < w.length; i++) {
        w[i] = weight(unweighted[i], inWindow[i], profile);
      }
      return w;
    }

    NabProfileReport optimise(NabProfile profile) {
      double[] w = sweepScores(profile);
      NabThresholdScore best = null;
      for (NabThresholdScore t : corpusSweep().scoresByThreshold(w, profile.fnWeight())) {
        if (best == null || t.score() > best.score()) {
          best = t; // strictly greater: the first (highest) threshold wins ties, as in NAB
        }
      }
      return scoreAt(profile, best.threshold(), w);
    }

    NabProfileReport scoreAt(NabProfile profile, double threshold) {
      return scoreAt(profile, threshold, sweepScores(profile));
    }

    private NabProfileReport scoreAt(NabProfile profile, double threshold, double[] w) {
      List<NabFileScore> out = new ArrayList<>(files.size());
      double raw = 0;
      double nullScore = 0;
      for (int f = 0; f < files.size(); f++) {
        NabSweep.Result r = fileSweeps[f].scoreAt(threshold, w, profile.fnWeight());
        NabThresholdScore t = r.score();
        out.add(
            new NabFileScore(
                files.get(f).name(),
                t.score(),
                t.truePositives(),
                t.trueNegatives(),
                t.falsePositives(),
                t.falseNegatives(),
                r.detectedWindows(),
                r.windowCount() - r.detectedWindows()));
        raw += t.score();
        nullScore +=
            fileSweeps[f].scoreAt(Double.POSITIVE_INFINITY, w, profile.fnWeight()).score().score();
      }
      double perfect = windowsInCorpus * profile.tpWeight();
      return new NabProfileReport(
          profile, threshold, raw, nullScore, perfect, normalise(raw, nullScore, perfect), out);
    }
  }
}
