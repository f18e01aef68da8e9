package dev.vigil.detect.series;

import dev.vigil.detect.fusion.ScoreLikelihood;

/**
 * One series' anomaly score in [0, 1] from two channels, each turned into a likelihood against the
 * series' own recent history ({@link ScoreLikelihood}), the larger taken:
 *
 * <ul>
 *   <li>the ensemble's fused score {@code A} (autoencoder + LSTM + Isolation Forest), which knows
 *       what the series' shapes looked like in its learning period;
 *   <li>the level surprise {@code |z_long|}, the value against the series' last 128 steps, which
 *       needs no learning and catches a jump to a level the ensemble's clipped inputs flatten.
 * </ul>
 *
 * <p>A value beyond every value seen so far by more than {@link Options#rangeTolerance()} of their
 * range (a new record high or low, as Numenta's detector checks) scores 1 outright. Where the
 * learning period shows a season (autocorrelation at least {@link Options#seasonalMinAcf()}), a
 * third channel scores the departure from it ({@link SeasonalResidual}).
 *
 * <p>0.5 is the red line (tail probability 1e-5). After a step reaches it, further red steps within
 * {@link Options#refractorySteps()} are reported at the yellow level, so one incident raises one
 * alarm and an operator is not paged again for its aftershocks. No allocation per step.
 */
public final class SeriesSurprise {
  /**
   * Settings.
   *
   * @param likelihood settings of both likelihoods
   * @param refractorySteps steps after an alarm during which no new alarm is raised
   * @param rangeTolerance share of the seen range a value must go beyond to score 1 (negative: no
   *     range check)
   * @param seasonalMinAcf least autocorrelation of the learning period's values that makes a season
   *     (1 or more: no seasonal channel)
   */
  public record Options(
      ScoreLikelihood.Options likelihood,
      int refractorySteps,
      double rangeTolerance,
      double seasonalMinAcf) {
    /** Validates. */
    public Options {
      if (likelihood == null || refractorySteps < 0) {
        throw new IllegalArgumentException("need likelihood options and refractorySteps >= 0");
      }
    }

    /**
     * Likelihood defaults, 100 steps of refractory period, range tolerance 5 %, a season where the
     * autocorrelation reaches 0.3.
     */
    public static Options defaults() {
      return new Options(ScoreLikelihood.Options.defaults(), 100, 0.05, 0.3);
    }
  }

  /** Learning-period values kept for finding a season. */
  static final int LEARN_CAP = 4096;

  /** Residuals the seasonal reference is computed over. */
  static final int SEASONAL_WINDOW = 128;

  /** Score at and above which a step is an alarm. */
  public static final double RED = 0.5;

  private final Options options;
  private final ScoreLikelihood ensemble;
  private final ScoreLikelihood level;
  private final double yellowScore;
  private long step;
  private long lastAlarm = Long.MIN_VALUE / 2;
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;
  private double[] learned = new double[64];
  private int learnedCount;
  private boolean started;
  private SeasonalResidual seasonal;
  private ScoreLikelihood seasonalLikelihood;

  /** Creates the scorer of one series. */
  public SeriesSurprise(Options options) {
    this.options = options;
    this.ensemble = new ScoreLikelihood(options.likelihood());
    this.level = new ScoreLikelihood(options.likelihood());
    this.yellowScore = Math.log(options.likelihood().yellow() + 1e-10) / Math.log(1e-10);
  }

  /**
   * Adds a learning-period value (the seen range; the season is looked for in these once scoring
   * starts).
   */
  public void observe(double value) {
    if (!Double.isFinite(value)) {
      return;
    }
    min = Math.min(min, value);
    max = Math.max(max, value);
    if (!started && learnedCount < LEARN_CAP) {
      if (learnedCount == learned.length) {
        learned = java.util.Arrays.copyOf(learned, Math.min(LEARN_CAP, 2 * learned.length));
      }
      learned[learnedCount++] = value;
    }
  }

  /** Returns the season found in the learning period, in steps (0: none or not yet started). */
  public int period() {
    return seasonal == null ? 0 : seasonal.period();
  }

  private void start() {
    started = true;
    if (options.seasonalMinAcf() < 1) {
      int p = SeasonalResidual.detectPeriod(learned, learnedCount, options.seasonalMinAcf());
      if (p > 0) {
        seasonal = new SeasonalResidual(p, SEASONAL_WINDOW);
        for (int i = 0; i < learnedCount; i++) {
          seasonal.next(learned[i]);
        }
        seasonalLikelihood = new ScoreLikelihood(options.likelihood());
      }
    }
    learned = null;
  }

  /**
   * Scores the next step.
   *
   * @param fused the ensemble's fused score (negative or NaN count as 0)
   * @param levelZ the step's {@code z_long} feature
   * @param value the step's value (NaN for an interpolated step: no range check)
   * @return the score in [0, 1]; at or above {@link #RED} an alarm
   */
  public double update(double fused, double levelZ, double value) {
    if (!started) {
      start();
    }
    double s = Math.max(ensemble.update(fused), level.update(Math.abs(levelZ)));
    if (seasonal != null && Double.isFinite(value)) {
      s = Math.max(s, seasonalLikelihood.update(Math.abs(seasonal.next(value))));
    }
    if (options.rangeTolerance() >= 0 && Double.isFinite(value) && max >= min) {
      double slack = options.rangeTolerance() * (max - min);
      if (value > max + slack || value < min - slack) {
        s = 1;
      }
    }
    observe(value);
    long now = step++;
    if (s >= RED) {
      if (now - lastAlarm <= options.refractorySteps()) {
        s = Math.min(s, yellowScore);
      } else {
        lastAlarm = now;
      }
    }
    return s;
  }
}
