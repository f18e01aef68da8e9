package dev.vigil.eval.baseline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.eval.data.NslKdd;
import dev.vigil.testsupport.SharedData;
import dev.vigil.train.Roc;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The four baselines on NSL-KDD: fitted on (subsamples of) KDDTrain+, scored on all of KDDTest+,
 * ROC-AUC printed and held to floors set below what was measured. The unsupervised ones (z-score,
 * RCF) see normal training records only; the supervised ones (SVM, Random Forest) see labels.
 * Records are encoded by the encoder fitted on the normal training records.
 */
class NslKddBaselinesTest {
  private static final long SEED = 42;

  /** Rows for the Random Forest (stratified subsample): about 3 to 7 s to fit on 2 cores. */
  private static final int RF_ROWS = 20_000;

  /** Rows for the kernel SVM (it subsamples, stratified): under 1 s to fit. */
  private static final int SVM_ROWS = 10_000;

  @Test
  @Tag("shared-data")
  void baselinesOnKddTestPlus() throws Exception {
    List<NslKdd.Record> train = NslKdd.read(SharedData.file("nsl-kdd/KDDTrain+.txt.xz"));
    List<NslKdd.Record> test = NslKdd.read(SharedData.file("nsl-kdd/KDDTest+.txt.xz"));
    NslKdd.Encoder enc = NslKdd.Encoder.fit(train.stream().filter(r -> !r.attack()).toList());

    List<float[]> trainX = new ArrayList<>(train.size());
    boolean[] trainY = new boolean[train.size()];
    List<float[]> normal = new ArrayList<>();
    for (int i = 0; i < train.size(); i++) {
      float[] x = enc.encode(train.get(i));
      trainX.add(x);
      trainY[i] = train.get(i).attack();
      if (!trainY[i]) {
        normal.add(x);
      }
    }
    // the Random Forest trains on a stratified subsample; the SVM subsamples by itself
    int[] rfRows = Subsample.stratified(trainY, RF_ROWS, SEED);
    List<float[]> rfX = new ArrayList<>();
    boolean[] rfY = new boolean[rfRows.length];
    for (int i = 0; i < rfRows.length; i++) {
      rfX.add(trainX.get(rfRows[i]));
      rfY[i] = trainY[rfRows[i]];
    }

    List<float[]> testX = test.stream().map(enc::encode).toList();
    boolean[] testY = new boolean[test.size()];
    for (int i = 0; i < testY.length; i++) {
      testY[i] = test.get(i).attack();
    }
    System.out.printf(
        "NSL-KDD baselines: %d train rows (%d normal), %d test rows, %d features%n",
        trainX.size(), normal.size(), testX.size(), enc.size());

    double zscore = run("zscore", () -> ZScoreBaseline.fit(normal), normal.size(), testX, testY);
    double rcf =
        run("rcf", () -> RcfBaseline.fit(normal, 100, 256, SEED), normal.size(), testX, testY);
    double svm =
        run("svm", () -> SvmBaseline.fit(trainX, trainY, SVM_ROWS, SEED), SVM_ROWS, testX, testY);
    double rf =
        run(
            "random_forest",
            () -> RandomForestBaseline.fit(rfX, rfY, 100, SEED),
            rfX.size(),
            testX,
            testY);

    // Measured (seed 42, Smile 3.1.1, RCF 4.2.0): z-score 0.940, RCF 0.961, SVM 0.816, Random
    // Forest 0.958. The SVM is sensitive to σ on KDDTest+ (0.92 at a quarter of the median
    // distance, 0.80 to 0.85 from half to twice it); it keeps the documented median heuristic.
    assertThat(rf).as("random forest AUC").isGreaterThan(0.93);
    assertThat(svm).as("svm AUC").isGreaterThan(0.80);
    assertThat(zscore).as("z-score AUC").isGreaterThan(0.90);
    assertThat(rcf).as("rcf AUC").isGreaterThan(0.93);
  }

  private static double run(
      String name, Supplier<BaselineDetector> fit, int rows, List<float[]> x, boolean[] y) {
    long t0 = System.nanoTime();
    BaselineDetector b = fit.get();
    long t1 = System.nanoTime();
    double[] s = new double[x.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = b.score(x.get(i));
    }
    long t2 = System.nanoTime();
    double auc = Roc.auc(s, y);
    String extra =
        b instanceof SvmBaseline v
            ? String.format(", sigma %.3f, %d support vectors", v.sigma(), v.supportVectors())
            : "";
    System.out.printf(
        "  %-13s AUC %.4f  fit %6.2f s on %d rows, score %6.2f s for %d rows (%.1f µs/row)%s%n",
        name,
        auc,
        (t1 - t0) / 1e9,
        rows,
        (t2 - t1) / 1e9,
        s.length,
        (t2 - t1) / 1e3 / s.length,
        extra);
    assertThat(b.name()).isEqualTo(name);
    return auc;
  }
}
