package dev.vigil.eval;

import dev.vigil.detect.fusion.Fusion;
import dev.vigil.detect.scale.FeatureScaler;
import dev.vigil.features.FeatureSchema;
import dev.vigil.features.telemetry.replay.CsvSeries;
import dev.vigil.train.ModelTrainer;
import dev.vigil.train.forest.ForestParams;
import dev.vigil.train.nn.AutoencoderTrainer;
import dev.vigil.train.nn.LstmTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * TON_IoT telemetry as the evaluation reads it from a folder laid out like {@code
 * shared/datasets/ton_iot_sample}: one CSV per device ({@code .csv}, {@code .csv.xz} or {@code
 * .csv.gz}; columns {@code date,time,<fields...>,label,type}, read by {@link CsvSeries}), each
 * evaluated on its own with a model of its own, as the daemon keeps one per series.
 *
 * <p>Per device, rows in time order; a vector per row: each field's value and its change since the
 * previous row (a missing value repeats the previous one). Split, in time order within each class:
 * the unsupervised methods learn from the first 60 % of the normal rows; the next 20 % set every
 * method's threshold; the test set is the last 20 % of the normal rows and the last half of the
 * attack rows, in time order. The supervised baselines learn from the learning normal rows and the
 * first half of the attack rows. In these files the attacks come in segments by type after the
 * normal period, so the test set holds the later attack types: reported as they are.
 */
public final class TonIotEvaluation {
  private TonIotEvaluation() {}

  /** The split in words. */
  public static String split() {
    return "per device file, rows in time order; learn: first 60 % of normal rows; thresholds:"
        + " next 20 %; test: last 20 % of normal rows and last half of attack rows; supervised"
        + " baselines: learning normal rows and first half of attack rows";
  }

  /** One device's data. */
  public record Device(String name, TabularEvaluator.Data data) {}

  /** Reads every device file of {@code dir}, sorted by name. */
  public static List<Device> load(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files =
          s.filter(
                  p -> {
                    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                    return n.endsWith(".csv") || n.endsWith(".csv.xz") || n.endsWith(".csv.gz");
                  })
              .sorted()
              .toList();
    }
    if (files.isEmpty()) {
      throw new IOException(dir + " has no .csv, .csv.xz or .csv.gz files");
    }
    List<Device> out = new ArrayList<>();
    for (Path f : files) {
      out.add(device(f));
    }
    return out;
  }

  /** Reads one device file. */
  public static Device device(Path file) throws IOException {
    CsvSeries s = CsvSeries.read(file, new CsvSeries.Options(Set.of("type"), ZoneId.of("UTC"), 20));
    int label = s.fields().indexOf("label");
    if (label < 0) {
      throw new IOException(file + ": no label column");
    }
    List<String> fields = new ArrayList<>(s.fields());
    fields.remove(label);
    int f = fields.size();
    List<String> names = new ArrayList<>();
    List<String> units = new ArrayList<>();
    for (String n : fields) {
      names.add(n);
      units.add("1");
    }
    for (String n : fields) {
      names.add("d_" + n);
      units.add("1");
    }
    String device = CsvSeries.deviceName(file);
    FeatureSchema schema = new FeatureSchema("vigil.eval.ton-iot." + device, names, units);

    List<float[]> normal = new ArrayList<>();
    List<float[]> attack = new ArrayList<>();
    List<Boolean> order = new ArrayList<>(); // class of each row, in time order
    double[] last = new double[f];
    boolean first = true;
    for (CsvSeries.Row r : s.rows()) {
      double lab = r.values()[label];
      if (Double.isNaN(lab) || (lab != 0 && lab != 1)) {
        throw new IOException(file + " line " + r.line() + ": label must be 0 or 1");
      }
      float[] x = new float[2 * f];
      for (int j = 0, k = 0; j < r.values().length; j++) {
        if (j == label) {
          continue;
        }
        double v = r.values()[j];
        if (Double.isNaN(v)) {
          v = first ? 0 : last[k];
        }
        x[k] = (float) v;
        x[f + k] = first ? 0f : (float) (v - last[k]);
        last[k] = v;
        k++;
      }
      first = false;
      (lab == 1 ? attack : normal).add(x);
      order.add(lab == 1);
    }
    if (normal.size() < 100 || attack.size() < 2) {
      throw new IOException(
          file
              + ": needs at least 100 normal and 2 attack rows, has "
              + normal.size()
              + " and "
              + attack.size());
    }
    int learnEnd = (int) (normal.size() * 0.6);
    int valEnd = (int) (normal.size() * 0.8);
    int attackCut = attack.size() / 2;
    // the test set in time order: walk the rows, keeping the test normal and test attack rows
    List<float[]> testRows = new ArrayList<>();
    List<Boolean> testLabels = new ArrayList<>();
    int ni = 0;
    int ai = 0;
    for (boolean isAttack : order) {
      if (isAttack) {
        if (ai >= attackCut) {
          testRows.add(attack.get(ai));
          testLabels.add(true);
        }
        ai++;
      } else {
        if (ni >= valEnd) {
          testRows.add(normal.get(ni));
          testLabels.add(false);
        }
        ni++;
      }
    }
    List<float[]> sx = new ArrayList<>(normal.subList(0, learnEnd));
    sx.addAll(attack.subList(0, attackCut));
    boolean[] sy = new boolean[sx.size()];
    for (int i = learnEnd; i < sy.length; i++) {
      sy[i] = true;
    }
    boolean[] ty = new boolean[testLabels.size()];
    for (int i = 0; i < ty.length; i++) {
      ty[i] = testLabels.get(i);
    }
    Map<String, TabularEvaluator.TestSet> tests = new LinkedHashMap<>();
    tests.put(device, new TabularEvaluator.TestSet(testRows, ty));
    return new Device(
        device,
        new TabularEvaluator.Data(
            schema,
            normal.subList(0, learnEnd),
            normal.subList(learnEnd, valEnd),
            new TabularEvaluator.TestSet(sx, sy),
            tests));
  }

  /** Settings: telemetry-sized networks; {@code quick} trains fewer epochs. */
  public static TabularEvaluator.Options options(boolean quick, long seed) {
    int epochs = quick ? 4 : 30;
    ModelTrainer.Config training =
        new ModelTrainer.Config(
            new FeatureScaler.Options(FeatureScaler.Kind.MINMAX, false, 1.0),
            new AutoencoderTrainer.Config(16, 4, epochs, 64, 1e-3, 0.1, 5, seed),
            new LstmTrainer.Config(16, 1, 16, epochs, 64, 1e-3, 0.1, 5, seed),
            new ForestParams(100, 256, seed, 0.995, 1),
            Fusion.DEFAULT_WEIGHTS,
            0.01,
            0.2,
            0.05);
    return new TabularEvaluator.Options(
        training, 0.01, seed, quick ? 2000 : 5000, quick ? 50 : 100, quick ? 50 : 100, 256, 200);
  }
}
