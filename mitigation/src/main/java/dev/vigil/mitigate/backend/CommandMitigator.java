package dev.vigil.mitigate.backend;

import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.InvalidConfigException;
import dev.vigil.mitigate.api.Mitigator;
import dev.vigil.mitigate.backend.NetValues.Target;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle shared by the backends that act by running a network program ({@link
 * NftablesMitigator}, {@link Iproute2Mitigator}): it holds the configuration in force with the
 * allowlist and {@link CommandRunner} derived from it, replaces all three together on {@link
 * #configure(Map)} (the previous ones stay on error), wraps commands in {@code ip netns exec} when
 * a namespace is configured, and checks a decision's action, target (validated, no wider than the
 * configured prefixes) and allowlist before the backend turns it into commands.
 *
 * <p>An abstract base rather than a shared component: the lifecycle is the backends' own state (the
 * configuration a call reads must be the one its runner and allowlist came from, under the same
 * lock the backend serialises its calls on), and the backends differ only in what they derive from
 * a configuration ({@link #allowlist}, {@link #installing}) and in the commands they run. A
 * component would need that lock and those hooks handed to it, and every backend method would go
 * through it.
 *
 * <p>Thread-safe: configuration changes are {@code synchronized} on the backend, as its calls are;
 * the fields are volatile, so {@link #health()} and {@link #config()} may read them without the
 * lock.
 *
 * @param <C> the backend's configuration
 */
abstract class CommandMitigator<C extends CommandMitigator.CommandConfig> implements Mitigator {

  /** The settings every command-running backend has; its configuration record implements it. */
  interface CommandConfig {
    /** Returns the network namespace to act in, or {@code null} for the daemon's own. */
    String netns();

    /** Returns the addresses, prefixes (and MACs, where the backend takes them) never acted on. */
    List<String> allow();

    /** Returns the widest IPv4 prefix it acts on. */
    int minPrefix4();

    /** Returns the widest IPv6 prefix it acts on. */
    int minPrefix6();

    /** Returns how long one command may run. */
    Duration commandTimeout();

    /** Returns the absolute path of {@code ip} (for {@code netns exec}). */
    String ip();

    /**
     * Validates the shared settings; a configuration record's constructor calls it with its own.
     *
     * @throws IllegalArgumentException naming the first bad value
     */
    static void check(
        String netns,
        List<String> allow,
        int minPrefix4,
        int minPrefix6,
        Duration commandTimeout,
        String ip) {
      if (netns != null) {
        NetValues.netnsName("netns", netns);
      }
      NetValues.allowlist(allow);
      if (minPrefix4 < 1 || minPrefix4 > 32) {
        throw new IllegalArgumentException("minPrefix4 [" + minPrefix4 + "] must be in [1, 32]");
      }
      if (minPrefix6 < 1 || minPrefix6 > 128) {
        throw new IllegalArgumentException("minPrefix6 [" + minPrefix6 + "] must be in [1, 128]");
      }
      Objects.requireNonNull(commandTimeout, "commandTimeout");
      if (commandTimeout.isNegative() || commandTimeout.isZero()) {
        throw new IllegalArgumentException("commandTimeout must be positive");
      }
      Objects.requireNonNull(ip, "ip");
    }
  }

  /**
   * Whether {@code program} exists, is executable and runs with {@code versionArg} (exit 0 within 5
   * s); null if so, else what is wrong. Changes nothing: for {@link #preflight}.
   */
  static String programRuns(String program, String versionArg) {
    java.nio.file.Path p = java.nio.file.Path.of(program);
    if (!java.nio.file.Files.isExecutable(p)) {
      return "[" + program + "] is not installed or not executable";
    }
    try {
      Process proc =
          new ProcessBuilder(program, versionArg)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!proc.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        proc.destroyForcibly();
        return "[" + program + " " + versionArg + "] did not finish in 5 s";
      }
      return proc.exitValue() == 0
          ? null
          : "[" + program + " " + versionArg + "] exited " + proc.exitValue();
    } catch (IOException e) {
      return "cannot run [" + program + "]: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** The clock decisions' expiry is read by. */
  final Clock clock;

  /** The backend's logger. */
  final Logger log = LoggerFactory.getLogger(getClass());

  private final String type;
  private final Function<Map<String, ?>, C> reader;
  private final boolean fixedRunner;
  private volatile C config;
  private volatile List<Target> allow = List.of();
  private volatile CommandRunner runner;

  /**
   * Creates a backend, configured with {@code initial} unless it is {@code null}. {@link
   * #allowlist} and {@link #installing} then run before the subclass's constructor body, so they
   * must only derive from the configuration they are given (and assign fields that have no
   * initialiser).
   *
   * @param type the backend's type, as {@link #type()} returns it
   * @param reader reads a configuration from a settings map (the backend's {@code Config.fromMap})
   * @param initial the first configuration, or {@code null} for none until {@link #configure}
   * @param runner a fixed runner (tests), or {@code null} for one made from each configuration
   */
  CommandMitigator(
      String type,
      Function<Map<String, ?>, C> reader,
      C initial,
      Clock clock,
      CommandRunner runner) {
    this.type = type;
    this.reader = reader;
    this.clock = clock;
    this.fixedRunner = runner != null;
    this.runner = runner;
    if (initial != null) {
      set(initial);
    }
  }

  /**
   * Returns the decision's target once checked (action, value, width, allowlist, whatever else the
   * backend requires).
   *
   * @throws IllegalArgumentException if the backend cannot carry it out
   * @throws IllegalStateException if the backend is not configured
   */
  abstract Target target(Decision d);

  /** Returns what applying {@code t} would do, for the log ("quarantine [10.0.0.1]"). */
  abstract String applying(Target t);

  /** Returns what revoking {@code t} would do, for the log ("lift quarantine of [10.0.0.1]"). */
  abstract String revoking(Target t);

  /**
   * Carries out a checked, not simulated, not yet expired decision.
   *
   * @param ttlSeconds what is left of it, rounded up to whole seconds (at least 1)
   */
  abstract void apply(Target t, Decision d, long ttlSeconds)
      throws IOException, InterruptedException;

  /** Undoes a checked, not simulated decision; an absent one is not an error. */
  abstract void revoke(Target t, Decision d) throws IOException, InterruptedException;

  /**
   * Checks the decision ({@link #target}); logs a simulated one and an expired one and stops there;
   * else carries it out ({@link #apply(Target, Decision, long)}).
   */
  @Override
  public final synchronized void apply(Decision d) throws IOException, InterruptedException {
    Target t = target(d);
    if (d.simulated()) {
      log.info("simulated: would {} (decision [{}])", applying(t), d.id());
      return;
    }
    long ttl = remainingSeconds(d);
    if (ttl == 0) {
      log.debug("decision [{}] already expired, not applied", d.id());
      return;
    }
    apply(t, d, ttl);
  }

  /**
   * Checks the decision ({@link #target}); logs a simulated one and stops there; else undoes it
   * ({@link #revoke(Target, Decision)}).
   */
  @Override
  public final synchronized void revoke(Decision d) throws IOException, InterruptedException {
    Target t = target(d);
    if (d.simulated()) {
      log.info("simulated: would {} (decision [{}])", revoking(t), d.id());
      return;
    }
    revoke(t, d);
  }

  /** Returns the targets {@code c} never lets it act on: by default its {@code allow} list. */
  List<Target> allowlist(C c) {
    return NetValues.allowlist(c.allow());
  }

  /**
   * Called under the lock when {@code c} is about to become the configuration in force (after it
   * was checked, before {@link #config()} returns it), to derive what else the backend keeps.
   */
  void installing(C c) {}

  @Override
  public final String type() {
    return type;
  }

  /**
   * Replaces the configuration with one read from {@code settings} (see the backend's {@code
   * Config.fromMap}); on error the previous one stays.
   *
   * @throws InvalidConfigException naming the first unknown key or bad value
   */
  @Override
  public final void configure(Map<String, Object> settings) throws InvalidConfigException {
    try {
      set(reader.apply(settings));
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException("mitigators." + type, List.of(e.getMessage()));
    }
  }

  /** Returns the configuration in force, or {@code null} before one is given. */
  public C config() {
    return config;
  }

  /** Makes {@code c} the configuration in force, with its allowlist and runner. */
  private synchronized void set(C c) {
    List<Target> a = allowlist(c);
    installing(c);
    if (!fixedRunner) {
      runner = new CommandRunner(c.commandTimeout());
    }
    allow = a;
    config = c;
  }

  /** Returns the runner of the configuration in force. */
  final CommandRunner runner() {
    return runner;
  }

  /** Returns the argument list that runs {@code argv} in the configured namespace. */
  final List<String> command(List<String> argv) {
    C c = config;
    if (c.netns() == null) {
      return argv;
    }
    List<String> out = new ArrayList<>(List.of(c.ip(), "netns", "exec", c.netns()));
    out.addAll(argv);
    return out;
  }

  /**
   * Checks that {@code d} asks for {@code action}.
   *
   * @throws IllegalArgumentException if it does not
   */
  final void requireAction(Decision d, Decision.Action action) {
    if (d.action() != action) {
      throw new IllegalArgumentException(
          type + " carries out " + action + " decisions, not " + d.action() + " (" + d.id() + ")");
    }
  }

  /**
   * Returns the decision's target, validated and no wider than the configured prefixes.
   *
   * @throws IllegalArgumentException if it is invalid or too wide
   */
  final Target decisionTarget(Decision d) {
    C c = config;
    return NetValues.decisionTarget(d.scope(), d.value(), c.minPrefix4(), c.minPrefix6());
  }

  /**
   * Returns {@code t} unless the allowlist covers it.
   *
   * @param verb what the backend would do, for the message ("quarantine")
   * @throws IllegalArgumentException if it is allowlisted
   */
  final Target notAllowlisted(Target t, Decision d, String verb) {
    Target a = NetValues.allowed(allow, t);
    if (a != null) {
      throw new IllegalArgumentException(
          "refused to " + verb + " [" + t + "]: allowlisted by [" + a + "] (" + d.id() + ")");
    }
    return t;
  }

  /** Returns how long {@code d} has left, rounded up to whole seconds; 0 once it has expired. */
  final long remainingSeconds(Decision d) {
    Duration left = Duration.between(Instant.now(clock), d.expires());
    if (left.isNegative() || left.isZero()) {
      return 0;
    }
    return left.getSeconds() + (left.getNano() > 0 ? 1 : 0);
  }
}
