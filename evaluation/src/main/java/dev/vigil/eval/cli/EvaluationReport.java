package dev.vigil.eval.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.eval.BinaryMetrics;
import dev.vigil.eval.Confusion;
import dev.vigil.eval.CurvePlot;
import dev.vigil.eval.MethodResult;
import dev.vigil.eval.TestSetResult;
import dev.vigil.eval.report.GitCommit;
import dev.vigil.eval.report.Machine;
import dev.vigil.eval.report.MarkedSection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes an evaluation's figures: JSON ({@code --json}), a marked section of {@code
 * docs/RESULTS.md} ({@code --write}) and ROC, PR and confusion PNGs beside it.
 *
 * @param dataset the dataset kind ({@code nsl-kdd}, ...)
 * @param data the folder read
 * @param split how the data was split, in words
 * @param config the configuration in words ({@code full} or {@code quick}, the models' sizes)
 * @param seed the seed
 * @param sets per test set, every method's figures
 * @param millis the whole run's time
 * @param notes Markdown paragraphs written after the tables (the pcap set's streaming detectors on
 *     every capture, its early windows), or empty
 */
record EvaluationReport(
    String dataset,
    Path data,
    String split,
    String config,
    long seed,
    List<TestSetResult> sets,
    long millis,
    String notes) {

  /** A report without notes. */
  EvaluationReport(
      String dataset,
      Path data,
      String split,
      String config,
      long seed,
      List<TestSetResult> sets,
      long millis) {
    this(dataset, data, split, config, seed, sets, millis, "");
  }

  /** The papers' detection latency: 35 ms per packet (the first); 75 ms per batch (the second). */
  static final double PAPER_LATENCY_US = 35_000;

  static final String PREAMBLE =
      "# Results\n\nEvaluation results, each section written by the command named in it; nothing in"
          + " this file is typed by hand.\n";

  /** The JSON the issue describes: the first test set's methods at the top, every set below. */
  ObjectNode json() {
    ObjectMapper m = new ObjectMapper();
    ObjectNode root = m.createObjectNode();
    root.put("dataset", dataset);
    root.put("split", split);
    root.put("config", config);
    root.put("seed", seed);
    if (!sets.isEmpty()) {
      root.put("test_set", sets.get(0).name());
      root.set("methods", methods(m, sets.get(0)));
    }
    ObjectNode all = root.putObject("test_sets");
    for (TestSetResult s : sets) {
      ObjectNode o = all.putObject(s.name());
      o.put("rows", s.rows());
      o.put("attacks", s.attacks());
      o.set("methods", methods(m, s));
    }
    if (!notes.isEmpty()) {
      root.put("notes", notes);
    }
    root.put("seconds", millis / 1e3);
    return root;
  }

  private static ObjectNode methods(ObjectMapper m, TestSetResult s) {
    ObjectNode out = m.createObjectNode();
    for (MethodResult r : s.methods()) {
      ObjectNode o = out.putObject(r.name());
      BinaryMetrics b = r.metrics();
      Confusion c = b.confusion();
      o.put("family", r.family());
      num(o, "roc_auc", b.rocAuc());
      num(o, "pr_auc", b.prAuc());
      num(o, "threshold", b.threshold());
      num(o, "accuracy", c.accuracy());
      num(o, "precision", c.precision());
      num(o, "recall", c.recall());
      num(o, "f1", c.f1());
      num(o, "fpr", c.fpr());
      num(o, "fnr", c.fnr());
      o.put("tp", c.tp());
      o.put("fp", c.fp());
      o.put("tn", c.tn());
      o.put("fn", c.fn());
      num(o, "latency_p50_us", r.latencyP50Us());
      num(o, "latency_p99_us", r.latencyP99Us());
      num(o, "throughput_per_s", r.throughputPerS());
      ObjectNode or = o.putObject("oracle_best_f1");
      num(or, "threshold", r.oracle().threshold());
      num(or, "accuracy", r.oracle().confusion().accuracy());
      num(or, "f1", r.oracle().confusion().f1());
      o.set("roc", curve(m, r.roc()));
      o.set("pr", curve(m, r.pr()));
    }
    return out;
  }

  private static ArrayNode curve(ObjectMapper m, double[][] c) {
    ArrayNode a = m.createArrayNode();
    for (int i = 0; i < c[0].length; i++) {
      ArrayNode p = a.addArray();
      p.add(round(c[0][i]));
      p.add(round(c[1][i]));
    }
    return a;
  }

  private static double round(double x) {
    return Math.round(x * 1e5) / 1e5;
  }

  private static void num(ObjectNode o, String k, double v) {
    if (Double.isFinite(v)) {
      o.put(k, v);
    } else {
      o.putNull(k);
    }
  }

  void writeJson(Path file) throws IOException {
    Path abs = file.toAbsolutePath();
    if (abs.getParent() != null) {
      Files.createDirectories(abs.getParent());
    }
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(abs.toFile(), json());
  }

  /** The section's name in {@code docs/RESULTS.md}. */
  String section() {
    return "eval-" + dataset;
  }

  /**
   * Writes the PNGs into {@code dir} (named {@code eval-<dataset>-<set>-{roc,pr,confusion}.png})
   * and returns their file names by set.
   */
  Map<String, List<String>> writePlots(Path dir) throws IOException {
    Files.createDirectories(dir);
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (TestSetResult s : sets) {
      String base = "eval-" + dataset + "-" + s.name().replaceAll("[^A-Za-z0-9]+", "_");
      Map<String, double[][]> roc = new LinkedHashMap<>();
      Map<String, double[][]> pr = new LinkedHashMap<>();
      Map<String, Confusion> cm = new LinkedHashMap<>();
      for (MethodResult r : s.methods()) {
        roc.put(r.name(), r.roc());
        pr.put(r.name(), r.pr());
        cm.put(r.name(), r.metrics().confusion());
      }
      String title = dataset + " " + s.name();
      CurvePlot.roc(dir.resolve(base + "-roc.png"), "ROC, " + title, roc);
      CurvePlot.pr(
          dir.resolve(base + "-pr.png"),
          "Precision-recall, " + title,
          pr,
          s.rows() == 0 ? 0 : (double) s.attacks() / s.rows());
      CurvePlot.confusion(
          dir.resolve(base + "-confusion.png"),
          "Confusion at the validation threshold, " + title,
          cm);
      out.put(s.name(), List.of(base + "-roc.png", base + "-pr.png", base + "-confusion.png"));
    }
    return out;
  }

  /** {@code v} in {@code format}, or "–" where it is not a number (not measured). */
  private static String orDash(String format, double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, format, v) : "–";
  }

  /** Rewrites this dataset's section of {@code file}, with PNGs in {@code file}'s folder/eval. */
  void writeSection(Path file) throws IOException {
    Path abs = file.toAbsolutePath().normalize();
    Path docDir = abs.getParent();
    Map<String, List<String>> plots = writePlots(docDir.resolve("eval"));
    var commit = GitCommit.of(docDir, abs);
    String date =
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC)
            .format(Instant.now());
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "## %s (`vigil evaluate --dataset %s --data DIR --write docs/RESULTS.md`)\n\n",
            dataset,
            dataset));
    b.append("Split: ").append(split).append(". Configuration: ").append(config);
    b.append(String.format(Locale.ROOT, ". Seed %d; %.0f s in all.\n\n", seed, millis / 1e3));
    b.append(
        "Every threshold comes from held-out normal data only (1 % of it above the threshold);"
            + " `oracle F1` is the best F1 over all thresholds on the test labels, shown beside and"
            + " used for nothing. Supervised baselines were trained with labels. Latency: one"
            + " vector scored on one thread (the ensembles: the whole fused score; the parts: their"
            + " float runtimes alone).\n");
    for (TestSetResult s : sets) {
      b.append(
          String.format(
              Locale.ROOT,
              "\n### %s: %,d vectors, %,d attacks (%.1f %%)\n\n",
              s.name(),
              s.rows(),
              s.attacks(),
              100.0 * s.attacks() / Math.max(1, s.rows())));
      b.append(
          "| method | family | ROC-AUC | PR-AUC | accuracy | precision | recall | F1 | FPR | FNR |"
              + " TP / FP / TN / FN | p50 µs | p99 µs | vectors/s | oracle F1 |\n");
      b.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
      for (MethodResult r : s.methods()) {
        BinaryMetrics m = r.metrics();
        Confusion c = m.confusion();
        b.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %.4f | %.4f | %.2f %% | %.3f | %.3f | %.3f | %.2f %% | %.2f %% |"
                    + " %d / %d / %d / %d | %s | %s | %s | %.3f |\n",
                r.name(),
                r.family(),
                m.rocAuc(),
                m.prAuc(),
                100 * c.accuracy(),
                c.precision(),
                c.recall(),
                c.f1(),
                100 * c.fpr(),
                100 * c.fnr(),
                c.tp(),
                c.fp(),
                c.tn(),
                c.fn(),
                orDash("%.2f", r.latencyP50Us()),
                orDash("%.2f", r.latencyP99Us()),
                orDash("%,.0f", r.throughputPerS()),
                r.oracle().confusion().f1()));
      }
      List<String> png = plots.get(s.name());
      b.append("\n");
      for (String p : png) {
        b.append("![").append(p).append("](eval/").append(p).append(") ");
      }
      b.append("\n");
    }
    if (!notes.isEmpty()) {
      b.append("\n").append(notes.strip()).append("\n");
    }
    b.append(goals());
    b.append(
        String.format(
            Locale.ROOT,
            "\nMachine: %s. Date: %s UTC. Commit: %s.\n",
            Machine.current().describe(),
            date,
            commit.map(c -> "`" + c + "`").orElse("unknown")));
    MarkedSection.rewrite(abs, section(), PREAMBLE, previous -> b.toString());
  }

  /** The goals, checked against the first test set. */
  String goals() {
    if (sets.isEmpty()) {
      return "";
    }
    TestSetResult s = sets.get(0);
    StringBuilder b = new StringBuilder("\nGoals (on ").append(s.name()).append("):\n\n");
    var ens = s.method("ensemble");
    var q = s.method("ensemble_int8");
    if (ens.isPresent() && dataset.equals("nsl-kdd")) {
      double auc = ens.get().metrics().rocAuc();
      double acc = ens.get().metrics().confusion().accuracy();
      b.append(
          String.format(
              Locale.ROOT,
              "- ensemble ROC-AUC ≥ 0.97: %s (%.4f); accuracy ≥ 92 %% at the calibrated"
                  + " threshold: %s (%.2f %%)\n",
              auc >= 0.97 ? "met" : "**not met**",
              auc,
              acc >= 0.92 ? "met" : "**not met**",
              100 * acc));
    }
    if (ens.isPresent() && q.isPresent()) {
      double worst = 0;
      for (TestSetResult t : sets) {
        double d =
            Math.abs(
                t.method("ensemble").get().metrics().rocAuc()
                    - t.method("ensemble_int8").get().metrics().rocAuc());
        worst = Math.max(worst, d);
      }
      b.append(
          String.format(
              Locale.ROOT,
              "- int8 ensemble within 0.005 ROC-AUC of float on every test set: %s (largest"
                  + " difference %.4f)\n",
              worst <= 0.005 ? "met" : "**not met**",
              worst));
      double p99 = Math.max(ens.get().latencyP99Us(), q.get().latencyP99Us());
      double p50 = Math.max(ens.get().latencyP50Us(), q.get().latencyP50Us());
      b.append(
          String.format(
              Locale.ROOT,
              "- latency per vector ≥ 1000× below the papers' 35 ms: %s (p50 %.2f µs, %,.0f× below;"
                  + " p99 %.2f µs, %,.0f× below)\n",
              PAPER_LATENCY_US / p50 >= 1000 ? "met" : "**not met**",
              p50,
              PAPER_LATENCY_US / p50,
              p99,
              PAPER_LATENCY_US / p99));
    }
    return b.toString();
  }
}
