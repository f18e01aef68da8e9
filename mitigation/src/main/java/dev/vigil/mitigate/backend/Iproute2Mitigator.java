package dev.vigil.mitigate.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.common.settings.StrictSettings;
import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.backend.NetValues.Kind;
import dev.vigil.mitigate.backend.NetValues.Target;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reroutes devices with iproute2 policy routing: carries out {@link Decision.Action#REROUTE}
 * decisions of scope IP and CIDR by steering all traffic from the target to a configured next hop
 * (a honeypot, a scrubber).
 *
 * <p>It owns one routing table, whose only route is {@code default via <nextHop> [dev <dev>]}, and
 * the policy rules {@code from <target> lookup <table> priority <priority>}; a rule with that table
 * and priority is its own, any other rule is never touched. Traffic to the gateway itself still
 * hits the {@code local} table first (priority 0). The next hop's family decides which decisions it
 * takes: an IPv4 next hop reroutes IPv4 targets only, an IPv6 one IPv6 targets only.
 *
 * <p>Routing rules have no timeout: the caller lifts a decision at its expiry with {@link
 * #revoke(Decision)}, and {@link #reconcile(List)} removes any rule no live decision accounts for
 * (after a crash, say). Simulated decisions are validated and logged, never applied.
 *
 * <p>Configuration: the no-argument constructor (used by {@link java.util.ServiceLoader}) gives an
 * unconfigured backend that refuses decisions and reports unhealthy until {@link #configure(Map)}
 * supplies at least {@code nextHop}, see {@link Config#fromMap(Map)}. The lifecycle (configuration,
 * runner, allowlist) is {@link CommandMitigator}'s. Thread-safe: calls are serialised.
 */
public final class Iproute2Mitigator extends CommandMitigator<Iproute2Mitigator.Config> {
  private static final Logger LOG = LoggerFactory.getLogger(Iproute2Mitigator.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Settings of the iproute2 backend.
   *
   * @param nextHop where rerouted traffic goes (an IPv4 or IPv6 address)
   * @param dev the interface to reach it through, or {@code null} to let the kernel choose
   * @param table the routing table it owns (1 to 252, or 256 and up)
   * @param priority the priority of its rules (1 to 32765: before the main table)
   * @param netns network namespace to act in ({@code ip netns exec}), or {@code null}
   * @param allow addresses and prefixes never rerouted (the next hop is always added)
   * @param minPrefix4 the widest IPv4 prefix it will reroute
   * @param minPrefix6 the widest IPv6 prefix it will reroute
   * @param commandTimeout how long one ip run may take
   * @param ip absolute path of ip
   */
  public record Config(
      String nextHop,
      String dev,
      int table,
      int priority,
      String netns,
      List<String> allow,
      int minPrefix4,
      int minPrefix6,
      Duration commandTimeout,
      String ip)
      implements CommandMitigator.CommandConfig {

    static final Set<String> KEYS =
        Set.of(
            "nextHop",
            "dev",
            "table",
            "priority",
            "netns",
            "allow",
            "minPrefix4",
            "minPrefix6",
            "commandTimeoutMillis",
            "ip");

    /** Validates every field. */
    public Config {
      nextHop = NetValues.address(Objects.requireNonNull(nextHop, "nextHop")).text();
      if (dev != null) {
        NetValues.interfaceName("dev", dev);
      }
      if (table < 1 || (table >= 253 && table <= 255)) {
        throw new IllegalArgumentException(
            "table [" + table + "] must be positive and not one of 253-255 (default, main, local)");
      }
      if (priority < 1 || priority > 32765) {
        throw new IllegalArgumentException("priority [" + priority + "] must be in [1, 32765]");
      }
      allow = List.copyOf(allow);
      CommandMitigator.CommandConfig.check(
          netns, allow, minPrefix4, minPrefix6, commandTimeout, ip);
    }

    /**
     * Reads a settings map (as decoded from YAML). Keys: {@code nextHop} (required), {@code dev},
     * {@code table} (default 100), {@code priority} (1000), {@code netns}, {@code allow} (list of
     * addresses and prefixes), {@code minPrefix4} (16), {@code minPrefix6} (48), {@code
     * commandTimeoutMillis} (5000), {@code ip} (absolute program path).
     *
     * @throws IllegalArgumentException naming the first unknown key, missing key or bad value
     */
    public static Config fromMap(Map<String, ?> map) {
      StrictSettings s = BackendConfig.read("iproute2", map, KEYS);
      String nh = s.string("nextHop", null);
      if (nh == null && !s.has("nextHop")) {
        throw new IllegalArgumentException("iproute2: nextHop is required");
      }
      String dev = s.string("dev", null);
      int table = s.integer("table", 100, 1, Integer.MAX_VALUE);
      int priority = s.integer("priority", 1000, 1, 32765);
      String netns = s.string("netns", null);
      List<String> allow = s.strings("allow");
      int minPrefix4 = s.integer("minPrefix4", 16, 1, 32);
      int minPrefix6 = s.integer("minPrefix6", 48, 1, 128);
      int timeoutMillis = s.integer("commandTimeoutMillis", 5000, 100, 600_000);
      String ip = s.string("ip", null);
      BackendConfig.check(s);
      try {
        return new Config(
            nh,
            dev,
            table,
            priority,
            netns,
            allow,
            minPrefix4,
            minPrefix6,
            Duration.ofMillis(timeoutMillis),
            BackendConfig.program("iproute2", "ip", ip, "ip"));
      } catch (IllegalArgumentException e) {
        throw e.getMessage().startsWith("iproute2:")
            ? e
            : new IllegalArgumentException("iproute2: " + e.getMessage(), e);
      }
    }
  }

  private volatile Target nextHop;

  /**
   * Creates an unconfigured backend, for {@link java.util.ServiceLoader}; see {@link #configure}.
   */
  public Iproute2Mitigator() {
    super("iproute2", Config::fromMap, null, Clock.systemUTC(), null);
  }

  /** Creates a backend with {@code config}. */
  public Iproute2Mitigator(Config config) {
    this(config, Clock.systemUTC(), null);
  }

  /** For tests: a fixed clock and runner. */
  Iproute2Mitigator(Config config, Clock clock, CommandRunner runner) {
    super("iproute2", Config::fromMap, config, clock, runner);
  }

  /** Returns the configured allowlist with the next hop added. */
  @Override
  List<Target> allowlist(Config c) {
    List<Target> a = new ArrayList<>(NetValues.allowlist(c.allow()));
    a.add(NetValues.address(c.nextHop()));
    return List.copyOf(a);
  }

  @Override
  void installing(Config c) {
    nextHop = NetValues.address(c.nextHop());
  }

  /**
   * Steers traffic from the target to the next hop: (re)sets the table's default route, then adds
   * the rule unless it is there already. {@link #apply(Decision)} checks the decision first: it
   * must be a REROUTE of a valid, not too wide, not allowlisted address or prefix of the next hop's
   * family, and the backend configured.
   *
   * @throws IOException if ip fails
   */
  @Override
  void apply(Target t, Decision d, long ttlSeconds) throws IOException, InterruptedException {
    ensureRoute();
    if (!rules().contains(t)) {
      rule("add", t);
    }
    LOG.info("rerouted [{}] via [{}] (decision [{}])", t, nextHop, d.id());
  }

  /**
   * Removes the target's rule; an absent rule is not an error.
   *
   * @throws IOException if ip fails
   */
  @Override
  void revoke(Target t, Decision d) throws IOException, InterruptedException {
    if (rules().contains(t)) {
      rule("del", t);
    }
    LOG.info("stopped rerouting [{}] (decision [{}])", t, d.id());
  }

  /**
   * Makes its rules (those with its table and priority) exactly the targets of {@code live}:
   * deletes the others, adds the missing ones. Simulated, expired, non-REROUTE decisions are
   * skipped, and invalid or refused ones with a warning.
   *
   * @throws IOException if ip fails
   */
  @Override
  public synchronized void reconcile(List<Decision> live) throws IOException, InterruptedException {
    if (config() == null) {
      if (live.stream().anyMatch(d -> d.action() == Decision.Action.REROUTE && !d.simulated())) {
        throw notConfigured();
      }
      return;
    }
    Set<Target> want = new LinkedHashSet<>();
    Instant now = Instant.now(clock);
    for (Decision d : live) {
      if (d.simulated() || d.action() != Decision.Action.REROUTE || !now.isBefore(d.expires())) {
        continue;
      }
      try {
        want.add(target(d));
      } catch (IllegalArgumentException e) {
        LOG.warn("reconcile skips decision [{}]: {}", d.id(), e.getMessage());
      }
    }
    Set<Target> have = rules();
    for (Target t : have) {
      if (!want.contains(t)) {
        rule("del", t);
      }
    }
    if (!want.isEmpty()) {
      ensureRoute();
    }
    for (Target t : want) {
      if (!have.contains(t)) {
        rule("add", t);
      }
    }
    LOG.info("reconciled reroutes: [{}] target(s) in force", want.size());
  }

  @Override
  public String preflight() {
    Config c = config();
    if (c == null) {
      return "iproute2: not configured";
    }
    String ip = programRuns(c.ip(), "-V");
    return ip != null ? "iproute2: " + ip : null;
  }

  /** Returns {@code null} when its rules and route table can be listed, else what is wrong. */
  @Override
  public String health() {
    Config c = config();
    if (c == null) {
      return "not configured (nextHop is required)";
    }
    try {
      rules();
      CommandRunner.Result r = runner().exec(ip("route", "show", "table", "" + c.table()), null);
      // The kernel creates the table with its first route (on the first apply).
      if (!r.ok() && !r.stderr().contains("table does not exist")) {
        return r.argv() + " exited with status " + r.exit() + ": " + r.stderr().strip();
      }
      return null;
    } catch (IOException e) {
      return e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /**
   * Returns the targets of its rules: those with its table and priority, of the next hop's family.
   */
  Set<Target> rules() throws IOException, InterruptedException {
    Config c = config();
    String out = runner().run(ip("-j", "rule", "show"), null).stdout();
    Set<Target> found = new LinkedHashSet<>();
    JsonNode root = out.isBlank() ? JSON.createArrayNode() : JSON.readTree(out);
    for (JsonNode r : root) {
      if (r.path("priority").asLong(-1) != c.priority()
          || !r.path("table").asText("").equals("" + c.table())) {
        continue;
      }
      String src = r.path("src").asText("");
      // Only plain "from X" rules are its own; anything else with its numbers is left alone.
      if (src.equals("all") || src.isEmpty() || r.size() > 4) {
        LOG.warn("leaving foreign rule [{}] alone", r);
        continue;
      }
      String len = r.has("srclen") ? "/" + r.path("srclen").asText() : "";
      try {
        found.add(NetValues.cidr(src + (len.isEmpty() ? "/" + fullLength(src) : len)));
      } catch (IllegalArgumentException e) {
        LOG.warn("leaving unreadable rule [{}] alone: {}", r, e.getMessage());
      }
    }
    return found;
  }

  private static int fullLength(String addr) {
    return addr.indexOf(':') >= 0 ? 128 : 32;
  }

  private void ensureRoute() throws IOException, InterruptedException {
    Config c = config();
    List<String> a = new ArrayList<>(List.of("route", "replace", "default", "via", c.nextHop()));
    if (c.dev() != null) {
      a.addAll(List.of("dev", c.dev()));
    }
    a.addAll(List.of("table", "" + c.table()));
    runner().run(ip(a.toArray(String[]::new)), null);
  }

  private void rule(String verb, Target t) throws IOException, InterruptedException {
    Config c = config();
    runner()
        .run(
            ip(
                "rule",
                verb,
                "from",
                t.text(),
                "lookup",
                "" + c.table(),
                "priority",
                "" + c.priority()),
            null);
  }

  /** Returns the argument list of {@code ip [-6] args...}, in the configured namespace. */
  private List<String> ip(String... args) {
    List<String> out = new ArrayList<>();
    out.add(config().ip());
    if (nextHop.kind() == Kind.V6) {
      out.add("-6");
    }
    out.addAll(List.of(args));
    return command(out);
  }

  @Override
  String applying(Target t) {
    return "reroute [" + t + "] via [" + nextHop + "]";
  }

  @Override
  String revoking(Target t) {
    return "stop rerouting [" + t + "]";
  }

  @Override
  Target target(Decision d) {
    if (config() == null) {
      throw notConfigured();
    }
    requireAction(d, Decision.Action.REROUTE);
    if (d.scope() == Decision.Scope.MAC) {
      throw new IllegalArgumentException(
          "iproute2 reroutes addresses and prefixes, not MAC addresses (" + d.id() + ")");
    }
    Target t = decisionTarget(d);
    if (t.kind() != nextHop.kind()) {
      throw new IllegalArgumentException(
          "cannot reroute [" + t + "] via next hop [" + nextHop + "] of the other IP family");
    }
    return notAllowlisted(t, d, "reroute");
  }

  private static IllegalStateException notConfigured() {
    return new IllegalStateException("iproute2: not configured (nextHop is required)");
  }
}
