package dev.vigil.detect.model;

import dev.vigil.detect.forest.FlatForest;
import dev.vigil.detect.fusion.Component;
import dev.vigil.detect.fusion.Fusion;
import dev.vigil.detect.nn.SequenceModel;
import dev.vigil.detect.nn.VectorModel;
import dev.vigil.detect.scale.FeatureScaler;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Scores vectors with a {@link DetectionModel}: scale, autoencoder reconstruction error, one LSTM
 * step from the entity's carried state (its prediction error is measured against the prediction
 * made at the entity's previous vector), the Isolation Forest, then the calibrated fusion.
 *
 * <p>An entity's first {@link DetectionModel#lstmWarmup()} vectors get no prediction error: a
 * prediction from a (nearly) fresh state is not a prediction from history, and counting it raised
 * false alarms on every host's first windows.
 *
 * <p>{@link #score} allocates nothing and costs O(1) per vector whatever an entity's history. Not
 * thread-safe: one scorer per scoring thread. {@link #explain} explains the last scored vector (it
 * allocates, so call it for alerts only).
 */
public final class EnsembleScorer {
  private final DetectionModel model;
  private final Precision precision;
  private final FeatureScaler scaler;
  private final VectorModel ae;
  private final SequenceModel lstm;
  private final FlatForest forest;
  private final Fusion fusion;
  private final EntityStates states;
  private final float[] scaled;
  private final float[] recon;
  private final float[] pred;
  private final double[] fx;
  private final int d;
  private final int warmup;
  private float[] lastRaw;
  private double re;
  private double pe;
  private double iso;
  private double score;

  EnsembleScorer(DetectionModel model, Precision precision, int maxEntities) {
    this.model = model;
    this.precision = precision;
    this.scaler = model.scaler();
    this.d = model.schema().size();
    boolean int8 = precision == Precision.INT8;
    this.ae = int8 ? model.autoencoderInt8().copy() : model.autoencoder().copy();
    if (model.lstm() != null) {
      this.lstm = int8 ? model.lstmInt8().copy() : model.lstm().copy();
      this.states = new EntityStates(maxEntities, lstm.stateSize(), d);
    } else {
      this.lstm = null;
      this.states = null;
    }
    this.forest = model.forest();
    this.fusion = model.fusion(precision);
    this.scaled = new float[d];
    this.recon = new float[d];
    this.pred = new float[d];
    this.fx = new double[d];
    this.warmup = model.lstmWarmup();
  }

  /** Returns the model this scorer uses. */
  public DetectionModel model() {
    return model;
  }

  /** Returns the precision this scorer runs at. */
  public Precision precision() {
    return precision;
  }

  /**
   * Scores {@code raw} (unscaled, of the schema's width) as the next vector of entity {@code (hi,
   * lo)} and returns the fused score; {@code now} orders entities for eviction (any clock).
   */
  public double score(long hi, long lo, long now, float[] raw) {
    if (raw.length != d) {
      throw new IllegalArgumentException("vector has " + raw.length + " features, expected " + d);
    }
    lastRaw = raw;
    scaler.transform(raw, scaled);
    ae.forward(scaled, recon);
    re = mse(scaled, recon);
    pe = Double.NaN;
    if (lstm != null) {
      states.key[0] = hi;
      states.key[1] = lo;
      int slot = states.findOrInsert(now);
      int off = slot * d;
      int step = states.steps[slot];
      if (step < Integer.MAX_VALUE) {
        states.steps[slot] = step + 1;
      }
      if (states.hasPrediction[slot] && step >= warmup) {
        float[] p = states.prediction;
        float s = 0;
        for (int j = 0; j < d; j++) {
          float e = scaled[j] - p[off + j];
          s += e * e;
        }
        pe = s / d;
      }
      lstm.step(states.state, slot * states.stateSize, scaled, pred);
      System.arraycopy(pred, 0, states.prediction, off, d);
      states.hasPrediction[slot] = true;
    }
    if (forest != null) {
      for (int j = 0; j < d; j++) {
        fx[j] = scaled[j];
      }
      iso = forest.score(fx);
    } else {
      iso = Double.NaN;
    }
    Fusion f = fusion;
    double nRe = f.normalise(Component.RECONSTRUCTION, re);
    double nPe = Double.isNaN(pe) ? Double.NaN : f.normalise(Component.PREDICTION, pe);
    double nIf = Double.isNaN(iso) ? 0 : f.normalise(Component.ISOLATION, iso);
    score = f.fuse(nRe, nPe, nIf);
    return score;
  }

  private static double mse(float[] a, float[] b) {
    float s = 0;
    for (int j = 0; j < a.length; j++) {
      float e = a[j] - b[j];
      s += e * e;
    }
    return s / a.length;
  }

  /** Returns whether the last score reached the alert threshold. */
  public boolean anomalous() {
    return score >= fusion.threshold();
  }

  /** Returns the severity of the last score (allocation-free). */
  public dev.vigil.detect.fusion.Severity severity() {
    return fusion.severity(score);
  }

  /** Returns the last fused score. */
  public double lastScore() {
    return score;
  }

  /** Returns the last raw reconstruction error. */
  public double lastReconstructionError() {
    return re;
  }

  /** Returns the last raw prediction error (NaN on an entity's first vector or without LSTM). */
  public double lastPredictionError() {
    return pe;
  }

  /** Returns the last raw Isolation Forest score (NaN without a forest). */
  public double lastIsolationScore() {
    return iso;
  }

  /** Returns how many entities the LSTM state table evicted so far. */
  public long entityEvictions() {
    return states == null ? 0 : states.evictions();
  }

  /** Returns how many entities have LSTM state now. */
  public int entities() {
    return states == null ? 0 : states.size();
  }

  /**
   * Explains the last scored vector: components and the {@code topK} features by share of the
   * reconstruction error.
   */
  public ExplainedScore explain(int topK) {
    Fusion f = fusion;
    Map<Component, Double> comps = new EnumMap<>(Component.class);
    List<Component> fired = new ArrayList<>();
    double nRe = f.normalise(Component.RECONSTRUCTION, re);
    comps.put(Component.RECONSTRUCTION, nRe);
    if (f.fired(Component.RECONSTRUCTION, nRe)) {
      fired.add(Component.RECONSTRUCTION);
    }
    if (!Double.isNaN(pe)) {
      double n = f.normalise(Component.PREDICTION, pe);
      comps.put(Component.PREDICTION, n);
      if (f.fired(Component.PREDICTION, n)) {
        fired.add(Component.PREDICTION);
      }
    }
    if (!Double.isNaN(iso)) {
      double n = f.normalise(Component.ISOLATION, iso);
      comps.put(Component.ISOLATION, n);
      if (f.fired(Component.ISOLATION, n)) {
        fired.add(Component.ISOLATION);
      }
    }
    double total = 0;
    double[] sq = new double[d];
    for (int j = 0; j < d; j++) {
      double e = scaled[j] - recon[j];
      sq[j] = e * e;
      total += sq[j];
    }
    Integer[] order = new Integer[d];
    for (int j = 0; j < d; j++) {
      order[j] = j;
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(sq[b], sq[a]));
    List<FeatureContribution> top = new ArrayList<>();
    List<String> names = model.schema().names();
    for (int k = 0; k < Math.min(topK, d); k++) {
      int j = order[k];
      top.add(
          new FeatureContribution(
              j,
              names.get(j),
              total > 0 ? sq[j] / total : 0,
              lastRaw == null ? Double.NaN : lastRaw[j],
              scaled[j],
              recon[j]));
    }
    return new ExplainedScore(score, f.threshold(), f.severity(score), comps, fired, top);
  }
}
