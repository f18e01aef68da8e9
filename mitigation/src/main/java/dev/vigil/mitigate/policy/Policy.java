package dev.vigil.mitigate.policy;

import dev.vigil.common.settings.StrictSettings;
import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.InvalidConfigException;
import dev.vigil.mitigate.api.Targets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A mitigation policy: rules that turn verdicts into decisions, with an allowlist, escalation for
 * repeat offenders, a blast-radius cap and dry-run switches. Read from YAML by {@link #parse} or
 * {@link #load}, strictly: every problem (unknown key, wrong type, bad value) is reported at once
 * with its path, and no policy is returned unless the whole file is valid. See {@code
 * config/policy.yaml} for the documented format.
 *
 * <p>Immutable and thread-safe.
 *
 * @param dryRun when true, every decision is simulated
 * @param maxDecisionsPerMinute cap on new decisions in any 60 s (blast radius)
 * @param zone the zone rules' time-of-day windows are read in
 * @param allowlist entities never decided on (the gateway's own addresses are added by {@link
 *     PolicyEngine})
 * @param escalation how repeat offences lengthen decisions
 * @param rules the rules, tried in order; the first match decides
 * @param surgeHosts with {@code surgeWithin}: when verdicts that a quarantine or reroute rule
 *     matches came from at least this many distinct entities within {@code surgeWithin}, no such
 *     decision is made (a network-wide event, such as every device reconnecting after an outage,
 *     not one attacker); 0: off
 * @param surgeWithin the span of the surge guard
 * @param surgeLookBack when a verdict makes a surge, the decisions that guarded rules made on
 *     window-detector verdicts this long before it are lifted (the first hosts of the event,
 *     decided on a moment before it was one); zero (the default): none; at most {@code surgeWithin}
 */
public record Policy(
    boolean dryRun,
    int maxDecisionsPerMinute,
    ZoneId zone,
    Allowlist allowlist,
    Escalation escalation,
    List<Rule> rules,
    int surgeHosts,
    Duration surgeWithin,
    Duration surgeLookBack) {

  /** A policy without a surge guard. */
  public Policy(
      boolean dryRun,
      int maxDecisionsPerMinute,
      ZoneId zone,
      Allowlist allowlist,
      Escalation escalation,
      List<Rule> rules) {
    this(
        dryRun,
        maxDecisionsPerMinute,
        zone,
        allowlist,
        escalation,
        rules,
        0,
        Duration.ofSeconds(30),
        Duration.ZERO);
  }

  private static final Set<String> TOP =
      Set.of(
          "dry-run",
          "max-decisions-per-minute",
          "time-zone",
          "allowlist",
          "escalation",
          "rules",
          "surge-guard");
  private static final Set<String> SURGE = Set.of("hosts", "within", "look-back");
  private static final Set<String> ALLOW =
      Set.of("addresses", "macs", "devices", "management-hosts");
  private static final Set<String> ESCALATION = Set.of("factor", "max-duration", "look-back");
  private static final Set<String> RULE =
      Set.of("name", "match", "action", "duration", "dry-run", "escalate");
  private static final Set<String> MATCH =
      Set.of(
          "kind",
          "min-severity",
          "min-score",
          "scope",
          "cidr",
          "device",
          "time",
          "min-alerts",
          "within",
          "role",
          "detector");

  /** Copies. */
  public Policy {
    rules = List.copyOf(rules);
    if (maxDecisionsPerMinute < 1) {
      throw new IllegalArgumentException("maxDecisionsPerMinute must be at least 1");
    }
  }

  /**
   * Reads the policy file at {@code file}.
   *
   * @throws InvalidConfigException if it cannot be read or is invalid, listing every problem
   */
  public static Policy load(Path file) throws InvalidConfigException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new InvalidConfigException(file.toString(), List.of("cannot read file: " + e));
    }
    return parse(file.toString(), text);
  }

  /**
   * Parses policy YAML read from {@code source}.
   *
   * @throws InvalidConfigException if it is invalid, listing every problem
   */
  public static Policy parse(String source, String text) throws InvalidConfigException {
    StrictSettings top = StrictSettings.of(source, parseYaml(source, text), TOP);
    boolean dryRun = top.bool("dry-run", false);
    int cap = top.integer("max-decisions-per-minute", 10, 1, 10_000);
    ZoneId zone = ZoneId.systemDefault();
    String z = top.string("time-zone", null);
    if (z != null) {
      try {
        zone = ZoneId.of(z);
      } catch (DateTimeException e) {
        top.problem("time-zone", "unknown time zone [" + Targets.quote(z) + "]");
      }
    }

    StrictSettings a = top.section("allowlist", ALLOW);
    List<Targets.Cidr> networks = new ArrayList<>();
    for (String k : List.of("addresses", "management-hosts")) {
      List<String> list = a.strings(k);
      for (int i = 0; i < list.size(); i++) {
        try {
          if (k.equals("management-hosts")) {
            Targets.ip(list.get(i)); // hosts, not blocks
          }
          networks.add(Allowlist.network(list.get(i)));
        } catch (IllegalArgumentException e) {
          a.problem(k + "[" + i + "]", e.getMessage());
        }
      }
    }
    Set<String> macs = new LinkedHashSet<>();
    List<String> macList = a.strings("macs");
    for (int i = 0; i < macList.size(); i++) {
      try {
        macs.add(Targets.mac(macList.get(i)));
      } catch (IllegalArgumentException e) {
        a.problem("macs[" + i + "]", e.getMessage());
      }
    }
    Set<String> devices = new LinkedHashSet<>();
    List<String> devList = a.strings("devices");
    for (int i = 0; i < devList.size(); i++) {
      try {
        devices.add(Targets.device(devList.get(i)));
      } catch (IllegalArgumentException e) {
        a.problem("devices[" + i + "]", e.getMessage());
      }
    }

    Escalation escalation = Escalation.off();
    if (top.has("escalation")) {
      StrictSettings e = top.section("escalation", ESCALATION);
      double factor = e.number("factor", 2, 1, 100);
      Duration max =
          e.duration(
              "max-duration", Duration.ofDays(7), Duration.ofSeconds(1), Duration.ofDays(365));
      Duration lookBack =
          e.duration("look-back", Duration.ofDays(1), Duration.ofMinutes(1), Duration.ofDays(365));
      escalation = new Escalation(factor, max, lookBack);
    }

    List<Rule> rules = new ArrayList<>();
    if (top.raw("rules") == null) {
      top.problem("rules", "required, a non-empty list of rules");
    } else if (top.raw("rules") instanceof List<?> l && l.isEmpty()) {
      top.problem("rules", "must hold at least one rule");
    }
    Set<String> names = new HashSet<>();
    for (StrictSettings r : top.sections("rules", RULE)) {
      Rule rule = rule(r);
      if (rule != null && !names.add(rule.name())) {
        r.problem("name", "duplicate rule name [" + rule.name() + "]");
      }
      rules.add(rule);
    }
    int surgeHosts = 0;
    Duration surgeWithin = Duration.ofSeconds(30);
    Duration surgeLookBack = Duration.ZERO;
    if (top.has("surge-guard")) {
      StrictSettings g = top.section("surge-guard", SURGE);
      surgeHosts = g.integer("hosts", 3, 2, 100_000);
      surgeWithin =
          g.duration("within", Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofHours(1));
      surgeLookBack = g.duration("look-back", Duration.ZERO, Duration.ZERO, Duration.ofHours(1));
      if (surgeLookBack.compareTo(surgeWithin) > 0) {
        g.problem("look-back", "must be at most within (" + surgeWithin + ")");
      }
    }
    InvalidConfigException.check(top);
    return new Policy(
        dryRun,
        cap,
        zone,
        new Allowlist(networks, macs, devices),
        escalation,
        rules,
        surgeHosts,
        surgeWithin,
        surgeLookBack);
  }

  /**
   * Parses YAML text with SnakeYAML's {@link SafeConstructor} (plain maps, lists and scalars only;
   * duplicate keys refused; aliases limited) and returns its top level; an empty document is an
   * empty mapping.
   *
   * @throws InvalidConfigException if the text is not YAML or its top level is not a mapping
   */
  private static Map<?, ?> parseYaml(String source, String text) throws InvalidConfigException {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(10);
    options.setCodePointLimit(1 << 20);
    Object root;
    try {
      root = new Yaml(new SafeConstructor(options)).load(text);
    } catch (YAMLException e) {
      throw new InvalidConfigException(
          source, List.of("not valid YAML: " + String.valueOf(e.getMessage()).replace('\n', ' ')));
    } catch (RuntimeException e) {
      // SnakeYAML lets some scalars its resolver accepts fail to construct, such as the "float"
      // ._ (NumberFormatException for "."; found by ConfigLoaderFuzzTest).
      throw new InvalidConfigException(source, List.of("not valid YAML: " + e));
    }
    if (root == null) {
      return Map.of();
    }
    if (!(root instanceof Map<?, ?> map)) {
      throw new InvalidConfigException(
          source,
          List.of(
              "the top level must be a mapping, got "
                  + StrictSettings.of(source, null, Set.of()).describe(root)));
    }
    return map;
  }

  private static Rule rule(StrictSettings r) {
    String name = r.requiredString("name");
    if (name != null && !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
      r.problem("name", "use 1 to 64 letters, digits, '.', '_' or '-'");
    }
    Decision.Action action = null;
    String act = r.requiredString("action");
    if (act != null) {
      action = enumValue(r, "action", act, Decision.Action.class);
    }
    Duration duration = null;
    if (r.raw("duration") == null) {
      r.problem("duration", "required, such as 10m or 1h");
    } else {
      duration = r.duration("duration", null, Duration.ofSeconds(1), Duration.ofDays(365));
    }
    boolean dryRun = r.bool("dry-run", false);
    boolean escalate = r.bool("escalate", true);

    StrictSettings m = r.section("match", MATCH);
    Set<Verdict.Kind> kinds = new LinkedHashSet<>();
    for (String k : m.strings("kind")) {
      Verdict.Kind v = enumValue(m, "kind", k, Verdict.Kind.class);
      if (v != null) {
        kinds.add(v);
      }
    }
    Verdict.Severity sev = Verdict.Severity.NONE;
    String s = m.string("min-severity", null);
    if (s != null) {
      Verdict.Severity v = enumValue(m, "min-severity", s, Verdict.Severity.class);
      sev = v == null ? sev : v;
    }
    double minScore = m.number("min-score", Double.NEGATIVE_INFINITY, -1e9, 1e9);
    Set<Decision.Scope> scopes = new LinkedHashSet<>();
    for (String k : m.strings("scope")) {
      Decision.Scope v = enumValue(m, "scope", k, Decision.Scope.class);
      if (v != null) {
        scopes.add(v);
      }
    }
    List<Targets.Cidr> cidrs = new ArrayList<>();
    List<String> cidrText = m.strings("cidr");
    for (int i = 0; i < cidrText.size(); i++) {
      try {
        cidrs.add(Targets.parseCidr(cidrText.get(i)));
      } catch (IllegalArgumentException e) {
        m.problem("cidr[" + i + "]", e.getMessage());
      }
    }
    List<String> devices = new ArrayList<>();
    List<String> devText = m.strings("device");
    for (int i = 0; i < devText.size(); i++) {
      String g = devText.get(i);
      if (!g.matches("[A-Za-z0-9._*?-]{1,64}")) {
        m.problem(
            "device[" + i + "]", "a device pattern holds letters, digits, '.', '_', '-', * and ?");
      } else {
        devices.add(g);
      }
    }
    if (!cidrs.isEmpty() && !devices.isEmpty()) {
      m.problem("cidr", "cidr and device cannot both be set (an entity is an address or a device)");
    }
    Optional<TimeWindow> window = Optional.empty();
    if (m.has("time")) {
      Object t = m.raw("time");
      if (t instanceof String ts) {
        try {
          window = Optional.of(TimeWindow.parse(ts));
        } catch (IllegalArgumentException e) {
          m.problem("time", e.getMessage() + ", got [" + Targets.quote(ts) + "]");
        }
      } else {
        m.problem("time", "expected HH:MM-HH:MM, such as 22:00-06:00, got " + m.describe(t));
      }
    }
    Set<Verdict.Role> roles = new LinkedHashSet<>();
    for (String k : m.strings("role")) {
      Verdict.Role v = enumValue(m, "role", k, Verdict.Role.class);
      if (v == Verdict.Role.UNKNOWN) {
        m.problem("role", "expected initiator or responder, got [unknown]");
      } else if (v != null) {
        roles.add(v);
      }
    }
    Set<Verdict.Detector> detectors = new LinkedHashSet<>();
    for (String k : m.strings("detector")) {
      Verdict.Detector v = enumValue(m, "detector", k, Verdict.Detector.class);
      if (v != null) {
        detectors.add(v);
      }
    }
    int minAlerts = m.integer("min-alerts", 1, 1, 1000);
    Duration within =
        m.duration("within", Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofDays(1));
    if (m.has("within") && !m.has("min-alerts")) {
      m.problem("within", "only means something with min-alerts (how many alerts within it)");
    }
    if (name == null || action == null || duration == null || r.hasProblems()) {
      return null;
    }
    return new Rule(
        name, kinds, sev, minScore, scopes, cidrs, devices, window, action, duration, dryRun,
        escalate, roles, minAlerts, within, detectors);
  }

  private static <E extends Enum<E>> E enumValue(
      StrictSettings s, String key, String text, Class<E> type) {
    try {
      return Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      List<String> allowed = new ArrayList<>();
      for (E c : type.getEnumConstants()) {
        allowed.add(c.name().toLowerCase(Locale.ROOT));
      }
      s.problem(
          key,
          "unknown value ["
              + Targets.quote(text)
              + "] (allowed: "
              + String.join(", ", allowed)
              + ")");
      return null;
    }
  }
}
