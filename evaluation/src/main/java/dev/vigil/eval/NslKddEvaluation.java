package dev.vigil.eval;

import dev.vigil.detect.fusion.Fusion;
import dev.vigil.detect.scale.FeatureScaler;
import dev.vigil.eval.data.NslKdd;
import dev.vigil.features.FeatureSchema;
import dev.vigil.train.ModelTrainer;
import dev.vigil.train.forest.ForestParams;
import dev.vigil.train.nn.AutoencoderTrainer;
import dev.vigil.train.nn.LstmTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * NSL-KDD as the evaluation reads it from a folder laid out like {@code shared/datasets/nsl-kdd}
 * ({@code KDDTrain+.txt[.xz]}, {@code KDDTest+.txt[.xz]}, optionally {@code KDDTest-21.txt[.xz]}).
 *
 * <p>Split: the unsupervised methods learn from the normal records of KDDTrain+ except the last
 * {@link #VALIDATION_SHARE} of them (in file order), which are held out for every method's
 * threshold; the supervised baselines learn from all KDDTrain+ records except those held out. The
 * encoder (one-hot categories, log-scaled numeric ranges) is fitted on the learning normal records
 * only. Test: KDDTest+ and KDDTest-21 as they are, attack types absent from training included.
 * Records are one stream in file order (NSL-KDD has no entity and no time).
 */
public final class NslKddEvaluation {
  /** Share of KDDTrain+'s normal records held out for the thresholds. */
  public static final double VALIDATION_SHARE = 0.2;

  /**
   * The reduced configuration's limits.
   *
   * @param learnNormal most normal records learned from (the first ones in file order)
   * @param validationNormal most held-out normal records
   * @param supervisedRows most labelled records for the supervised baselines (an even stride)
   */
  public record Limits(int learnNormal, int validationNormal, int supervisedRows) {}

  private NslKddEvaluation() {}

  /** The split described in the class comment, as one line. */
  public static String split(Limits l) {
    return "learn: KDDTrain+ normal records"
        + (l == null ? "" : " (first " + l.learnNormal() + ")")
        + "; thresholds: the last 20 % of KDDTrain+ normal records"
        + (l == null ? "" : " (at most " + l.validationNormal() + ")")
        + "; supervised baselines: KDDTrain+ without those"
        + (l == null ? "" : " (every k-th, at most " + l.supervisedRows() + ")")
        + "; test: KDDTest+, KDDTest-21 (all records)";
  }

  /** Reads the folder; {@code limits} reduces the learning data (null: all of it). */
  public static TabularEvaluator.Data load(Path dir, Limits limits) throws IOException {
    List<NslKdd.Record> train = NslKdd.read(file(dir, "KDDTrain+"));
    List<NslKdd.Record> normal = train.stream().filter(r -> !r.attack()).toList();
    int cut = (int) Math.round(normal.size() * (1 - VALIDATION_SHARE));
    List<NslKdd.Record> learn = normal.subList(0, cut);
    List<NslKdd.Record> held = normal.subList(cut, normal.size());
    if (limits != null) {
      learn = learn.subList(0, Math.min(learn.size(), limits.learnNormal()));
      held = held.subList(0, Math.min(held.size(), limits.validationNormal()));
    }
    NslKdd.Encoder enc = NslKdd.Encoder.fit(learn);
    List<String> names = new ArrayList<>();
    for (int j = 0; j < enc.size(); j++) {
      names.add("x" + j);
    }
    FeatureSchema schema =
        new FeatureSchema("vigil.eval.nsl-kdd", names, Collections.nCopies(enc.size(), "1"));
    java.util.Set<NslKdd.Record> heldSet =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    heldSet.addAll(normal.subList(cut, normal.size()));
    List<NslKdd.Record> labelled = train.stream().filter(r -> !heldSet.contains(r)).toList();
    int stride =
        limits == null ? 1 : Math.max(1, -Math.floorDiv(-labelled.size(), limits.supervisedRows()));
    List<float[]> sx = new ArrayList<>();
    List<Boolean> sy = new ArrayList<>();
    for (int i = 0; i < labelled.size(); i += stride) {
      sx.add(enc.encode(labelled.get(i)));
      sy.add(labelled.get(i).attack());
    }
    Map<String, TabularEvaluator.TestSet> tests = new LinkedHashMap<>();
    for (String name : List.of("KDDTest+", "KDDTest-21")) {
      Path f = fileOrNull(dir, name);
      if (f == null) {
        continue;
      }
      List<NslKdd.Record> t = NslKdd.read(f);
      tests.put(name, set(enc, t));
    }
    if (tests.isEmpty()) {
      throw new IOException(dir + " has no KDDTest+.txt[.xz]");
    }
    boolean[] y = new boolean[sy.size()];
    for (int i = 0; i < y.length; i++) {
      y[i] = sy.get(i);
    }
    return new TabularEvaluator.Data(
        schema,
        learn.stream().map(enc::encode).toList(),
        held.stream().map(enc::encode).toList(),
        new TabularEvaluator.TestSet(sx, y),
        tests);
  }

  private static TabularEvaluator.TestSet set(NslKdd.Encoder enc, List<NslKdd.Record> t) {
    boolean[] a = new boolean[t.size()];
    List<float[]> rows = new ArrayList<>(t.size());
    for (int i = 0; i < a.length; i++) {
      rows.add(enc.encode(t.get(i)));
      a[i] = t.get(i).attack();
    }
    return new TabularEvaluator.TestSet(rows, a);
  }

  private static Path file(Path dir, String name) throws IOException {
    Path p = fileOrNull(dir, name);
    if (p == null) {
      throw new IOException(dir + " has no " + name + ".txt or " + name + ".txt.xz");
    }
    return p;
  }

  private static Path fileOrNull(Path dir, String name) {
    for (String ext : List.of(".txt.xz", ".txt")) {
      Path p = dir.resolve(name + ext);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }

  /**
   * Settings: the full run, or the reduced one CI runs ({@code quick}: fewer epochs, a smaller SVM
   * and forests).
   */
  public static TabularEvaluator.Options options(boolean quick, long seed) {
    int epochs = quick ? 4 : 30;
    ModelTrainer.Config training =
        new ModelTrainer.Config(
            // records are already log-scaled and in [0, 1]
            new FeatureScaler.Options(FeatureScaler.Kind.MINMAX, false, 1.0),
            new AutoencoderTrainer.Config(64, 16, epochs, 64, 1e-3, 0.1, 5, seed),
            new LstmTrainer.Config(32, 1, 16, epochs, 64, 1e-3, 0.1, 5, seed),
            new ForestParams(100, 256, seed, 0.995, 1),
            Fusion.DEFAULT_WEIGHTS,
            0.01,
            0.2,
            0.05);
    return new TabularEvaluator.Options(
        training, 0.01, seed, quick ? 2000 : 8000, quick ? 50 : 100, quick ? 50 : 100, 256, 200);
  }

  /** The reduced configuration's data limits. */
  public static Limits quickLimits() {
    return new Limits(12_000, 3_000, 20_000);
  }
}
