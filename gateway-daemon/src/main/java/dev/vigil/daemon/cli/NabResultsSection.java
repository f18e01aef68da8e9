package dev.vigil.daemon.cli;

import dev.vigil.daemon.bench.GitCommit;
import dev.vigil.daemon.bench.Machine;
import dev.vigil.daemon.bench.MarkedSection;
import dev.vigil.detect.nab.NabCorpus;
import dev.vigil.detect.nab.NabProfile;
import dev.vigil.detect.nab.NabProfileReport;
import dev.vigil.detect.nab.NabReport;
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

  static void write(
      Path file, NabReport report, NabCorpus corpus, String only, boolean denoise, long millis)
      throws IOException {
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
        "Every series streamed through the telemetry detector in time order (series features, then"
            + " the autoencoder + LSTM + Isolation Forest ensemble trained on the probationary 15 %"
            + " only, int8 runtime), scored by Vigil's Java implementation of NAB v1.1's scorer"
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
    b.append(
        String.format(
            "\nMachine: %s. Date: %s UTC. Commit: %s.\n",
            machine.describe(), date, commit.map(c -> "`" + c + "`").orElse("unknown")));
    MarkedSection.rewrite(abs, SECTION, PREAMBLE, previous -> b.toString());
  }
}
