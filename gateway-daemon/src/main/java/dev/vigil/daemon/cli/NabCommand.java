package dev.vigil.daemon.cli;

import dev.vigil.detect.series.NabRunner;
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
          + " time order, learning only in each file's probationary period, and write NAB results"
          + " files under OUT/vigil/<category>/vigil_<file>.csv."
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

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter o = spec.commandLine().getOut();
    try {
      NabRunner.Config d = NabRunner.Config.defaults();
      List<NabRunner.FileResult> r =
          NabRunner.run(
              data, out, new NabRunner.Config(d.training(), d.precision(), denoise), only, o);
      o.printf("wrote %d results files under %s%n", r.size(), out.resolve("vigil"));
      return 0;
    } catch (IOException | RuntimeException e) {
      spec.commandLine().getErr().println("vigil nab: " + e.getMessage());
      return 66;
    }
  }
}
