package dev.vigil.eval;

import dev.vigil.detect.fusion.Component;
import dev.vigil.detect.fusion.Fusion;
import dev.vigil.detect.fusion.TailQuantile;
import dev.vigil.detect.model.DetectionModel;
import dev.vigil.detect.model.EnsembleScorer;
import dev.vigil.detect.model.Precision;
import dev.vigil.eval.baseline.BaselineDetector;
import dev.vigil.eval.baseline.RandomForestBaseline;
import dev.vigil.eval.baseline.RcfBaseline;
import dev.vigil.eval.baseline.SvmBaseline;
import dev.vigil.eval.baseline.ZScoreBaseline;
import dev.vigil.features.FeatureSchema;
import dev.vigil.train.FusionCalibrator;
import dev.vigil.train.ModelTrainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Evaluates every method on vectors that form one ordered stream (NSL-KDD records in file order, a
 * device's telemetry in time order): the ensemble and its parts, learned from normal vectors only;
 * the statistical and outside baselines, also from normal vectors; the supervised baselines, from
 * labelled vectors.
 *
 * <p>Thresholds: every method's comes from the same normal validation vectors, which no method
 * learned from: the score that {@link Options#targetFpr} of them exceed ({@link
 * TailQuantile#upper}). No threshold, weight or setting looks at a test label; the best-F1
 * threshold on the test labels is reported beside as an oracle only.
 *
 * <p>Sequence methods (the LSTM and everything fused with it) score each list of vectors
 * (validation, each test set) from a fresh state, in order.
 *
 * <p>Latency: each method's scoring call is timed per vector on the test vectors (one thread; for
 * {@code ae}, {@code lstm}, {@code iforest} and {@code ae_lstm} the parts' own float runtimes, with
 * the scaling, are timed alone; for the ensembles the whole {@link EnsembleScorer#score} call).
 */
public final class TabularEvaluator {
  /** The methods, in report order. */
  public static final List<String> METHODS =
      List.of(
          "zscore",
          "ae",
          "lstm",
          "iforest",
          "ae_lstm",
          "ensemble",
          "ensemble_int8",
          "svm",
          "random_forest",
          "rcf");

  /**
   * Settings.
   *
   * @param training the ensemble's training settings
   * @param targetFpr share of normal validation vectors above each method's threshold
   * @param seed seed of every random choice outside {@code training}
   * @param svmRows most labelled rows the kernel SVM trains on (it is quadratic in them)
   * @param forestTrees trees of the supervised Random Forest
   * @param rcfTrees trees of the Random Cut Forest
   * @param rcfSample points each Random Cut Forest tree keeps
   * @param curvePoints most points kept of each curve
   */
  public record Options(
      ModelTrainer.Config training,
      double targetFpr,
      long seed,
      int svmRows,
      int forestTrees,
      int rcfTrees,
      int rcfSample,
      int curvePoints) {
    /** Validates. */
    public Options {
      Objects.requireNonNull(training, "training");
      if (!(targetFpr > 0 && targetFpr < 0.5)) {
        throw new IllegalArgumentException("targetFpr must be in (0, 0.5), was " + targetFpr);
      }
    }
  }

  /**
   * A labelled test set.
   *
   * @param rows vectors, in stream order
   * @param attack whether each is an attack
   * @param entity the entity (host, device) each vector belongs to: sequence methods carry one
   *     state per entity; all 0 for one stream
   * @param alerted detectors that alert without a score or a threshold of their own to calibrate
   *     (the streaming scan and flood detectors): whether each alerted during each row's span, by
   *     detector name; each is reported alone ("streaming" family) and, all together, combined with
   *     the ensemble at its threshold ({@value #COMBINED}: a row alerted by any)
   * @param early reads the test data a second time with early windows once the ensemble is trained
   *     ({@link EarlyPass}), or null for none: its early windows are scored by the ensemble and
   *     reported alone ({@value EarlyPass#NAME}) and folded into the combined row ({@value
   *     #COMBINED_EARLY})
   */
  public record TestSet(
      List<float[]> rows,
      boolean[] attack,
      long[] entity,
      Map<String, boolean[]> alerted,
      Function<DetectionModel, EarlyPass> early) {
    /**
     * Checks lengths; a null {@code entity} means one stream, a null {@code alerted} none, a null
     * {@code early} no early windows.
     */
    public TestSet {
      if (rows.size() != attack.length) {
        throw new IllegalArgumentException("one label per row is needed");
      }
      if (entity == null) {
        entity = new long[rows.size()];
      }
      if (entity.length != rows.size()) {
        throw new IllegalArgumentException("one entity per row is needed");
      }
      alerted = alerted == null ? Map.of() : new LinkedHashMap<>(alerted);
      for (var e : alerted.entrySet()) {
        if (e.getValue().length != rows.size()) {
          throw new IllegalArgumentException("one flag per row is needed for " + e.getKey());
        }
      }
    }

    /** Rows of {@code entity}, without early windows. */
    public TestSet(
        List<float[]> rows, boolean[] attack, long[] entity, Map<String, boolean[]> alerted) {
      this(rows, attack, entity, alerted, null);
    }

    /** Rows of {@code entity}, without detectors that alert on their own. */
    public TestSet(List<float[]> rows, boolean[] attack, long[] entity) {
      this(rows, attack, entity, null, null);
    }

    /** One stream. */
    public TestSet(List<float[]> rows, boolean[] attack) {
      this(rows, attack, null, null, null);
    }
  }

  /**
   * The data.
   *
   * @param schema the vectors' schema
   * @param trainNormal normal vectors the unsupervised methods learn from, in order
   * @param validationNormal normal vectors for the thresholds, learned from by no method, in order
   * @param supervised labelled vectors the supervised baselines learn from (none of validation)
   * @param tests the test sets by name, in report order
   */
  public record Data(
      FeatureSchema schema,
      List<float[]> trainNormal,
      List<float[]> validationNormal,
      TestSet supervised,
      Map<String, TestSet> tests,
      long[] trainEntity,
      long[] validationEntity) {
    /** Checks lengths; null entities mean one stream. */
    public Data {
      if (trainEntity == null) {
        trainEntity = new long[trainNormal.size()];
      }
      if (validationEntity == null) {
        validationEntity = new long[validationNormal.size()];
      }
      if (trainEntity.length != trainNormal.size()
          || validationEntity.length != validationNormal.size()) {
        throw new IllegalArgumentException("one entity per row is needed");
      }
    }

    /** One stream each. */
    public Data(
        FeatureSchema schema,
        List<float[]> trainNormal,
        List<float[]> validationNormal,
        TestSet supervised,
        Map<String, TestSet> tests) {
      this(schema, trainNormal, validationNormal, supervised, tests, null, null);
    }

    /** The learning vectors as one sequence per entity, in order. */
    List<ModelTrainer.Sequence> trainSequences() {
      Map<Long, List<float[]>> by = new LinkedHashMap<>();
      for (int i = 0; i < trainNormal.size(); i++) {
        by.computeIfAbsent(trainEntity[i], k -> new ArrayList<>()).add(trainNormal.get(i));
      }
      List<ModelTrainer.Sequence> out = new ArrayList<>();
      by.forEach((e, v) -> out.add(new ModelTrainer.Sequence(e, 0, v)));
      return out;
    }
  }

  private TabularEvaluator() {}

  /** Runs every method on every test set; {@code log} gets progress lines. */
  public static List<TestSetResult> run(Data d, Options o, Consumer<String> log) {
    return run(d, o, log, ModelTrainer.Listener.silent());
  }

  /** As {@link #run(Data, Options, Consumer)}, with the ensemble's training progress. */
  public static List<TestSetResult> run(
      Data d, Options o, Consumer<String> log, ModelTrainer.Listener training) {
    long t0 = System.nanoTime();
    log.accept(
        String.format(
            java.util.Locale.ROOT,
            "training the ensemble on %,d normal vectors (%d features)",
            d.trainNormal().size(),
            d.schema().size()));
    DetectionModel model =
        ModelTrainer.train(d.schema(), d.trainSequences(), null, o.training(), training);
    log.accept(seconds("ensemble trained", t0));

    Map<String, BaselineDetector> baselines = new LinkedHashMap<>();
    long t1 = System.nanoTime();
    baselines.put("zscore", ZScoreBaseline.fit(d.trainNormal()));
    baselines.put("rcf", RcfBaseline.fit(d.trainNormal(), o.rcfTrees(), o.rcfSample(), o.seed()));
    log.accept(seconds("z-score and Random Cut Forest fitted", t1));
    long t2 = System.nanoTime();
    List<float[]> sx = d.supervised().rows();
    boolean[] sy = d.supervised().attack();
    baselines.put("svm", SvmBaseline.fit(sx, sy, o.svmRows(), o.seed()));
    log.accept(seconds("SVM fitted", t2));
    long t3 = System.nanoTime();
    baselines.put("random_forest", RandomForestBaseline.fit(sx, sy, o.forestTrees(), o.seed()));
    log.accept(seconds("Random Forest fitted", t3));

    // thresholds from the normal validation vectors
    Ensemble val = Ensemble.score(model, d.validationNormal(), d.validationEntity(), null);
    double[] w = model.fusion().weights();
    Fusion aeLstm =
        FusionCalibrator.calibrate(val.raw(), new double[] {w[0], w[1], 0}, o.targetFpr());
    Map<String, double[]> valScores = new LinkedHashMap<>(val.byMethod(aeLstm));
    for (var e : baselines.entrySet()) {
      valScores.put(e.getKey(), scores(e.getValue(), d.validationNormal(), null));
    }
    Map<String, Double> thresholds = new LinkedHashMap<>();
    for (String m : METHODS) {
      double[] s = valScores.get(m);
      boolean any = Arrays.stream(s).anyMatch(Double::isFinite);
      thresholds.put(m, any ? threshold(s, o.targetFpr()) : Double.NaN);
    }

    List<TestSetResult> out = new ArrayList<>();
    for (var t : d.tests().entrySet()) {
      long ts = System.nanoTime();
      TestSet set = t.getValue();
      int n = set.rows().size();
      Map<String, long[]> nanos = new LinkedHashMap<>();
      Ensemble ens = Ensemble.score(model, set.rows(), set.entity(), nanos);
      Map<String, double[]> scores = new LinkedHashMap<>(ens.byMethod(aeLstm));
      Parts.time(model, set.rows(), set.entity(), nanos);
      for (var e : baselines.entrySet()) {
        long[] ns = new long[n];
        scores.put(e.getKey(), scores(e.getValue(), set.rows(), ns));
        nanos.put(e.getKey(), ns);
      }
      List<MethodResult> methods = new ArrayList<>();
      long attacks = 0;
      for (boolean a : set.attack()) {
        attacks += a ? 1 : 0;
      }
      for (String m : METHODS) {
        double[] s = scores.get(m);
        long[] ns = nanos.get(m);
        double thr = thresholds.get(m);
        BinaryMetrics at = BinaryMetrics.of(s, set.attack(), thr);
        BinaryMetrics oracle =
            BinaryMetrics.of(s, set.attack(), Curves.bestF1Threshold(s, set.attack()));
        long[] sorted = ns.clone();
        Arrays.sort(sorted);
        long sum = 0;
        for (long x : ns) {
          sum += x;
        }
        methods.add(
            new MethodResult(
                m,
                m.equals("svm") || m.equals("random_forest") ? "supervised" : "unsupervised",
                at,
                oracle,
                percentile(sorted, 0.50) / 1e3,
                percentile(sorted, 0.99) / 1e3,
                sum > 0 ? n * 1e9 / sum : Double.NaN,
                Curves.downsample(Curves.roc(s, set.attack()), o.curvePoints()),
                Curves.downsample(Curves.pr(s, set.attack()), o.curvePoints())));
      }
      String notes = "";
      Map<String, boolean[]> alerted = new LinkedHashMap<>(set.alerted());
      String combined = COMBINED;
      if (set.early() != null) {
        long te = System.nanoTime();
        double thr = thresholds.get("ensemble");
        EarlyPass early = set.early().apply(model);
        double[] s = Ensemble.score(model, early.rows(), early.entity(), null).fused();
        boolean[] otherwise = alertedBy(set.alerted(), scores.get("ensemble"), thr, n);
        notes = early.markdown(s, thr, set.attack(), otherwise);
        alerted.put(EarlyPass.NAME, early.alerted(s, thr, n));
        combined = COMBINED_EARLY;
        log.accept(
            seconds(
                t.getKey()
                    + ": read again with early windows, "
                    + early.closedEarly()
                    + " closed early",
                te));
      }
      if (!alerted.isEmpty()) {
        methods.addAll(
            streaming(
                alerted,
                set.attack(),
                scores.get("ensemble"),
                thresholds.get("ensemble"),
                combined,
                o.curvePoints()));
      }
      out.add(new TestSetResult(t.getKey(), n, attacks, methods, notes));
      log.accept(seconds(t.getKey() + ": " + n + " vectors scored by every method", ts));
    }
    return out;
  }

  /** The method that combines the ensemble with every streaming detector of a test set. */
  public static final String COMBINED = "ensemble+streaming";

  /** {@link #COMBINED} with the early windows of the set's second reading as well. */
  public static final String COMBINED_EARLY = "ensemble+streaming+early";

  /** Per row, whether the ensemble at its threshold or any of {@code alerted} flags it. */
  private static boolean[] alertedBy(
      Map<String, boolean[]> alerted, double[] ensemble, double threshold, int n) {
    boolean[] out = new boolean[n];
    for (int i = 0; i < n; i++) {
      out[i] = ensemble[i] >= threshold;
      for (boolean[] a : alerted.values()) {
        out[i] |= a[i];
      }
    }
    return out;
  }

  /**
   * The detectors that alert on their own ({@code alerted}: the streaming ones, early windows),
   * each alone, then all of them with the ensemble at its threshold (a row alerted by any), named
   * {@code combined}. Their scores are 0 or 1 (they alert or not); they have no per-vector latency
   * (the streaming ones run per packet: {@code vigil bench packets} measures them; an early window
   * is scored as any window).
   */
  private static List<MethodResult> streaming(
      Map<String, boolean[]> alerted,
      boolean[] attack,
      double[] ensemble,
      double ensembleThreshold,
      String combined,
      int curvePoints) {
    int n = attack.length;
    List<MethodResult> out = new ArrayList<>();
    for (var e : alerted.entrySet()) {
      double[] s = new double[n];
      for (int i = 0; i < n; i++) {
        s[i] = e.getValue()[i] ? 1 : 0;
      }
      String family = e.getKey().equals(EarlyPass.NAME) ? "early windows" : "streaming";
      out.add(binary(e.getKey(), family, s, attack, curvePoints));
    }
    boolean[] any = alertedBy(alerted, ensemble, ensembleThreshold, n);
    double[] s = new double[n];
    for (int i = 0; i < n; i++) {
      s[i] = any[i] ? 1 : 0;
    }
    out.add(binary(combined, "combined", s, attack, curvePoints));
    return out;
  }

  private static MethodResult binary(
      String name, String family, double[] s, boolean[] attack, int curvePoints) {
    BinaryMetrics at = BinaryMetrics.of(s, attack, 0.5);
    return new MethodResult(
        name,
        family,
        at,
        at,
        Double.NaN,
        Double.NaN,
        Double.NaN,
        Curves.downsample(Curves.roc(s, attack), curvePoints),
        Curves.downsample(Curves.pr(s, attack), curvePoints));
  }

  /**
   * The score that a share {@code p} of the normal validation scores exceed ({@link
   * TailQuantile#upper}); where scores are tied at it (discrete scores: a forest's vote, a binary
   * feature's z-score) so that more than {@code 2p} of them would be flagged, just above it.
   */
  static double threshold(double[] normal, double p) {
    double t = TailQuantile.upper(normal, p);
    long finite = Arrays.stream(normal).filter(Double::isFinite).count();
    long flagged = Arrays.stream(normal).filter(x -> x >= t).count();
    return flagged > 2 * p * finite ? Math.nextUp(t) : t;
  }

  private static String seconds(String what, long since) {
    return String.format(
        java.util.Locale.ROOT, "%s (%.1f s)", what, (System.nanoTime() - since) / 1e9);
  }

  private static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return sorted[i];
  }

  private static double[] scores(BaselineDetector b, List<float[]> rows, long[] nanos) {
    double[] s = new double[rows.size()];
    for (int i = 0; i < s.length; i++) {
      float[] x = rows.get(i);
      long a = System.nanoTime();
      s[i] = b.score(x);
      if (nanos != null) {
        nanos[i] = System.nanoTime() - a;
      }
    }
    return s;
  }

  /** The ensemble's float and int8 scores of one stream, with the float parts' raw scores. */
  private record Ensemble(double[][] raw, double[] fused, double[] fusedInt8) {
    static Ensemble score(
        DetectionModel model, List<float[]> rows, long[] entity, Map<String, long[]> nanos) {
      int n = rows.size();
      int entities = (int) Arrays.stream(entity).distinct().count();
      EnsembleScorer f = model.scorer(Precision.FLOAT, Math.max(16, 2 * entities));
      EnsembleScorer q = model.scorer(Precision.INT8, Math.max(16, 2 * entities));
      double[][] raw = new double[n][];
      double[] fused = new double[n];
      double[] fusedQ = new double[n];
      long[] nf = new long[n];
      long[] nq = new long[n];
      for (int i = 0; i < n; i++) {
        float[] x = rows.get(i);
        long a = System.nanoTime();
        fused[i] = f.score(entity[i], 0, i, x);
        long b = System.nanoTime();
        fusedQ[i] = q.score(entity[i], 0, i, x);
        long c = System.nanoTime();
        nf[i] = b - a;
        nq[i] = c - b;
        raw[i] =
            new double[] {
              f.lastReconstructionError(), f.lastPredictionError(), f.lastIsolationScore()
            };
      }
      if (nanos != null) {
        nanos.put("ensemble", nf);
        nanos.put("ensemble_int8", nq);
      }
      return new Ensemble(raw, fused, fusedQ);
    }

    Map<String, double[]> byMethod(Fusion aeLstm) {
      int n = fused.length;
      double[] ae = new double[n];
      double[] lstm = new double[n];
      double[] iso = new double[n];
      double[] al = new double[n];
      for (int i = 0; i < n; i++) {
        double[] r = raw[i];
        ae[i] = r[0];
        lstm[i] = r[1];
        iso[i] = r[2];
        al[i] =
            aeLstm.fuse(
                aeLstm.normalise(Component.RECONSTRUCTION, r[0]),
                Double.isNaN(r[1]) ? Double.NaN : aeLstm.normalise(Component.PREDICTION, r[1]),
                0);
      }
      Map<String, double[]> m = new LinkedHashMap<>();
      m.put("ae", ae);
      m.put("lstm", lstm);
      m.put("iforest", iso);
      m.put("ae_lstm", al);
      m.put("ensemble", fused);
      m.put("ensemble_int8", fusedInt8);
      return m;
    }
  }

  /** Times the ensemble's parts alone (float runtimes, scaling included), per vector. */
  private static final class Parts {
    static void time(
        DetectionModel m, List<float[]> rows, long[] entity, Map<String, long[]> nanos) {
      int n = rows.size();
      int d = m.schema().size();
      float[] scaled = new float[d];
      float[] out = new float[d];
      double[] dx = new double[d];
      long[] ae = new long[n];
      long[] lstm = new long[n];
      long[] iso = new long[n];
      long[] al = new long[n];
      var net = m.autoencoder().copy();
      var seq = m.lstm() == null ? null : m.lstm().copy();
      // one state and prediction per entity, as the scorer keeps them
      Map<Long, float[][]> states = new java.util.HashMap<>();
      for (long e : entity) {
        states.computeIfAbsent(
            e, k -> new float[][] {new float[seq == null ? 0 : seq.stateSize()], new float[d]});
      }
      double sink = 0;
      for (int i = 0; i < n; i++) {
        float[] x = rows.get(i);
        float[][] st = states.get(entity[i]); // looked up outside the timed part
        long a = System.nanoTime();
        m.scaler().transform(x, scaled);
        net.forward(scaled, out);
        sink += out[0];
        long b = System.nanoTime();
        m.scaler().transform(x, scaled);
        if (seq != null) {
          float[] state = st[0];
          float[] pred = st[1];
          float e = 0;
          for (int j = 0; j < d; j++) {
            float r = scaled[j] - pred[j];
            e += r * r;
          }
          sink += e;
          seq.step(state, 0, scaled, pred);
        }
        long c = System.nanoTime();
        if (m.forest() != null) {
          m.scaler().transform(x, scaled);
          for (int j = 0; j < d; j++) {
            dx[j] = scaled[j];
          }
          sink += m.forest().score(dx);
        }
        long e2 = System.nanoTime();
        ae[i] = b - a;
        lstm[i] = c - b;
        iso[i] = e2 - c;
        al[i] = c - a; // one scaling too many: a slight overestimate
      }
      if (sink == 42.4242) {
        System.out.print(""); // keeps the work alive
      }
      nanos.put("ae", ae);
      nanos.put("lstm", lstm);
      nanos.put("iforest", iso);
      nanos.put("ae_lstm", al);
    }
  }
}
