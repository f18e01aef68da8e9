package dev.vigil.eval.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tukaani.xz.XZInputStream;

/**
 * Reads NSL-KDD files (KDDTrain+, KDDTest+, KDDTest-21: 41 features, label, difficulty; no header)
 * and encodes records as vectors: the three symbolic fields one-hot over the categories seen in
 * normal training data (an unseen category encodes as all zeros), the 38 numeric fields as {@code
 * log1p} (they are heavy-tailed: src_bytes reaches 1e9) then min-max scaled over the normal
 * training data. Not clipped: a value beyond the normal range is what an anomaly detector should
 * see, and the model's own {@code FeatureScaler} clips to {@code [-clip, 1 + clip]} (an earlier
 * version clipped to [0, 1] here, which hid every out-of-range magnitude from the models).
 */
public final class NslKdd {
  /** Column indices of the symbolic fields. */
  private static final int[] SYMBOLIC = {1, 2, 3};

  /**
   * One record.
   *
   * @param fields the 41 feature fields as text
   * @param label {@code normal} or the attack name
   * @param difficulty the data set's difficulty level
   */
  public record Record(String[] fields, String label, int difficulty) {
    /** Returns whether the record is an attack. */
    public boolean attack() {
      return !"normal".equals(label);
    }
  }

  private NslKdd() {}

  /** Reads a file, decompressing {@code .xz}; every line must have 43 fields. */
  public static List<Record> read(Path file) throws IOException {
    List<Record> out = new ArrayList<>();
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = file.toString().endsWith(".xz") ? new XZInputStream(raw) : raw;
        BufferedReader r =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        String[] f = line.split(",", -1);
        if (f.length != 43) {
          throw new IOException(file + " line " + n + ": " + f.length + " fields, expected 43");
        }
        String[] features = new String[41];
        System.arraycopy(f, 0, features, 0, 41);
        try {
          out.add(new Record(features, f[41], Integer.parseInt(f[42].trim())));
        } catch (NumberFormatException e) {
          throw new IOException(
              file + " line " + n + ": difficulty '" + f[42] + "' is not a number", e);
        }
      }
    }
    return out;
  }

  /** Encodes records as vectors; fitted on normal training records. Immutable and thread-safe. */
  public static final class Encoder {
    private final List<Map<String, Integer>> vocab;
    private final int[] numeric;
    private final double[] min;
    private final double[] max;
    private final int size;

    private Encoder(List<Map<String, Integer>> vocab, int[] numeric, double[] min, double[] max) {
      this.vocab = vocab;
      this.numeric = numeric;
      this.min = min;
      this.max = max;
      int s = numeric.length;
      for (Map<String, Integer> v : vocab) {
        s += v.size();
      }
      this.size = s;
    }

    /** Fits categories and numeric ranges on {@code normal} records. */
    public static Encoder fit(List<Record> normal) {
      if (normal.isEmpty()) {
        throw new IllegalArgumentException("no records to fit on");
      }
      List<Map<String, Integer>> vocab = new ArrayList<>();
      for (int c : SYMBOLIC) {
        Map<String, Integer> v = new LinkedHashMap<>();
        for (Record r : normal) {
          v.putIfAbsent(r.fields()[c], v.size());
        }
        vocab.add(v);
      }
      int[] numeric = new int[41 - SYMBOLIC.length];
      for (int c = 0, k = 0; c < 41; c++) {
        if (c != 1 && c != 2 && c != 3) {
          numeric[k++] = c;
        }
      }
      double[] min = new double[numeric.length];
      double[] max = new double[numeric.length];
      java.util.Arrays.fill(min, Double.POSITIVE_INFINITY);
      java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
      for (Record r : normal) {
        for (int k = 0; k < numeric.length; k++) {
          double v = value(r, numeric[k]);
          min[k] = Math.min(min[k], v);
          max[k] = Math.max(max[k], v);
        }
      }
      return new Encoder(vocab, numeric, min, max);
    }

    /** Returns the vector length. */
    public int size() {
      return size;
    }

    /** Encodes {@code r}. */
    public float[] encode(Record r) {
      float[] x = new float[size];
      int p = 0;
      for (int k = 0; k < numeric.length; k++) {
        double range = max[k] - min[k];
        double v = range > 0 ? (value(r, numeric[k]) - min[k]) / range : 0;
        x[p++] = (float) v; // not clipped: see the class comment
      }
      for (int s = 0; s < SYMBOLIC.length; s++) {
        Integer i = vocab.get(s).get(r.fields()[SYMBOLIC[s]]);
        if (i != null) {
          x[p + i] = 1f;
        }
        p += vocab.get(s).size();
      }
      return x;
    }

    private static double value(Record r, int column) {
      return Math.log1p(Math.max(0, Double.parseDouble(r.fields()[column])));
    }
  }
}
