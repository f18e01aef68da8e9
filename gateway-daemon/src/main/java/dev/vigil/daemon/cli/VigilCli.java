package dev.vigil.daemon.cli;

import dev.vigil.daemon.VigilDaemon;
import dev.vigil.daemon.config.ConfigException;
import dev.vigil.daemon.config.ConfigLoader;
import dev.vigil.daemon.config.VigilConfig;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code vigil} command line of the daemon's artifact: {@code run}, {@code demo}, {@code
 * check-config}, {@code train}, {@code model}. The research commands ({@code evaluate}, {@code
 * nab}, {@code replay}, {@code bench}) live in the evaluation and benchmarks modules; {@code
 * bin/vigil} runs them from a source checkout.
 */
@Command(
    name = "vigil",
    mixinStandardHelpOptions = true,
    version = "vigil 0.1.0",
    description = "Anomaly-detection daemon for IoT edge gateways.",
    subcommands = {
      VigilCli.Run.class,
      VigilCli.Demo.class,
      VigilCli.CheckConfig.class,
      TrainCommand.class,
      ModelCommand.class
    })
public final class VigilCli implements Callable<Integer> {
  /** Exit status for an invalid configuration (as sysexits' EX_CONFIG). */
  static final int EXIT_CONFIG = 78;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Runs the command line and exits with its status (unless a daemon keeps running). */
  public static void main(String[] args) {
    int code = new CommandLine(new VigilCli()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 2;
  }

  static int startDaemon(VigilConfig config, PrintWriter out) {
    ApplicationContext ctx = VigilDaemon.start(config);
    EmbeddedServer server = ctx.getBean(EmbeddedServer.class);
    String url = server.getURL().toString();
    out.printf(
        "vigil is serving on %s (Ctrl-C stops it)%n  curl %s/health%n  curl %s/alerts%n  curl %s/metrics%n",
        url, url, url, url);
    out.flush();
    return 0; // the server's non-daemon threads keep the JVM alive
  }

  /** {@code vigil run --config FILE}: the daemon. */
  @Command(name = "run", description = "Run the daemon with a configuration file.")
  static final class Run implements Callable<Integer> {
    @Option(
        names = {"-c", "--config"},
        required = true,
        description = "YAML configuration file (see config/vigil.yaml)")
    Path config;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      try {
        return startDaemon(ConfigLoader.load(config), spec.commandLine().getOut());
      } catch (ConfigException e) {
        spec.commandLine().getErr().println(e.getMessage());
        return EXIT_CONFIG;
      }
    }
  }

  /** {@code vigil demo}: the daemon on its embedded demo capture. */
  @Command(
      name = "demo",
      description =
          "Run the daemon on the embedded demo: trains on a benign capture, then reads one with attacks.")
  static final class Demo implements Callable<Integer> {
    @Option(
        names = "--port",
        description = "REST port (default ${DEFAULT-VALUE})",
        defaultValue = "8787")
    int port;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      try {
        VigilConfig c = ConfigLoader.loadResource(ConfigLoader.DEMO_RESOURCE);
        VigilConfig withPort =
            new VigilConfig(
                c.source(),
                new VigilConfig.Api(c.api().host(), port),
                c.capture(),
                c.features(),
                c.model(),
                c.alerts());
        return startDaemon(withPort, spec.commandLine().getOut());
      } catch (ConfigException e) {
        spec.commandLine().getErr().println(e.getMessage());
        return EXIT_CONFIG;
      }
    }
  }

  /** {@code vigil check-config FILE}: validate a configuration without starting anything. */
  @Command(
      name = "check-config",
      description = "Validate a configuration file; exit 0 if valid, 78 if not.")
  static final class CheckConfig implements Callable<Integer> {
    @Parameters(index = "0", description = "YAML configuration file")
    Path config;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      try {
        VigilConfig c = ConfigLoader.load(config);
        spec.commandLine()
            .getOut()
            .printf(
                "configuration %s is valid: %s, telemetry %s, mitigation %s, API on %s:%d%n",
                c.source(),
                c.packetPath()
                    ? "capture "
                        + c.capture().source()
                        + ", "
                        + c.model().trainPcaps().size()
                        + " training captures"
                    : "no capture (telemetry only)",
                c.telemetry()
                    .map(t -> "from " + String.join(", ", t.mqtt().serverUris()))
                    .orElse("off"),
                c.mitigation()
                    .map(
                        m ->
                            "with "
                                + m.policy().rules().size()
                                + " rule(s)"
                                + (m.policy().dryRun() ? " (dry run)" : "")
                                + ", store "
                                + m.store()
                                + ", backends "
                                + m.actions())
                    .orElse("off"),
                c.api().host(),
                c.api().port());
        return 0;
      } catch (ConfigException e) {
        spec.commandLine().getErr().println(e.getMessage());
        return EXIT_CONFIG;
      }
    }
  }
}
