package dev.vigil.eval.cli;

import dev.vigil.eval.nab.NabCorpus;
import dev.vigil.eval.nab.NabProfile;
import dev.vigil.eval.nab.NabProfileReport;
import dev.vigil.eval.nab.NabReport;
import dev.vigil.eval.nab.NabResults;
import dev.vigil.eval.nab.NabRunner;
import dev.vigil.eval.nab.NabScorer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vigil nab}: the Numenta Anomaly Benchmark through the telemetry detector. */
@Command(
    name = "nab",
    mixinStandardHelpOptions = true,
    description = {
      "Stream every series of a NAB-layout folder (data/, labels/) through the telemetry detector in"
          + " time order, the ensemble learning in each file's probationary period and the level"
          + " continually after it, and write NAB results files under"
          + " OUT/vigil/<category>/vigil_<file>.csv (and OUT/vigil_probation_only/..., the level"
          + " fixed at the end of probation, for comparison)."
    })
final class NabCommand implements Callable<Integer> {
  @Option(names = "--data", required = true, paramLabel = "DIR", description = "NAB-layout folder")
  Path data;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "results folder")
  Path out;

  @Option(
      names = "--only",
      paramLabel = "TEXT",
      description = "only files whose path contains TEXT (e.g. realKnownCause)")
  String only;

  @Option(names = "--denoise", description = "Haar-denoise each series before scoring")
  boolean denoise;

  @Option(
      names = "--write",
      paramLabel = "FILE",
      description =
          "rewrite the nab section of FILE (e.g. docs/RESULTS.md) with the three NAB scores")
  Path write;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter o = spec.commandLine().getOut();
    try {
      Outcome res = run(data, out, only, denoise, o);
      NabReport report = res.report();
      if (res.probationOnly() != null) {
        NabReport f = res.probationOnly();
        o.printf(
            java.util.Locale.ROOT,
            "probation only: nab_standard=%.1f nab_low_fp=%.1f nab_low_fn=%.1f%n",
            f.profiles().get("standard").normalisedScore(),
            f.profiles().get("reward_low_FP_rate").normalisedScore(),
            f.profiles().get("reward_low_FN_rate").normalisedScore());
      }
      NabCorpus corpus = res.corpus();
      long millis = res.millis();
      for (NabProfile p : NabProfile.ALL) {
        NabProfileReport pr = report.profiles().get(p.name());
        o.printf(
            java.util.Locale.ROOT,
            "%s: %.1f (threshold %.4f, raw %.2f)%n",
            p.name(),
            pr.normalisedScore(),
            pr.threshold(),
            pr.rawScore());
      }
      o.printf(
          java.util.Locale.ROOT,
          "nab_standard=%.1f nab_low_fp=%.1f nab_low_fn=%.1f files=%d%n",
          report.profiles().get("standard").normalisedScore(),
          report.profiles().get("reward_low_FP_rate").normalisedScore(),
          report.profiles().get("reward_low_FN_rate").normalisedScore(),
          corpus.fileCount());
      if (write != null) {
        NabResultsSection.write(write, res, only, denoise);
        spec.commandLine().getErr().println("vigil nab: wrote section nab of " + write);
      }
      return 0;
    } catch (IOException | RuntimeException e) {
      spec.commandLine().getErr().println("vigil nab: " + e.getMessage());
      return 66;
    }
  }

  /**
   * What a NAB run gives.
   *
   * @param report the three profiles' scores
   * @param corpus the files run
   * @param millis time to train and score them
   * @param probationOnly the same run with {@code SeriesSurprise}'s level fixed at the end of
   *     probation (no continual learning), or null when the run itself learned only in probation
   */
  record Outcome(NabReport report, NabCorpus corpus, long millis, NabReport probationOnly) {}

  /**
   * Runs NAB's files of {@code data} (those matching {@code only}) into {@code out}, and scores
   * them.
   */
  static Outcome run(Path data, Path out, String only, boolean denoise, PrintWriter o)
      throws IOException {
    NabRunner.Config d = NabRunner.Config.defaults();
    List<NabRunner.FileResult> r =
        NabRunner.run(
            data,
            out,
            new NabRunner.Config(d.training(), d.precision(), denoise, d.surprise(), 0),
            only,
            o);
    o.printf("wrote %d results files under %s%n", r.size(), out.resolve("vigil"));
    NabCorpus all = NabCorpus.load(data);
    java.util.Set<String> ran = new java.util.HashSet<>();
    r.forEach(x -> ran.add(x.file()));
    NabCorpus corpus =
        new NabCorpus(all.files().stream().filter(f -> ran.contains(f.name())).toList());
    NabResults results = NabResults.load(out, NabRunner.DETECTOR, corpus);
    NabReport report = NabScorer.score(corpus, results.asMap());
    NabReport fixed = null;
    if (d.surprise().continual().enabled()) {
      fixed =
          NabScorer.score(corpus, NabResults.load(out, NabRunner.PROBATION_ONLY, corpus).asMap());
    }
    long millis = r.stream().mapToLong(NabRunner.FileResult::millis).sum();
    return new Outcome(report, corpus, millis, fixed);
  }
}
