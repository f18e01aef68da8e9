package dev.vigil.bench.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code vigil bench} commands, run from a source checkout ({@code bin/vigil bench ...}) and
 * never shipped with the daemon; the JMH benchmarks run from {@code
 * benchmarks/target/benchmarks.jar}.
 */
@Command(
    name = "vigil",
    mixinStandardHelpOptions = true,
    version = "vigil 0.1.0",
    description = "Vigil's benchmark commands (from a source checkout).",
    subcommands = {BenchCommand.class})
public final class BenchCli implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Runs the command line and exits with its status. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchCli()).execute(args));
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 2;
  }
}
