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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reroutes devices with iproute2 policy routing and an nftables mark: carries out {@link
 * Decision.Action#REROUTE} decisions of scope IP, CIDR and MAC by steering all traffic from the
 * target to a configured next hop (a honeypot, a scrubber).
 *
 * <p>Reroutes expire in the kernel, so they end on time even when the daemon has died (a SIGKILL,
 * an out-of-memory exit): the targets are elements with a timeout (the decision's remaining TTL) in
 * the sets of an nftables table it owns ({@code inet <markTable>}), whose prerouting chain sets the
 * bit {@code fwmark} on the packets of their sources; one policy rule {@code fwmark
 * <fwmark>/<fwmark> lookup <table> priority <priority>} sends marked packets to its routing table,
 * whose only route is {@code default via <nextHop> [dev <dev>]}. The rule and the route stay when
 * no element is left and then steer nothing. (Policy rules and routes have no timeout of their own:
 * the reroutes of earlier versions, one rule {@code from <target>} each, outlived a killed daemon;
 * {@link #reconcile(List)} deletes any still there.)
 *
 * <p>A rule with its table and priority is its own, any other rule is never touched; the mark is
 * set with {@code or}, so other users' bits of the mark survive. Traffic to the gateway itself
 * still hits the {@code local} table first (priority 0). The next hop's family decides which
 * decisions it takes: an IPv4 next hop reroutes IPv4 targets (and MACs' IPv4 traffic) only, an IPv6
 * one IPv6 targets only.
 *
 * <p>The caller lifts a decision early with {@link #revoke(Decision)}; {@link #reconcile(List)}
 * makes the sets hold exactly the live decisions (after a restart, say). Simulated decisions are
 * validated and logged, never applied.
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
   * @param commandTimeout how long one ip or nft run may take
   * @param ip absolute path of ip
   * @param fwmark the packet-mark bit(s) it sets on rerouted traffic and its rule matches
   * @param markTable the name of the nftables table ({@code inet}) it owns for the marks
   * @param nft absolute path of nft
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
      String ip,
      int fwmark,
      String markTable,
      String nft)
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
            "ip",
            "fwmark",
            "markTable",
            "nft");

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
      if (fwmark == 0) {
        throw new IllegalArgumentException("fwmark must not be 0");
      }
      NetValues.tableName("markTable", markTable);
      Objects.requireNonNull(nft, "nft");
      CommandMitigator.CommandConfig.check(
          netns, allow, minPrefix4, minPrefix6, commandTimeout, ip);
    }

    /**
     * Reads a settings map (as decoded from YAML). Keys: {@code nextHop} (required), {@code dev},
     * {@code table} (default 100), {@code priority} (1000), {@code netns}, {@code allow} (list of
     * addresses and prefixes), {@code minPrefix4} (16), {@code minPrefix6} (48), {@code
     * commandTimeoutMillis} (5000), {@code ip} (absolute program path), {@code fwmark} (mark bits,
     * default 0x10000000), {@code markTable} ("vigil_reroute"), {@code nft} (absolute program
     * path).
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
      int fwmark = s.integer("fwmark", DEFAULT_FWMARK, 1, Integer.MAX_VALUE);
      String markTable = s.string("markTable", "vigil_reroute");
      String nft = s.string("nft", null);
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
            BackendConfig.program("iproute2", "ip", ip, "ip"),
            fwmark,
            markTable,
            BackendConfig.program("iproute2", "nft", nft, "nft"));
      } catch (IllegalArgumentException e) {
        throw e.getMessage().startsWith("iproute2:")
            ? e
            : new IllegalArgumentException("iproute2: " + e.getMessage(), e);
      }
    }
  }

  /** The default mark bit: clear of the low bits firewalls and VPN tools commonly use. */
  static final int DEFAULT_FWMARK = 0x1000_0000;

  /** Its sets: reroute4, reroute4_net, reroute6, reroute6_net, reroute_mac. */
  static final TimedSets SETS = new TimedSets("reroute");

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
   * Steers traffic from the target to the next hop for the decision's remaining TTL: (re)sets the
   * table's default route and the mark rule, then puts the target in its set with that timeout (a
   * re-applied decision gets the new timeout). {@link #apply(Decision)} checks the decision first:
   * it must be a REROUTE of a valid, not too wide, not allowlisted address, prefix or MAC
   * (addresses of the next hop's family), and the backend configured.
   *
   * @throws IOException if ip or nft fails
   */
  @Override
  void apply(Target t, Decision d, long ttlSeconds) throws IOException, InterruptedException {
    ensureRouting();
    StringBuilder sb = marksScript();
    SETS.replace(sb, table(), t, ttlSeconds);
    nft(sb.toString());
    LOG.info("rerouted [{}] via [{}] for [{}] s (decision [{}])", t, nextHop, ttlSeconds, d.id());
  }

  /**
   * Takes the target out of its set; an absent element is not an error.
   *
   * @throws IOException if nft fails
   */
  @Override
  void revoke(Target t, Decision d) throws IOException, InterruptedException {
    StringBuilder sb = marksScript();
    SETS.remove(sb, table(), t);
    nft(sb.toString());
    LOG.info("stopped rerouting [{}] (decision [{}])", t, d.id());
  }

  /**
   * Makes its sets hold exactly the targets of {@code live} with their remaining timeouts, in one
   * nft transaction (flush, then add), and deletes the per-target rules of earlier versions.
   * Simulated, expired and non-REROUTE decisions are skipped, invalid or refused ones with a
   * warning, as is a prefix overlapping a wider one (nftables refuses overlapping intervals; a
   * later reconcile adds it once the wider one lapses).
   *
   * @throws IOException if ip or nft fails
   */
  @Override
  public synchronized void reconcile(List<Decision> live) throws IOException, InterruptedException {
    if (config() == null) {
      if (live.stream().anyMatch(d -> d.action() == Decision.Action.REROUTE && !d.simulated())) {
        throw notConfigured();
      }
      return;
    }
    Map<Target, Long> want = new LinkedHashMap<>();
    for (Decision d : live) {
      if (d.simulated() || d.action() != Decision.Action.REROUTE) {
        continue;
      }
      try {
        long ttl = remainingSeconds(d);
        Target t = target(d);
        if (ttl > 0) {
          want.merge(t, ttl, Math::max);
        }
      } catch (IllegalArgumentException e) {
        LOG.warn("reconcile skips decision [{}]: {}", d.id(), e.getMessage());
      }
    }
    want.keySet().retainAll(TimedSets.insertable(want.keySet(), LOG));
    for (Target legacy : legacyRules()) {
      rule("del", "from", legacy.text());
      LOG.info("deleted the reroute rule of an earlier version for [{}]", legacy);
    }
    if (!want.isEmpty()) {
      ensureRouting();
    }
    StringBuilder sb = marksScript();
    SETS.refill(sb, table(), want);
    nft(sb.toString());
    LOG.info("reconciled reroutes: [{}] target(s) in force", want.size());
  }

  @Override
  public String preflight() {
    Config c = config();
    if (c == null) {
      return "iproute2: not configured";
    }
    String ip = programRuns(c.ip(), "-V");
    if (ip != null) {
      return "iproute2: " + ip;
    }
    String nft = programRuns(c.nft(), "--version");
    return nft != null ? "iproute2: " + nft : null;
  }

  /** Returns {@code null} when its rules and route table can be listed, else what is wrong. */
  @Override
  public String health() {
    Config c = config();
    if (c == null) {
      return "not configured (nextHop is required)";
    }
    try {
      legacyRules();
      CommandRunner.Result r = runner().exec(ip("route", "show", "table", "" + c.table()), null);
      // The kernel creates the table with its first route (on the first apply).
      if (!r.ok() && !r.stderr().contains("table does not exist")) {
        return r.argv() + " exited with status " + r.exit() + ": " + r.stderr().strip();
      }
      r = runner().exec(command(List.of(c.nft(), "list", "tables")), null);
      if (!r.ok()) {
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
   * Returns the targets of the per-target rules earlier versions added ({@code from <target>} with
   * its table and priority, of the next hop's family); any other rule with its numbers but the mark
   * rule is left alone, with a warning.
   */
  Set<Target> legacyRules() throws IOException, InterruptedException {
    Set<Target> found = new LinkedHashSet<>();
    for (JsonNode r : ownRules()) {
      String src = r.path("src").asText("");
      if (r.has("fwmark")) {
        continue;
      }
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

  /**
   * Returns whether its mark rule ({@code fwmark <fwmark>/<fwmark>}, its table and priority) is in.
   */
  boolean hasMarkRule() throws IOException, InterruptedException {
    String mark = markText();
    for (JsonNode r : ownRules()) {
      String fw = r.path("fwmark").asText("");
      String mask = r.path("fwmask").asText("");
      if (fw.equals(mark + "/" + mark) || (fw.equals(mark) && mask.equals(mark))) {
        return true;
      }
    }
    return false;
  }

  /** Returns the rules with its table and priority. */
  private List<JsonNode> ownRules() throws IOException, InterruptedException {
    Config c = config();
    String out = runner().run(ip("-j", "rule", "show"), null).stdout();
    List<JsonNode> own = new ArrayList<>();
    JsonNode root = out.isBlank() ? JSON.createArrayNode() : JSON.readTree(out);
    for (JsonNode r : root) {
      if (r.path("priority").asLong(-1) == c.priority()
          && r.path("table").asText("").equals("" + c.table())) {
        own.add(r);
      }
    }
    return own;
  }

  private String markText() {
    return "0x" + Integer.toHexString(config().fwmark());
  }

  private static int fullLength(String addr) {
    return addr.indexOf(':') >= 0 ? 128 : 32;
  }

  /** (Re)sets the routing table's default route and adds the mark rule unless it is in. */
  private void ensureRouting() throws IOException, InterruptedException {
    Config c = config();
    List<String> a = new ArrayList<>(List.of("route", "replace", "default", "via", c.nextHop()));
    if (c.dev() != null) {
      a.addAll(List.of("dev", c.dev()));
    }
    a.addAll(List.of("table", "" + c.table()));
    runner().run(ip(a.toArray(String[]::new)), null);
    if (!hasMarkRule()) {
      String mark = markText();
      rule("add", "fwmark", mark + "/" + mark);
    }
  }

  private void rule(String verb, String selector, String value)
      throws IOException, InterruptedException {
    Config c = config();
    runner()
        .run(
            ip(
                "rule",
                verb,
                selector,
                value,
                "lookup",
                "" + c.table(),
                "priority",
                "" + c.priority()),
            null);
  }

  /** Returns "inet NAME", the table it owns for the marks. */
  private String table() {
    return "inet " + config().markTable();
  }

  /**
   * Returns the start of an nft script that creates its table, sets and chain if missing and resets
   * the chain's rules: packets from a member of a set get the mark bits, before the routing
   * decision (prerouting, at the mangle priority).
   */
  private StringBuilder marksScript() {
    String table = table();
    String mark = markText();
    StringBuilder sb = new StringBuilder();
    sb.append("add table ").append(table).append('\n');
    SETS.declare(sb, table);
    sb.append("add chain ")
        .append(table)
        .append(" prerouting { type filter hook prerouting priority -150; policy accept; }\n");
    sb.append("flush chain ").append(table).append(" prerouting\n");
    for (String[] m : SETS.matches()) {
      sb.append("add rule ")
          .append(table)
          .append(" prerouting ")
          .append(m[0])
          .append(" saddr @")
          .append(m[1])
          .append(" meta mark set meta mark or ")
          .append(mark)
          .append('\n');
    }
    return sb;
  }

  private void nft(String script) throws IOException, InterruptedException {
    runner().run(command(List.of(config().nft(), "-f", "-")), script);
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
    Target t = decisionTarget(d);
    if (t.kind() != Kind.MAC && t.kind() != nextHop.kind()) {
      throw new IllegalArgumentException(
          "cannot reroute [" + t + "] via next hop [" + nextHop + "] of the other IP family");
    }
    return notAllowlisted(t, d, "reroute");
  }

  private static IllegalStateException notConfigured() {
    return new IllegalStateException("iproute2: not configured (nextHop is required)");
  }
}
