package dev.vigil.daemon.cli;

import dev.vigil.daemon.VigilDaemon;
import dev.vigil.daemon.config.ConfigException;
import dev.vigil.daemon.config.ConfigLoader;
import dev.vigil.daemon.config.Preflight;
import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.daemon.logging.LogLevels;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code vigil} command line of the daemon's artifact: {@code run}, {@code demo}, {@code
 * check-config}, {@code train}, {@code model}, and the clients of a running daemon {@code
 * decisions} and {@code alerts}. The research commands ({@code evaluate}, {@code nab}, {@code
 * replay}, {@code bench}) live in the evaluation and benchmarks modules; {@code bin/vigil} runs
 * them from a source checkout.
 */
@Command(
    name = "vigil",
    mixinStandardHelpOptions = true,
    versionProvider = BuildVersion.class,
    description = "Anomaly-detection daemon for IoT edge gateways.",
    subcommands = {
      VigilCli.Run.class,
      VigilCli.Demo.class,
      VigilCli.CheckConfig.class,
      TrainCommand.class,
      ModelCommand.class,
      DecisionsCommand.class,
      AlertsCommand.class
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
    LogLevels.apply(config.logging().levels());
    ApplicationContext ctx = VigilDaemon.start(config);
    EmbeddedServer server = ctx.getBean(EmbeddedServer.class);
    String url = server.getURL().toString();
    VigilDaemon.notifySystemd(ctx);
    out.printf(
        "vigil is serving on %s (Ctrl-C stops it)%n  curl %s/health%n  curl %s/alerts%n  curl %s/metrics%n",
        url, url, url, url);
    out.flush();
    return 0; // the server's non-daemon threads keep the JVM alive
  }

  /** {@code vigil run --config FILE}: the daemon. */
  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      versionProvider = BuildVersion.class,
      description = "Run the daemon with a configuration file.")
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
        // refuses secret files others may read (exit 78), as a reload does
        VigilConfig c = ConfigLoader.loadToRun(config);
        for (String p : new Preflight().check(c)) {
          // not fatal: an interface may come up later, a backend be installed later; check-config
          // says the same
          LoggerFactory.getLogger(VigilCli.class).warn("check: {}", p);
        }
        return startDaemon(c, spec.commandLine().getOut());
      } catch (ConfigException e) {
        spec.commandLine().getErr().println(e.getMessage());
        return EXIT_CONFIG;
      }
    }
  }

  /** {@code vigil demo}: the daemon on its embedded demo capture. */
  @Command(
      name = "demo",
      mixinStandardHelpOptions = true,
      versionProvider = BuildVersion.class,
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
                new VigilConfig.Api(c.api().host(), port, c.api().readTokenFile()),
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
      mixinStandardHelpOptions = true,
      versionProvider = BuildVersion.class,
      description =
          "Validate a configuration file and check that it can run on this machine (interface,"
              + " filter, writable files, API address, backends' programs, model bundles, token"
              + " file permissions); exit 0 if so, 78 if not, with every problem. Run it as the"
              + " service user: sudo -u vigil vigil check-config /etc/vigil/vigil.yaml")
  static final class CheckConfig implements Callable<Integer> {
    @Parameters(index = "0", description = "YAML configuration file")
    Path config;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      VigilConfig c;
      try {
        c = ConfigLoader.load(config);
      } catch (ConfigException e) {
        spec.commandLine().getErr().println(e.getMessage());
        return EXIT_CONFIG;
      }
      List<String> problems = new Preflight().check(c);
      if (!problems.isEmpty()) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(
            "configuration "
                + c.source()
                + " is valid but cannot run on this machine ("
                + problems.size()
                + " problem(s)):");
        for (String p : problems) {
          err.println("  - " + p);
        }
        err.flush();
        return EXIT_CONFIG;
      }
      spec.commandLine()
          .getOut()
          .printf(
              "configuration %s is valid and can run here: %s%n", c.source(), Preflight.summary(c));
      return 0;
    }
  }
}
