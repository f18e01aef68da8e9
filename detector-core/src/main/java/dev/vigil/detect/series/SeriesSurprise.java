package dev.vigil.detect.series;

import dev.vigil.detect.fusion.ScoreLikelihood;
import java.util.Arrays;

/**
 * One series' anomaly score in [0, 1] from up to three channels, each turned into a likelihood
 * against the series' own score history ({@link ScoreLikelihood}; red only where the channel's
 * short mean is also a record over the last {@link ScoreLikelihood.Options#recordWindow()} steps,
 * so a burst like those of the past week is not news), the largest taken:
 *
 * <ul>
 *   <li>the ensemble's fused score {@code A} (autoencoder + LSTM + Isolation Forest), which knows
 *       what the series' shapes looked like in its learning period (its short means run over {@link
 *       Options#ensembleShortWindow()} steps: the fused score is the noisier channel);
 *   <li>the level surprise, the value against the mean and deviation of the learning period (fixed
 *       when scoring starts; at most {@link #LEVEL_CLIP} deviations), which catches a level the
 *       ensemble's clipped inputs flatten;
 *   <li>where the learning period shows a season (autocorrelation at least {@link
 *       Options#seasonalMinAcf()}), the departure from it ({@link SeasonalResidual}).
 * </ul>
 *
 * <p>A value beyond every value seen so far by more than {@link Options#rangeTolerance()} of their
 * range (a new record high or low, as Numenta's detector checks) scores 1 outright.
 *
 * <p>0.5 is the red line (tail probability 1e-5). After a step reaches it, further red steps within
 * {@link Options#refractorySteps()} are reported at the yellow level, so one incident raises one
 * alarm and an operator is not paged again for its aftershocks. Two exceptions: a new record beyond
 * the seen range always alarms (it is news whatever came before: on NAB, range alarms held back by
 * an earlier alarm cost whole anomaly windows), and an interpolated step (value NaN) never alarms,
 * so a gap cannot start a refractory period that silences the reading after it.
 *
 * <p>Learning: {@link #observe} collects the learning period's values (bounded); the first {@link
 * #update} fixes the level reference and the season from them. After that, with {@link
 * Options#continual()} on, the level mean keeps learning from readings that scored below the yellow
 * level, at a bounded rate ({@link Continual}); otherwise nothing is learned. The score histories,
 * the seen range and the seasonal residuals are state that moves with the data. No allocation per
 * step after the first. Not thread-safe.
 */
public final class SeriesSurprise {
  /**
   * Settings.
   *
   * @param likelihood settings of the likelihoods (its short window serves the level and seasonal
   *     channels)
   * @param ensembleShortWindow steps in the ensemble channel's short means
   * @param refractorySteps steps after an alarm during which no new alarm is raised (except by a
   *     value beyond the seen range)
   * @param rangeTolerance share of the seen range a value must go beyond to score 1 (negative: no
   *     range check)
   * @param seasonalMinAcf least autocorrelation of the learning period's values that makes a season
   *     (1 or more: no seasonal channel)
   * @param continual whether and how fast the level keeps learning after the learning period
   */
  public record Options(
      ScoreLikelihood.Options likelihood,
      int ensembleShortWindow,
      int refractorySteps,
      double rangeTolerance,
      double seasonalMinAcf,
      Continual continual) {
    /** Validates. */
    public Options {
      if (likelihood == null || refractorySteps < 0 || ensembleShortWindow < 1) {
        throw new IllegalArgumentException(
            "need likelihood options, ensembleShortWindow >= 1 and refractorySteps >= 0");
      }
      if (continual == null) {
        throw new IllegalArgumentException("need continual settings (Continual.OFF: none)");
      }
    }

    /** Settings without continual learning (the level reference fixed by the learning period). */
    public Options(
        ScoreLikelihood.Options likelihood,
        int ensembleShortWindow,
        int refractorySteps,
        double rangeTolerance,
        double seasonalMinAcf) {
      this(
          likelihood,
          ensembleShortWindow,
          refractorySteps,
          rangeTolerance,
          seasonalMinAcf,
          Continual.OFF);
    }

    /** Returns these settings with other continual-learning settings. */
    public Options withContinual(Continual c) {
      return new Options(
          likelihood, ensembleShortWindow, refractorySteps, rangeTolerance, seasonalMinAcf, c);
    }

    /**
     * Likelihood defaults (short means over 10 steps), ensemble short means over 20, 100 steps of
     * refractory period, range tolerance 5 %, a season where the autocorrelation reaches 0.3,
     * continual learning of the level ({@link Continual#defaults()}).
     */
    public static Options defaults() {
      return new Options(
          ScoreLikelihood.Options.defaults(), 20, 100, 0.05, 0.3, Continual.defaults());
    }
  }

  /**
   * Continual learning after the learning period: the level reference's mean keeps learning from
   * readings that did not alarm, as an exponentially weighted mean, so a series that settles at a
   * new normal over weeks is measured against where it is rather than where it was in the learning
   * period. Only readings whose score stays below the yellow level (tail probability {@link
   * ScoreLikelihood.Options#yellow()}, score 0.3), well under the alarm line {@link #RED}, are
   * learned, and a reading's score is taken before the refractory period lowers it, so a reading
   * that alarms, or would have, never moves the reference. The deviation stays the learning
   * period's: an exponentially weighted deviation shrank in quiet stretches and raised false alarms
   * after them (on NAB, standard profile, half-life 2016 steps: 69.3 with it, 71.8 without).
   *
   * <p>What the rate limit means in time: each accepted reading moves the mean by {@code 1 −
   * 2^(−1/halfLifeSteps)} of its distance from it, so even readings that all sit just under the
   * yellow level, one per step, move the reference at most halfway to their level in {@code
   * halfLifeSteps} steps (48 h at the daemon's 10 s steps with the default 17280; 60 days of NAB's
   * 5-minute steps), and a reading scoring at the gate lies within the usual spread of the series'
   * level surprise, so each step moves the mean by a small share of the deviation.
   *
   * @param halfLifeSteps steps after which an accepted reading's weight in the level mean has
   *     halved (0: no continual learning, the level fixed by the learning period, as before)
   */
  public record Continual(int halfLifeSteps) {
    /** No continual learning: the level reference is the learning period's. */
    public static final Continual OFF = new Continual(0);

    /**
     * Default half-life: 17280 steps, twice the likelihoods' history. On NAB's per-category halves
     * (artificial, AWS and AdExchange against KnownCause, Traffic and Tweets), a half-life chosen
     * on either half (from 2016 to 30000 steps) raised the other's standard score (74.6 to 74.7,
     * 70.4 to 71.7); shorter half-lives missed windows whose level ramps up slowly.
     */
    public static final int DEFAULT_HALF_LIFE_STEPS = 17_280;

    /** Validates. */
    public Continual {
      if (halfLifeSteps < 0) {
        throw new IllegalArgumentException("need halfLifeSteps >= 0, was " + halfLifeSteps);
      }
    }

    /** Continual learning with the default half-life. */
    public static Continual defaults() {
      return new Continual(DEFAULT_HALF_LIFE_STEPS);
    }

    /** Returns whether the level keeps learning after the learning period. */
    public boolean enabled() {
      return halfLifeSteps > 0;
    }
  }

  /** Learning-period values kept for the level reference and the season. */
  static final int LEARN_CAP = 1024;

  /** Residuals the seasonal reference is computed over. */
  static final int SEASONAL_WINDOW = 128;

  /**
   * Deviations from the learning period's mean at which the level channel's input is clipped: the
   * level channel is for lasting departures, and one far outlier (the range check's business) would
   * otherwise dominate its short means and, through its score history, the likelihood of every step
   * after it. On NAB (standard / low-FP profile) clipping at 15 scored 68.4 / 58.0 against 67.6 /
   * 56.4 unclipped; in a replay harness, clipping anywhere from 8 to 30 scored 68.0 to 69.0.
   */
  static final double LEVEL_CLIP = 15;

  /** Score at and above which a step is an alarm. */
  public static final double RED = 0.5;

  /** Which channel gave a step its score. */
  public enum Channel {
    /** The ensemble's fused score. */
    ENSEMBLE,
    /** The value against the learning period's level. */
    LEVEL,
    /** The departure from the learned season. */
    SEASON,
    /** A value beyond the range seen so far. */
    RANGE;

    /** Returns the name used in alerts. */
    public String key() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * Returns the severity of an alarm's score: high at 0.9 and above (tail probability 1e-9 or a
   * value beyond the seen range), medium from 0.7 (1e-7), low below.
   */
  public static dev.vigil.detect.fusion.Severity severity(double score) {
    if (score < RED) {
      return dev.vigil.detect.fusion.Severity.NONE;
    }
    return score >= 0.9
        ? dev.vigil.detect.fusion.Severity.HIGH
        : score >= 0.7
            ? dev.vigil.detect.fusion.Severity.MEDIUM
            : dev.vigil.detect.fusion.Severity.LOW;
  }

  private final Options options;
  private final ScoreLikelihood ensemble;
  private final ScoreLikelihood level;
  private final double yellowScore;
  private long step;
  private long lastAlarm = Long.MIN_VALUE / 2;
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;
  private double minBefore = Double.POSITIVE_INFINITY; // the range before the last step's value
  private double maxBefore = Double.NEGATIVE_INFINITY;
  private double[] learned = new double[64];
  private int learnedCount;
  private boolean started;
  private double levelMean;
  private double levelSd = 1;
  private final double alpha; // weight of one accepted reading in the continual level reference
  private long learnedSteps;
  private SeasonalResidual seasonal;
  private ScoreLikelihood seasonalLikelihood;
  private Channel channel = Channel.ENSEMBLE;

  /** Creates the scorer of one series. */
  public SeriesSurprise(Options options) {
    this.options = options;
    ScoreLikelihood.Options l = options.likelihood();
    this.ensemble =
        new ScoreLikelihood(
            new ScoreLikelihood.Options(
                l.history(),
                options.ensembleShortWindow(),
                l.minHistory(),
                l.red(),
                l.yellow(),
                l.minSd(),
                l.recordWindow()));
    this.level = new ScoreLikelihood(l);
    this.yellowScore = Math.log(l.yellow() + 1e-10) / Math.log(1e-10);
    Continual k = options.continual();
    this.alpha = k.enabled() ? 1 - Math.pow(2, -1.0 / k.halfLifeSteps()) : 0;
  }

  /** Adds a learning-period value (ignored once scoring has started, except for the range). */
  public void observe(double value) {
    if (!Double.isFinite(value)) {
      return;
    }
    min = Math.min(min, value);
    max = Math.max(max, value);
    if (!started && learnedCount < LEARN_CAP) {
      if (learnedCount == learned.length) {
        learned = Arrays.copyOf(learned, Math.min(LEARN_CAP, 2 * learned.length));
      }
      learned[learnedCount++] = value;
    }
  }

  /** Returns the channel that gave the last step its score. */
  public Channel channel() {
    return channel;
  }

  /**
   * Returns the level reference's mean: the learning period's, moved since by continual learning if
   * on (0 before scoring starts).
   */
  public double levelMean() {
    return levelMean;
  }

  /** Returns the learning period's deviation (floored; 1 before scoring starts). */
  public double levelSd() {
    return levelSd;
  }

  /**
   * Returns the lowest and highest values seen before the last scored step (what a {@link
   * Channel#RANGE} alarm went beyond; infinite before any).
   */
  public double[] rangeBefore() {
    return new double[] {minBefore, maxBefore};
  }

  /** Returns whether scoring has started (the level reference and season are fixed). */
  public boolean started() {
    return started;
  }

  /** Returns the season found in the learning period, in steps (0: none or not yet started). */
  public int period() {
    return seasonal == null ? 0 : seasonal.period();
  }

  private void start() {
    started = true;
    if (learnedCount > 0) {
      double s = 0;
      double q = 0;
      for (int i = 0; i < learnedCount; i++) {
        s += learned[i];
        q += learned[i] * learned[i];
      }
      levelMean = s / learnedCount;
      double sd = Math.sqrt(Math.max(0, q / learnedCount - levelMean * levelMean));
      levelSd = Math.max(sd, 1e-3 * (Math.abs(levelMean) + 1e-3));
    }
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

  /** Moves the level mean towards an accepted reading (exponentially weighted). */
  private void learn(double value) {
    levelMean += alpha * (value - levelMean);
    learnedSteps++;
  }

  /**
   * Returns the readings the level reference has learned since scoring started (0 without continual
   * learning).
   */
  public long learnedSteps() {
    return learnedSteps;
  }

  /**
   * Scores the next step.
   *
   * @param fused the ensemble's fused score (negative or NaN count as 0)
   * @param value the step's value (NaN for an interpolated step: only the ensemble scores it, and
   *     never above the yellow level)
   * @return the score in [0, 1]; at or above {@link #RED} an alarm
   */
  public double update(double fused, double value) {
    if (!started) {
      start();
    }
    double s = ensemble.update(fused);
    Channel c = Channel.ENSEMBLE;
    minBefore = min;
    maxBefore = max;
    if (Double.isFinite(value)) {
      double l = level.update(Math.min(LEVEL_CLIP, Math.abs(value - levelMean) / levelSd));
      if (l > s) {
        s = l;
        c = Channel.LEVEL;
      }
      if (seasonal != null) {
        double z = seasonalLikelihood.update(Math.abs(seasonal.next(value)));
        if (z > s) {
          s = z;
          c = Channel.SEASON;
        }
      }
      if (options.rangeTolerance() >= 0 && max >= min) {
        double slack = options.rangeTolerance() * (max - min);
        if (value > max + slack || value < min - slack) {
          s = 1;
          c = Channel.RANGE;
        }
      }
      observe(value);
    }
    channel = c;
    if (alpha > 0 && Double.isFinite(value) && s < yellowScore) {
      learn(value);
    }
    long now = step++;
    if (!Double.isFinite(value)) {
      // an interpolated step is no reading: it never alarms, nor starts a refractory period
      // that would hold back the alarm of the real reading after the gap
      return Math.min(s, yellowScore);
    }
    if (s >= RED) {
      if (c != Channel.RANGE && now - lastAlarm <= options.refractorySteps()) {
        s = Math.min(s, yellowScore);
      } else {
        lastAlarm = now;
      }
    }
    return s;
  }
}
