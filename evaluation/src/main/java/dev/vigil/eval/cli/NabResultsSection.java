package dev.vigil.eval.cli;

import dev.vigil.detect.series.SeriesSurprise;
import dev.vigil.eval.nab.NabCorpus;
import dev.vigil.eval.nab.NabProfile;
import dev.vigil.eval.nab.NabProfileReport;
import dev.vigil.eval.nab.NabReport;
import dev.vigil.eval.report.GitCommit;
import dev.vigil.eval.report.Machine;
import dev.vigil.eval.report.MarkedSection;
import dev.vigil.train.SeriesTraining;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Writes the {@code nab} section of the results file from a scored run. */
final class NabResultsSection {
  static final String SECTION = "nab";
  static final String PREAMBLE =
      "# Results\n\nEvaluation results, each section written by the command named in it; nothing in"
          + " this file is typed by hand.\n";

  private NabResultsSection() {}

  static void write(Path file, NabCommand.Outcome outcome, String only, boolean denoise)
      throws IOException {
    NabReport report = outcome.report();
    NabCorpus corpus = outcome.corpus();
    long millis = outcome.millis();
    Path abs = file.toAbsolutePath().normalize();
    Path dir = Files.isDirectory(abs.getParent()) ? abs.getParent() : Path.of("");
    var commit = GitCommit.of(dir, abs);
    Machine machine = Machine.current();
    String date =
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC)
            .format(Instant.now());
    StringBuilder b = new StringBuilder();
    b.append(
        "## Numenta Anomaly Benchmark (`vigil nab --data DIR --out DIR --write docs/RESULTS.md`)\n\n");
    b.append(
        "Every series streamed through the telemetry detector in time order: series features, the"
            + " telemetry model's defaults ("
            + SeriesTraining.describe(SeriesTraining.defaults(), SeriesTraining.PRECISION)
            + ") trained on the probationary 15 % only, then `SeriesSurprise`: the fused score, the"
            + " value against the"
            + " probation's mean and deviation (clipped at 15 deviations) and, where the probation"
            + " shows a season, the departure from it, each as a likelihood against the series' own"
            + " score history, red only if its short mean is also a record over the last week"
            + " (2016 steps); a value beyond the range seen so far by 5 % scores 1; one alarm per"
            + " 100 steps, except that a new record beyond the range always alarms and a step"
            + " interpolated over a gap never does. Continual learning (`telemetry.model.continual`,"
            + " on by default, as in the daemon): after probation the level's mean keeps learning,"
            + " in order, from readings that scored below the yellow level (tail probability 1e-3),"
            + " as an exponentially weighted mean with a half-life of "
            + SeriesSurprise.Continual.DEFAULT_HALF_LIFE_STEPS
            + " steps; no reading that alarms is learned. The networks learn in probation only; the"
            + " rolling windows, seen range, seasonal residuals and score histories are state that"
            + " moves with the data, as in the daemon. Scored by Vigil's Java implementation of NAB v1.1's scorer"
            + " (checked against NAB's published results). For reference, NAB's scoreboard: Numenta"
            + " HTM 70.5, Random Cut Forest 51.7, ARTime 74.9 (standard profile).\n\n");
    b.append(
        String.format(
            Locale.ROOT,
            "Corpus: %s (%d files, %d windows)%s; denoising %s; %.0f s in all.\n\n",
            only == null ? "all of NAB" : "files matching `" + only + "`",
            corpus.fileCount(),
            corpus.windowCount(),
            only == null ? "" : " — a subset: not comparable with the scoreboard",
            denoise ? "on" : "off",
            millis / 1000.0));
    b.append(
        "| profile | normalised score | threshold | raw score | TP rows | FP rows | FN rows |\n");
    b.append("|---|--:|--:|--:|--:|--:|--:|\n");
    for (NabProfile p : NabProfile.ALL) {
      NabProfileReport r = report.profiles().get(p.name());
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | **%.1f** | %.4f | %.2f | %d | %d | %d |\n",
              p.name(),
              r.normalisedScore(),
              r.threshold(),
              r.rawScore(),
              r.truePositives(),
              r.falsePositives(),
              r.falseNegatives()));
    }
    NabReport fixed = outcome.probationOnly();
    if (fixed != null) {
      b.append(
          "\nFor comparison, probation only (the same fused scores, `SeriesSurprise`'s level fixed"
              + " at the end of probation, as with `telemetry.model.continual: false`):\n\n");
      b.append(
          "| profile | normalised score | threshold | raw score | FP rows | windows detected |\n");
      b.append("|---|--:|--:|--:|--:|--:|\n");
      for (NabProfile p : NabProfile.ALL) {
        NabProfileReport r = fixed.profiles().get(p.name());
        b.append(
            String.format(
                Locale.ROOT,
                "| %s | **%.1f** | %.4f | %.2f | %d | %d / %d |\n",
                p.name(),
                r.normalisedScore(),
                r.threshold(),
                r.rawScore(),
                r.falsePositives(),
                r.detectedWindows(),
                r.detectedWindows() + r.missedWindows()));
      }
    }
    NabProfileReport std = report.profiles().get("standard");
    double lowFp = report.profiles().get("reward_low_FP_rate").normalisedScore();
    double lowFn = report.profiles().get("reward_low_FN_rate").normalisedScore();
    boolean met = std.normalisedScore() >= 75 && lowFp >= 67 && lowFn >= 81;
    b.append(
        String.format(
            Locale.ROOT,
            "\nGoal (issue 21): standard ≥ 75, low-FP ≥ 67, low-FN ≥ 81 — %s (%.1f / %.1f / %.1f).\n",
            met ? "met" : "**not met**",
            std.normalisedScore(),
            lowFp,
            lowFn));
    java.util.Map<String, int[]> cat = new java.util.TreeMap<>();
    java.util.Map<String, Double> catScore = new java.util.TreeMap<>();
    for (var f : std.files()) {
      String c = f.file().contains("/") ? f.file().substring(0, f.file().indexOf('/')) : "";
      int[] x = cat.computeIfAbsent(c, k -> new int[4]);
      x[0]++;
      x[1] += f.detectedWindows();
      x[2] += f.detectedWindows() + f.missedWindows();
      x[3] += f.falsePositives();
      catScore.merge(c, f.score(), Double::sum);
    }
    b.append(
        "\nPer category at the standard profile's threshold (raw score: the sum of the files'"
            + " weighted TP/FP/FN; windows: detected of all):\n\n");
    b.append("| category | files | windows detected | FP rows | raw score |\n");
    b.append("|---|--:|--:|--:|--:|\n");
    for (var e : cat.entrySet()) {
      int[] x = e.getValue();
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %d / %d | %d | %.2f |\n",
              e.getKey(),
              x[0],
              x[1],
              x[2],
              x[3],
              catScore.get(e.getKey())));
    }
    b.append(
        String.format(
            "\nMachine: %s. Date: %s UTC. Commit: %s.\n",
            machine.describe(), date, commit.map(c -> "`" + c + "`").orElse("unknown")));
    MarkedSection.rewrite(abs, SECTION, PREAMBLE, previous -> b.toString());
  }
}
