package dev.vigil.mitigate.backend;

import dev.vigil.common.settings.StrictSettings;
import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.backend.NetValues.Target;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Quarantines devices with nftables: carries out {@link Decision.Action#QUARANTINE} decisions of
 * scope IP, CIDR and MAC by adding the target to sets that drop its traffic.
 *
 * <p>It owns two tables and never touches any other: {@code table inet <inetTable>} for routed
 * traffic (chains hooked at {@code forward} and {@code input}) and {@code table bridge
 * <bridgeTable>} for traffic between devices on the same bridge, which is never routed and so never
 * seen by the inet table (chain hooked at bridge {@code forward}). Each table holds the sets {@code
 * quarantine4}, {@code quarantine6} (single addresses), {@code quarantine4_net}, {@code
 * quarantine6_net} (prefixes) and {@code quarantine_mac}; traffic from or to a member is dropped
 * (at {@code input}: from). Every element carries a timeout equal to the decision's remaining TTL
 * (rounded up to whole seconds), so a quarantine lapses in the kernel even if the daemon dies.
 *
 * <p>Each call is one nftables transaction that also (re)creates the tables, sets and chains
 * idempotently, so it applies completely or not at all, and recovers a flushed ruleset. It runs in
 * process through libnftables ({@link Libnftables}) when the library loads and no {@code netns} is
 * configured, else as an {@code nft -f -} process (see {@link Engine}); the two apply the same
 * script and fail the same way ({@link IOException} with nft's error text, nothing changed).
 * Simulated decisions are validated and logged, never applied. Every value is validated by {@link
 * NetValues} before it reaches nft; allowlisted entries and prefixes wider than {@code minPrefix4}
 * / {@code minPrefix6} are refused.
 *
 * <p>Configuration: the no-argument constructor (used by {@link java.util.ServiceLoader}) gives
 * {@link Config#defaults()}; {@link #configure(Map)} replaces it from a settings map, see {@link
 * Config#fromMap(Map)}. The lifecycle (configuration, runner, allowlist) is {@link
 * CommandMitigator}'s. Thread-safe: calls are serialised. {@link #close()} frees the libnftables
 * context, if one was made; quarantines stay in force.
 */
public final class NftablesMitigator extends CommandMitigator<NftablesMitigator.Config>
    implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NftablesMitigator.class);

  /** Its sets: quarantine4, quarantine4_net, quarantine6, quarantine6_net, quarantine_mac. */
  static final TimedSets SETS = new TimedSets("quarantine");

  /** How the backend hands its scripts to nftables (setting {@code engine}). */
  public enum Engine {
    /** The library when it loads and no {@code netns} is configured, else the process. */
    AUTO,
    /** In process through libnftables; configuration fails if the library cannot load. */
    LIBRARY,
    /** An {@code nft -f -} process per call (the only way into another network namespace). */
    PROCESS;

    /** Returns the setting's spelling: {@code auto}, {@code library}, {@code process}. */
    @Override
    public String toString() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** The engine of the configuration in force, decided by {@link #installing}. */
  private volatile Engine engine;

  /** Whether the engine in force has been logged (once per configuration, at its first use). */
  private volatile boolean engineLogged;

  /** The in-process nftables, once the library engine was first used; guarded by {@code this}. */
  private Libnftables library;

  /**
   * Settings of the nftables backend.
   *
   * @param inetTable name of the inet table it owns
   * @param bridgeTable name of the bridge table it owns, or {@code null} for none
   * @param netns network namespace to act in ({@code ip netns exec}), or {@code null} for the
   *     daemon's own
   * @param priority hook priority of its chains (default -10: before the usual filter chains)
   * @param allow addresses, prefixes and MACs that are never quarantined
   * @param minPrefix4 the widest IPv4 prefix it will quarantine
   * @param minPrefix6 the widest IPv6 prefix it will quarantine
   * @param commandTimeout how long one nft run may take
   * @param nft absolute path of nft
   * @param ip absolute path of ip (for {@code netns})
   * @param engine how scripts reach nftables; {@link Engine#LIBRARY} excludes {@code netns}
   */
  public record Config(
      String inetTable,
      String bridgeTable,
      String netns,
      int priority,
      List<String> allow,
      int minPrefix4,
      int minPrefix6,
      Duration commandTimeout,
      String nft,
      String ip,
      Engine engine)
      implements CommandMitigator.CommandConfig {

    static final Set<String> KEYS =
        Set.of(
            "inetTable",
            "bridgeTable",
            "bridge",
            "netns",
            "priority",
            "allow",
            "minPrefix4",
            "minPrefix6",
            "commandTimeoutMillis",
            "nft",
            "ip",
            "engine");

    /** Validates every field. */
    public Config {
      NetValues.tableName("inetTable", inetTable);
      if (bridgeTable != null) {
        NetValues.tableName("bridgeTable", bridgeTable);
      }
      if (priority < -400 || priority > 400) {
        throw new IllegalArgumentException("priority [" + priority + "] must be in [-400, 400]");
      }
      allow = List.copyOf(allow);
      CommandMitigator.CommandConfig.check(
          netns, allow, minPrefix4, minPrefix6, commandTimeout, ip);
      Objects.requireNonNull(nft, "nft");
      Objects.requireNonNull(engine, "engine");
      if (engine == Engine.LIBRARY && netns != null) {
        throw new IllegalArgumentException(
            "engine [library] acts in the daemon's own network namespace, not in netns ["
                + netns
                + "]: use engine [process] or [auto]");
      }
    }

    /**
     * Returns the defaults: tables {@code inet vigil} and {@code bridge vigil}, priority -10, no
     * allowlist, prefixes no wider than /16 and /48, 5 s per command, nft and ip from /usr/sbin,
     * engine {@code auto}.
     */
    public static Config defaults() {
      return fromMap(Map.of());
    }

    /**
     * Reads a settings map (as decoded from YAML). Keys, all optional: {@code inetTable} (default
     * "vigil"), {@code bridgeTable} (default "vigil"), {@code bridge} (false: no bridge table),
     * {@code netns}, {@code priority} (-10), {@code allow} (list of addresses, prefixes, MACs),
     * {@code minPrefix4} (16), {@code minPrefix6} (48), {@code commandTimeoutMillis} (5000), {@code
     * nft} and {@code ip} (absolute program paths), {@code engine} ({@code auto}, {@code library}:
     * fails here if libnftables cannot be loaded, or {@code process}).
     *
     * @throws IllegalArgumentException naming the first unknown key or bad value
     */
    public static Config fromMap(Map<String, ?> map) {
      StrictSettings s = BackendConfig.read("nftables", map, KEYS);
      boolean bridge = s.bool("bridge", true);
      String inetTable = s.string("inetTable", "vigil");
      String bridgeTable = bridge ? s.string("bridgeTable", "vigil") : null;
      String netns = s.string("netns", null);
      int priority = s.integer("priority", -10, -400, 400);
      List<String> allow = s.strings("allow");
      int minPrefix4 = s.integer("minPrefix4", 16, 1, 32);
      int minPrefix6 = s.integer("minPrefix6", 48, 1, 128);
      int timeoutMillis = s.integer("commandTimeoutMillis", 5000, 100, 600_000);
      String nft = s.string("nft", null);
      String ip = s.string("ip", null);
      String engineName = s.string("engine", "auto");
      Engine engine = Engine.AUTO;
      try {
        engine = Engine.valueOf(engineName.toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        s.problem("engine", "expected auto, library or process, got [" + engineName + "]");
      }
      if (engine == Engine.LIBRARY && Libnftables.loadError() != null) {
        s.problem("engine", "[library] but " + Libnftables.loadError());
      }
      BackendConfig.check(s);
      try {
        return new Config(
            inetTable,
            bridgeTable,
            netns,
            priority,
            allow,
            minPrefix4,
            minPrefix6,
            Duration.ofMillis(timeoutMillis),
            BackendConfig.program("nftables", "nft", nft, "nft"),
            BackendConfig.program("nftables", "ip", ip, "ip"),
            engine);
      } catch (IllegalArgumentException e) {
        throw e.getMessage().startsWith("nftables:")
            ? e
            : new IllegalArgumentException("nftables: " + e.getMessage(), e);
      }
    }
  }

  /** Creates a backend with {@link Config#defaults()}, for {@link java.util.ServiceLoader}. */
  public NftablesMitigator() {
    this(Config.defaults());
  }

  /** Creates a backend with {@code config}. */
  public NftablesMitigator(Config config) {
    this(config, Clock.systemUTC(), null);
  }

  /** For tests: a fixed clock and runner. */
  NftablesMitigator(Config config, Clock clock, CommandRunner runner) {
    super("nftables", Config::fromMap, config, clock, runner);
  }

  /**
   * Adds the target to the quarantine sets with a timeout of the decision's remaining TTL (a
   * re-applied decision gets the new timeout). {@link #apply(Decision)} checks the decision first:
   * it must be a QUARANTINE of a valid, not too wide, not allowlisted value.
   *
   * @throws IOException if nft fails (nothing was changed then)
   */
  @Override
  void apply(Target t, Decision d, long ttl) throws IOException, InterruptedException {
    StringBuilder sb = ensureScript();
    for (String table : tables()) {
      SETS.replace(sb, table, t, ttl);
    }
    nft(sb.toString());
    LOG.info("quarantined [{}] for [{}] s (decision [{}])", t, ttl, d.id());
  }

  /**
   * Removes the target from the quarantine sets; an absent element is not an error.
   *
   * @throws IOException if nft fails
   */
  @Override
  void revoke(Target t, Decision d) throws IOException, InterruptedException {
    StringBuilder sb = ensureScript();
    for (String table : tables()) {
      SETS.remove(sb, table, t);
    }
    nft(sb.toString());
    LOG.info("lifted quarantine of [{}] (decision [{}])", t, d.id());
  }

  /**
   * Makes the sets hold exactly the targets of {@code live} with their remaining timeouts, in one
   * transaction (flush, then add). Simulated, expired, non-QUARANTINE, invalid and allowlisted
   * decisions are skipped (the last two with a warning), as is a prefix overlapping a wider one
   * (nftables refuses overlapping intervals; it is added by a later reconcile once the wider one
   * lapses).
   *
   * @throws IOException if nft fails (nothing was changed then)
   */
  @Override
  public synchronized void reconcile(List<Decision> live) throws IOException, InterruptedException {
    Map<Target, Long> want = new LinkedHashMap<>();
    for (Decision d : live) {
      if (d.simulated() || d.action() != Decision.Action.QUARANTINE) {
        continue;
      }
      Target t;
      try {
        t = target(d);
      } catch (IllegalArgumentException e) {
        LOG.warn("reconcile skips decision [{}]: {}", d.id(), e.getMessage());
        continue;
      }
      long ttl = remainingSeconds(d);
      if (ttl > 0) {
        want.merge(t, ttl, Math::max);
      }
    }
    want.keySet().retainAll(TimedSets.insertable(want.keySet(), LOG));
    StringBuilder sb = ensureScript();
    for (String table : tables()) {
      SETS.refill(sb, table, want);
    }
    nft(sb.toString());
    LOG.info("reconciled quarantine: [{}] target(s) in force", want.size());
  }

  /** Returns {@code null} when nft is installed and runs, else what is wrong. */
  @Override
  public String preflight() {
    Config c = config();
    if (c == null) {
      return "nftables: not configured";
    }
    String nft = programRuns(c.nft(), "--version");
    return nft != null ? "nftables: " + nft : null;
  }

  /** Returns {@code null} when nft can list both tables, else what is wrong. */
  @Override
  public String health() {
    for (String table : tables()) {
      try {
        String[] ft = table.split(" ");
        runner().run(command(List.of(config().nft(), "list", "table", ft[0], ft[1])), null);
      } catch (IOException e) {
        return "cannot list table " + table + ": " + e.getMessage();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "interrupted";
      }
    }
    return null;
  }

  /** Returns "family name" of each table it owns. */
  List<String> tables() {
    Config c = config();
    return c.bridgeTable() == null
        ? List.of("inet " + c.inetTable())
        : List.of("inet " + c.inetTable(), "bridge " + c.bridgeTable());
  }

  /**
   * Decides the engine of {@code c}: the library for {@code library}, and for {@code auto} when it
   * loads and no namespace is configured.
   */
  @Override
  void installing(Config c) {
    Engine e = c.engine();
    if (e == Engine.AUTO) {
      e = c.netns() == null && Libnftables.loadError() == null ? Engine.LIBRARY : Engine.PROCESS;
    }
    if (e == Engine.PROCESS && library != null) {
      library.close();
      library = null;
    }
    engine = e;
    engineLogged = false;
  }

  /** Returns the engine in force: {@link Engine#LIBRARY} or {@link Engine#PROCESS}. */
  Engine engine() {
    return engine;
  }

  /** Frees the libnftables context, if one was made. Quarantines stay in force. */
  @Override
  public synchronized void close() {
    if (library != null) {
      library.close();
      library = null;
    }
  }

  /** Runs {@code script} as one transaction with the engine in force; called under the lock. */
  private void nft(String script) throws IOException, InterruptedException {
    Engine e = engine;
    if (!engineLogged) {
      engineLogged = true;
      LOG.info(
          "nftables backend applies through [{}]",
          e == Engine.LIBRARY
              ? "libnftables, in process"
              : "nft -f -, a process per call"
                  + (config().netns() == null ? "" : " in netns " + config().netns()));
    }
    if (e == Engine.LIBRARY) {
      if (library == null) {
        library = new Libnftables();
      }
      library.run(script);
    } else {
      runner().run(command(List.of(config().nft(), "-f", "-")), script);
    }
  }

  @Override
  Target target(Decision d) {
    requireAction(d, Decision.Action.QUARANTINE);
    return notAllowlisted(decisionTarget(d), d, "quarantine");
  }

  @Override
  String applying(Target t) {
    return "quarantine [" + t + "]";
  }

  @Override
  String revoking(Target t) {
    return "lift quarantine of [" + t + "]";
  }

  /** Creates the tables, sets and chains if missing and resets the chains' rules. */
  private StringBuilder ensureScript() {
    Config c = config();
    StringBuilder sb = new StringBuilder();
    for (String table : tables()) {
      sb.append("add table ").append(table).append('\n');
      SETS.declare(sb, table);
      boolean inet = table.startsWith("inet ");
      List<String> chains = inet ? List.of("forward", "input") : List.of("forward");
      for (String chain : chains) {
        sb.append("add chain ")
            .append(table)
            .append(' ')
            .append(chain)
            .append(" { type filter hook ")
            .append(chain)
            .append(" priority ")
            .append(c.priority())
            .append("; policy accept; }\n");
        sb.append("flush chain ").append(table).append(' ').append(chain).append('\n');
        List<String> dirs = chain.equals("input") ? List.of("saddr") : List.of("saddr", "daddr");
        for (String dir : dirs) {
          for (String[] m : SETS.matches()) {
            if (inet && dir.equals("daddr") && m[0].equals("ether")) {
              // A routed packet's destination MAC is the gateway's own.
              continue;
            }
            sb.append("add rule ")
                .append(table)
                .append(' ')
                .append(chain)
                .append(' ')
                .append(m[0])
                .append(' ')
                .append(dir)
                .append(" @")
                .append(m[1])
                .append(" drop\n");
          }
        }
      }
    }
    return sb;
  }
}
