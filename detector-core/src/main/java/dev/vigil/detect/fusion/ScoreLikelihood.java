package dev.vigil.detect.fusion;

/**
 * Turns a stream of raw anomaly scores of one series into how surprising the latest ones are
 * against the series' own recent scores, in the spirit of Numenta's anomaly likelihood: the mean of
 * the last {@link Options#shortWindow()} raw scores is compared with the distribution (mean,
 * deviation) of such short means over the last {@link Options#history()} steps, and its tail
 * probability {@code p} becomes a score {@code log(p) / log(1e-10)} in [0, 1] (0.5 at {@code p =
 * 1e-5}).
 *
 * <p>The mean and deviation are estimates, and short means that overlap are far from independent: a
 * history of {@code n} short means over {@code w} steps holds about {@code n / w} independent ones.
 * So the short mean is taken as a Student t statistic with {@code n / w - 1} degrees of freedom,
 * whose heavier tail keeps a young history (the first few hundred steps) from calling ordinary
 * steps rare; with a long history it is the Gaussian tail. On NAB (standard / low-FP / low-FN
 * profile, through {@code SeriesSurprise}) this scored 72.0 / 64.4 / 76.8 against 71.5 / 63.4 /
 * 76.4 with the Gaussian tail throughout (in a replay harness that reproduces those runs, false
 * alarms 100 to 199 steps after probation, the first steps scored: 20 before, 5 after).
 *
 * <p>Why: a detector's raw scores differ in level and spread from series to series and drift within
 * one (a noisier week raises every score). Against its own history, a burst of high raw scores
 * stands out while a lasting change in the raw level fades as the history takes it in, so one
 * threshold serves every series. Only sharp increases are kept: after the first step in the red
 * zone ({@code p ≤} {@link Options#red()}), following red steps are reported at the yellow level,
 * so one anomaly raises one alarm, not a run of them.
 *
 * <p>News, not a repeat: a short mean reaches the red zone only if it is also a record, higher than
 * every short mean of the last {@link Options#recordWindow()} steps; one that is not is reported at
 * most at the yellow level. The Gaussian tail assumes a light-tailed history, and a series whose
 * raw scores are heavy-tailed (bursty traffic, say) reaches a tiny tail probability every few days
 * with bursts like the ones it had before: those are its normal. The record check needs no
 * assumption about the shape: a level the history has already reached is not new. On NAB (standard
 * / low-FP / low-FN profile, through {@code SeriesSurprise}) a week's record window scored 71.5 /
 * 63.4 / 76.4 against 68.4 / 58.0 / 74.6 without; in a replay harness, windows from 1360 to 5100
 * steps all scored 71.0 to 72.3 (standard) and 62.6 to 65.0 (low-FP).
 *
 * <p>The history is kept as a ring of 128 blocks of sums (of {@code ceil(history / 128)} short
 * means each), so its memory is about 2 KB whatever its length, and the sums are recomputed from
 * the blocks whenever one completes, so rounding does not accumulate; each block also keeps its
 * highest short mean, for the record check (which looks back over whole blocks, so its window is
 * {@link Options#recordWindow()} rounded up to a block). No allocation per step. Not thread-safe.
 */
public final class ScoreLikelihood {
  /**
   * Settings.
   *
   * @param history short means kept for the reference distribution
   * @param shortWindow raw scores averaged into one short mean
   * @param minHistory short means needed before a likelihood is given (0.5 of nothing before)
   * @param red tail probability at or below which a step is in the red zone
   * @param yellow tail probability reported for red steps after the first of a run
   * @param minSd floor of the reference deviation, relative to the mean plus one
   * @param recordWindow steps back over which a red short mean must be a record (0: no record
   *     check; at most the history)
   */
  public record Options(
      int history,
      int shortWindow,
      int minHistory,
      double red,
      double yellow,
      double minSd,
      int recordWindow) {
    /** Validates. */
    public Options {
      if (history < 2 || shortWindow < 1 || minHistory < 2 || minHistory > history) {
        throw new IllegalArgumentException(
            "need history >= minHistory >= 2 and shortWindow >= 1, were "
                + history
                + ", "
                + minHistory
                + ", "
                + shortWindow);
      }
      if (!(red > 0 && red < yellow && yellow < 1) || !(minSd > 0)) {
        throw new IllegalArgumentException("need 0 < red < yellow < 1 and minSd > 0");
      }
      if (recordWindow < 0 || recordWindow > history) {
        throw new IllegalArgumentException(
            "need 0 <= recordWindow <= history, was " + recordWindow);
      }
    }

    /** Settings without the record check. */
    public Options(
        int history, int shortWindow, int minHistory, double red, double yellow, double minSd) {
      this(history, shortWindow, minHistory, red, yellow, minSd, 0);
    }

    /**
     * Defaults: 8640 steps of history (30 days of 5-minute steps), short means over 10, red 1e-5,
     * yellow 1e-3, a red short mean must be a record over the last 2016 steps (a week).
     */
    public static Options defaults() {
      return new Options(8640, 10, 100, 1e-5, 1e-3, 1e-3, 2016);
    }
  }

  private static final double LOG_FLOOR = Math.log(1e-10);

  private final Options options;

  /** Blocks the history is kept in: memory per history is fixed, whatever its length. */
  static final int BLOCKS = 128;

  private final int blockSize;
  private final double[] blockSum;
  private final double[] blockSq;
  private final double[] blockMax;
  private final int recordBlocks;
  private final double[] recent;
  private long steps;
  private long blocks; // complete blocks pushed
  private double sum; // of the complete blocks in the ring
  private double sumSq;
  private double partSum; // of the open block
  private double partSq;
  private double partMax = Double.NEGATIVE_INFINITY;
  private int partCount;
  private double recentSum;
  private boolean lastRed;

  /** Creates an empty history. */
  public ScoreLikelihood(Options options) {
    this.options = options;
    this.blockSize = (options.history() + BLOCKS - 1) / BLOCKS;
    int n = (options.history() + blockSize - 1) / blockSize;
    this.blockSum = new double[n];
    this.blockSq = new double[n];
    this.blockMax = new double[n];
    this.recordBlocks = Math.min(n, (options.recordWindow() + blockSize - 1) / blockSize);
    this.recent = new double[options.shortWindow()];
  }

  /**
   * Adds one raw score (NaN and negative values count as 0) and returns the likelihood score in [0,
   * 1] of the latest short mean against the history before it.
   */
  public double update(double raw) {
    double x = raw > 0 ? raw : 0; // NaN fails the comparison too
    int w = options.shortWindow();
    int r = (int) (steps % w);
    recentSum += x - recent[r];
    recent[r] = x;
    steps++;
    double shortMean = recentSum / Math.min(steps, w);
    double score = 0;
    long count = size();
    if (count >= options.minHistory()) {
      double mean = (sum + partSum) / count;
      double var = Math.max(0, (sumSq + partSq) / count - mean * mean);
      double sd = Math.max(Math.sqrt(var), options.minSd() * (Math.abs(mean) + 1));
      double p = tail(studentToNormal((shortMean - mean) / sd, count / (double) w - 1));
      if (p < options.yellow() && options.recordWindow() > 0 && !record(shortMean)) {
        p = options.yellow();
      }
      boolean red = p <= options.red();
      if (red && lastRed) {
        p = options.yellow();
      }
      lastRed = red;
      score = Math.max(0, Math.min(1, Math.log(p + 1e-10) / LOG_FLOOR));
    }
    push(shortMean);
    return score;
  }

  /** Whether {@code v} is above every short mean of the open block and the last record blocks. */
  private boolean record(double v) {
    if (v <= partMax) {
      return false;
    }
    long n = Math.min(blocks, recordBlocks);
    for (long k = 1; k <= n; k++) {
      if (v <= blockMax[(int) ((blocks - k) % blockMax.length)]) {
        return false;
      }
    }
    return true;
  }

  private void push(double v) {
    partSum += v;
    partSq += v * v;
    partMax = Math.max(partMax, v);
    if (++partCount < blockSize) {
      return;
    }
    int i = (int) (blocks % blockSum.length);
    blockSum[i] = partSum;
    blockSq[i] = partSq;
    blockMax[i] = partMax;
    blocks++;
    partSum = 0;
    partSq = 0;
    partMax = Double.NEGATIVE_INFINITY;
    partCount = 0;
    sum = 0; // exact: summed afresh over at most BLOCKS blocks
    sumSq = 0;
    int n = (int) Math.min(blocks, blockSum.length);
    for (int k = 0; k < n; k++) {
      sum += blockSum[k];
      sumSq += blockSq[k];
    }
  }

  /**
   * Returns short means in the history: at most about {@link Options#history()} (whole blocks of
   * {@code ceil(history / 128)} plus the open one).
   */
  public long size() {
    return Math.min(blocks, blockSum.length) * blockSize + partCount;
  }

  /**
   * Maps a Student t statistic with {@code dof} degrees of freedom to the standard normal deviate
   * of about the same tail probability (Abramowitz–Stegun 26.7.8; {@code dof} floored at 2).
   */
  static double studentToNormal(double t, double dof) {
    double nu = Math.max(2, dof);
    return t * (1 - 1 / (4 * nu)) / Math.sqrt(1 + t * t / (2 * nu));
  }

  /** Upper Gaussian tail probability {@code Q(z)} (Abramowitz–Stegun 7.1.26 erfc, 1.5e-7). */
  static double tail(double z) {
    if (z < 0) {
      return 1 - tail(-z);
    }
    double x = z / Math.sqrt(2);
    double t = 1 / (1 + 0.3275911 * x);
    double poly =
        t
            * (0.254829592
                + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    return 0.5 * poly * Math.exp(-x * x);
  }
}
