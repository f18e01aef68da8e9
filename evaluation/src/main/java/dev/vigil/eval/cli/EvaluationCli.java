package dev.vigil.eval.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The research commands of {@code vigil}, run from a source checkout ({@code bin/vigil evaluate},
 * {@code nab}, {@code replay}) and never shipped with the daemon: {@code evaluate} scores a
 * labelled data set against baselines, {@code nab} runs the Numenta Anomaly Benchmark, {@code
 * replay} publishes CSV telemetry to an MQTT broker with its original timing.
 */
@Command(
    name = "vigil",
    mixinStandardHelpOptions = true,
    version = "vigil 0.1.0",
    description = "Vigil's evaluation commands (from a source checkout).",
    subcommands = {EvaluateCommand.class, NabCommand.class, ReplayCommand.class})
public final class EvaluationCli implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Runs the command line and exits with its status. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new EvaluationCli()).execute(args));
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 2;
  }
}
