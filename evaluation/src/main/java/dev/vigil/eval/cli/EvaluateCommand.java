package dev.vigil.eval.cli;

import dev.vigil.eval.NslKddEvaluation;
import dev.vigil.eval.PcapEvaluation;
import dev.vigil.eval.TabularEvaluator;
import dev.vigil.eval.TestSetResult;
import dev.vigil.eval.TonIotEvaluation;
import dev.vigil.train.TrainingProgress;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vigil evaluate}: every method side by side on a public dataset. */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    description = {
      "Evaluate the ensemble, its parts and the baselines on a dataset folder: accuracy, precision,"
          + " recall, F1, ROC-AUC, PR-AUC, FPR, FNR, confusion counts, latency and throughput per"
          + " method, with thresholds from normal validation data only.",
      "Kinds: nsl-kdd (a folder with KDDTrain+.txt[.xz], KDDTest+.txt[.xz], KDDTest-21.txt[.xz]);"
          + " ton-iot (a folder of TON_IoT telemetry CSVs, one per device, with label columns);"
          + " pcap (a folder of packet captures with a labels.csv: file,label,device_type,"
          + "description; benign files and attack files whose description names the attacker's"
          + " IP, e.g. 'from 192.168.1.109'; host-window vectors through the capture path)."
          + " nab (a NAB-layout folder: data/, labels/): the telemetry path's three NAB scores, as"
          + " vigil nab gives them."
    })
final class EvaluateCommand implements Callable<Integer> {
  @Option(
      names = "--dataset",
      required = true,
      paramLabel = "KIND",
      description = "nsl-kdd, ton-iot, pcap or nab")
  String dataset;

  @Option(names = "--data", required = true, paramLabel = "DIR", description = "dataset folder")
  Path data;

  @Option(names = "--json", paramLabel = "FILE", description = "write the figures as JSON")
  Path json;

  @Option(
      names = "--write",
      paramLabel = "FILE",
      description =
          "rewrite this dataset's section of FILE (e.g. docs/RESULTS.md), PNG curves in its eval/")
  Path write;

  @Option(
      names = "--quick",
      description =
          "the reduced configuration CI runs: less learning data, fewer epochs, smaller baselines")
  boolean quick;

  @Option(names = "--seed", paramLabel = "N", description = "seed (default: ${DEFAULT-VALUE})")
  long seed = 42;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isDirectory(data)) {
      err.println("vigil evaluate: --data " + data + " is not a folder");
      return 2;
    }
    java.util.function.Consumer<String> log =
        line -> {
          o.println("[evaluate] " + line);
          o.flush();
        };
    dev.vigil.train.ModelTrainer.Listener training = TrainingProgress.console(o);
    try {
      long t0 = System.nanoTime();
      EvaluationReport report;
      switch (dataset) {
        case "nsl-kdd" -> {
          NslKddEvaluation.Limits limits = quick ? NslKddEvaluation.quickLimits() : null;
          TabularEvaluator.Data d = NslKddEvaluation.load(data, limits);
          TabularEvaluator.Options opt = NslKddEvaluation.options(quick, seed);
          List<TestSetResult> sets = TabularEvaluator.run(d, opt, log, training);
          String config = describe(opt, quick);
          report =
              new EvaluationReport(
                  dataset,
                  data,
                  NslKddEvaluation.split(limits),
                  config,
                  seed,
                  sets,
                  (System.nanoTime() - t0) / 1_000_000);
        }
        case "nab" -> {
          return nab(o, err);
        }
        case "ton-iot" -> {
          TabularEvaluator.Options opt = TonIotEvaluation.options(quick, seed);
          List<TestSetResult> sets = new java.util.ArrayList<>();
          for (TonIotEvaluation.Device dev : TonIotEvaluation.load(data)) {
            o.println("[evaluate] device " + dev.name());
            sets.addAll(TabularEvaluator.run(dev.data(), opt, log, training));
          }
          report =
              new EvaluationReport(
                  dataset,
                  data,
                  TonIotEvaluation.split(),
                  describe(opt, quick),
                  seed,
                  sets,
                  (System.nanoTime() - t0) / 1_000_000);
        }
        case "pcap" -> {
          PcapEvaluation.Loaded d = PcapEvaluation.load(data);
          o.println("[evaluate] split: " + d.split());
          TabularEvaluator.Options opt = PcapEvaluation.options(quick, seed);
          List<TestSetResult> sets = TabularEvaluator.run(d.data(), opt, log, training);
          report =
              new EvaluationReport(
                  dataset,
                  data,
                  d.split(),
                  describe(opt, quick),
                  seed,
                  sets,
                  (System.nanoTime() - t0) / 1_000_000,
                  notes(d.streaming(), sets));
        }
        default -> {
          err.println(
              "vigil evaluate: unknown --dataset '"
                  + dataset
                  + "' (expected nsl-kdd, ton-iot, pcap, nab)");
          return 2;
        }
      }
      print(o, report);
      if (json != null) {
        report.writeJson(json);
        o.println("wrote " + json);
      }
      if (write != null) {
        report.writeSection(write);
        o.println("wrote section " + report.section() + " of " + write);
      }
      o.flush();
      return 0;
    } catch (IOException | RuntimeException e) {
      err.println("vigil evaluate: " + e.getMessage());
      err.flush();
      return 1;
    }
  }

  /**
   * NAB through the telemetry path, as {@code vigil nab} runs it: its three scores, the nab section
   * of {@code --write} and, with {@code --json}, the scores as JSON.
   */
  private int nab(PrintWriter o, PrintWriter err) throws IOException {
    Path out = Files.createTempDirectory("vigil-evaluate-nab");
    try {
      NabCommand.Outcome r = NabCommand.run(data, out, null, false, o);
      var profiles = r.report().profiles();
      for (var p : dev.vigil.eval.nab.NabProfile.ALL) {
        o.printf(Locale.ROOT, "%s: %.1f%n", p.name(), profiles.get(p.name()).normalisedScore());
      }
      if (json != null) {
        var m = new com.fasterxml.jackson.databind.ObjectMapper();
        var root = m.createObjectNode();
        root.put("dataset", "nab");
        root.put(
            "split",
            "every file streamed in time order; learning only in its probationary first 15 %;"
                + " scored by NAB v1.1's rules");
        root.put("files", r.corpus().fileCount());
        root.put("windows", r.corpus().windowCount());
        var methods = root.putObject("methods").putObject("vigil");
        for (var p : dev.vigil.eval.nab.NabProfile.ALL) {
          var x = methods.putObject(p.name());
          x.put("score", profiles.get(p.name()).normalisedScore());
          x.put("threshold", profiles.get(p.name()).threshold());
        }
        root.put("seconds", r.millis() / 1e3);
        Path abs = json.toAbsolutePath();
        if (abs.getParent() != null) {
          Files.createDirectories(abs.getParent());
        }
        m.writerWithDefaultPrettyPrinter().writeValue(abs.toFile(), root);
        o.println("wrote " + json);
      }
      if (write != null) {
        NabResultsSection.write(write, r, null, false);
        o.println("wrote section nab of " + write);
      }
      o.flush();
      return 0;
    } finally {
      try (var files = Files.walk(out)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /** The loaded data's notes, then each test set's (the early windows' second reading). */
  private static String notes(String loaded, List<TestSetResult> sets) {
    StringBuilder b = new StringBuilder(loaded.strip());
    for (TestSetResult s : sets) {
      if (!s.notes().isBlank()) {
        b.append("\n\n").append(s.notes().strip());
      }
    }
    return b.toString();
  }

  private static String describe(TabularEvaluator.Options opt, boolean quick) {
    var t = opt.training();
    return String.format(
        Locale.ROOT,
        "%s; autoencoder %d-%d, LSTM %d units, Isolation Forest %d trees, up to %d epochs; SVM on"
            + " ≤ %,d rows; Random Forest %d trees; Random Cut Forest %d trees of %d",
        quick ? "quick (reduced)" : "full",
        t.autoencoder().hidden(),
        t.autoencoder().bottleneck(),
        t.lstm().units(),
        t.forest().trees(),
        t.autoencoder().maxEpochs(),
        opt.svmRows(),
        opt.forestTrees(),
        opt.rcfTrees(),
        opt.rcfSample());
  }

  private static void print(PrintWriter o, EvaluationReport r) {
    for (TestSetResult s : r.sets()) {
      o.printf(Locale.ROOT, "%s (%d vectors, %d attacks)%n", s.name(), s.rows(), s.attacks());
      for (var m : s.methods()) {
        var c = m.metrics().confusion();
        o.printf(
            Locale.ROOT,
            "  %-14s auc %.4f pr_auc %.4f acc %.4f prec %.3f rec %.3f f1 %.3f fpr %.4f p50 %.2f us"
                + " p99 %.2f us%n",
            m.name(),
            m.metrics().rocAuc(),
            m.metrics().prAuc(),
            c.accuracy(),
            c.precision(),
            c.recall(),
            c.f1(),
            c.fpr(),
            m.latencyP50Us(),
            m.latencyP99Us());
      }
    }
    o.print(r.goals());
  }
}
