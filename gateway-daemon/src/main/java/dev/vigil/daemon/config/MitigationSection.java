package dev.vigil.daemon.config;

import dev.vigil.common.settings.StrictSettings;
import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.InvalidConfigException;
import dev.vigil.mitigate.api.MitigatorRegistry;
import dev.vigil.mitigate.policy.GatewayIdentityRefresher;
import dev.vigil.mitigate.policy.Policy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the {@code mitigation} section for {@link ConfigLoader}, with the same strictness: every
 * problem is reported with its key. The policy file is loaded and validated here, and every
 * mitigator's settings are checked by the mitigator itself ({@link MitigatorRegistry#load(Map)}),
 * so that a bad policy or backend section is a configuration error and nothing is half-applied at
 * start.
 */
final class MitigationSection {
  static final Set<String> KEYS =
      Set.of(
          "policy",
          "store",
          "token-file",
          "actions",
          "mitigators",
          "sweep",
          "reconcile",
          "max-manual-ttl",
          "queue-size",
          "backend-deadline",
          "identity-refresh");

  /** The backend every action uses when {@code actions} does not name one. */
  static final String DEFAULT_BACKEND = "log";

  private MitigationSection() {}

  /**
   * Reads the section; returns the settings when present, else empty. Problems are added to {@code
   * loader}'s list.
   */
  static Optional<VigilConfig.Mitigation> parse(
      ConfigLoader loader, StrictSettings m, boolean present) {
    if (!present) {
      return Optional.empty();
    }
    List<String> problems = new ArrayList<>();

    Path policyFile = loader.requiredPath(m, "policy", true);
    Policy policy = null;
    if (policyFile != null && Files.isRegularFile(policyFile)) {
      try {
        policy = Policy.load(policyFile);
      } catch (InvalidConfigException e) {
        for (String p : e.problems()) {
          problems.add(m.key("policy") + ": [" + policyFile + "] " + p);
        }
      }
    } else if (policyFile != null && Files.exists(policyFile)) {
      problems.add(m.key("policy") + ": [" + policyFile + "] is not a file");
    }

    Path store = loader.requiredPath(m, "store", false);
    if (store != null && Files.isDirectory(store)) {
      problems.add(m.key("store") + ": [" + store + "] is a folder; name the database file in it");
    }
    Optional<Path> tokenFile = loader.secretPath(m, "token-file", true);
    if (tokenFile.isPresent()
        && Files.exists(tokenFile.get())
        && !Files.isRegularFile(tokenFile.get())) {
      problems.add(m.key("token-file") + ": [" + tokenFile.get() + "] is not a file");
    }

    Map<String, Map<String, Object>> settings = mitigators(m, problems);
    List<String> loaded = List.of();
    try {
      loaded = MitigatorRegistry.load(settings).types();
    } catch (InvalidConfigException e) {
      for (String p : e.problems()) {
        problems.add(m.path() + "." + dedupe(p));
      }
      loaded = MitigatorRegistry.load().types();
    } catch (RuntimeException | LinkageError e) {
      problems.add(m.key("mitigators") + ": cannot load the mitigators: " + e);
    }

    Map<Decision.Action, List<String>> actions = actions(m, loaded, problems);

    Duration sweep =
        m.duration("sweep", Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofHours(1));
    Duration reconcile =
        m.duration("reconcile", Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofDays(1));
    Duration maxTtl =
        m.duration(
            "max-manual-ttl", Duration.ofDays(7), Duration.ofSeconds(1), Duration.ofDays(365));
    int queueSize = m.integer("queue-size", 4096, 16, 1_000_000);
    Duration backendDeadline =
        m.duration(
            "backend-deadline",
            dev.vigil.mitigate.BackendCalls.defaults().deadline(),
            Duration.ofMillis(100),
            Duration.ofMinutes(10));
    Duration identityRefresh =
        m.duration(
            "identity-refresh",
            GatewayIdentityRefresher.MAX_PERIOD,
            Duration.ofSeconds(1),
            GatewayIdentityRefresher.MAX_PERIOD);

    problems.forEach(loader::problem);
    if (!problems.isEmpty() || policy == null || store == null) {
      return Optional.empty();
    }
    return Optional.of(
        new VigilConfig.Mitigation(
            policyFile,
            policy,
            store,
            tokenFile,
            actions,
            settings,
            sweep,
            reconcile,
            maxTtl,
            queueSize,
            backendDeadline,
            identityRefresh));
  }

  /**
   * Drops a repeated type from a backend's problem: the nftables and iproute2 backends name
   * themselves in their messages ({@code mitigators.nftables.nftables: unknown setting(s)...}).
   */
  static String dedupe(String problem) {
    java.util.regex.Matcher x =
        java.util.regex.Pattern.compile(
                "mitigators\\.([A-Za-z0-9_-]+)\\.\\1: (.*)", java.util.regex.Pattern.DOTALL)
            .matcher(problem);
    return x.matches() ? "mitigators." + x.group(1) + ": " + x.group(2) : problem;
  }

  private static Map<String, Map<String, Object>> mitigators(
      StrictSettings m, List<String> problems) {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    Object raw = m.raw("mitigators");
    if (raw == null) {
      return out;
    }
    if (!(raw instanceof Map<?, ?> map)) {
      problems.add(
          m.key("mitigators")
              + ": expected a mapping of mitigator type to its settings, got "
              + m.describe(raw));
      return out;
    }
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof String type)) {
        problems.add(m.key("mitigators") + "." + e.getKey() + ": keys must be strings");
        continue;
      }
      Object v = e.getValue();
      if (v == null) {
        out.put(type, Map.of());
      } else if (v instanceof Map<?, ?> section) {
        Map<String, Object> copy = new LinkedHashMap<>();
        section.forEach((k, x) -> copy.put(String.valueOf(k), x));
        out.put(type, copy);
      } else {
        problems.add(
            m.key("mitigators")
                + "."
                + type
                + ": expected a mapping of settings, got "
                + m.describe(v));
      }
    }
    return out;
  }

  private static Map<Decision.Action, List<String>> actions(
      StrictSettings m, List<String> loaded, List<String> problems) {
    Set<String> names = new LinkedHashSet<>();
    for (Decision.Action a : Decision.Action.values()) {
      names.add(a.name().toLowerCase(Locale.ROOT));
    }
    StrictSettings s = m.section("actions", names);
    Map<Decision.Action, List<String>> out = new EnumMap<>(Decision.Action.class);
    for (Decision.Action a : Decision.Action.values()) {
      String k = a.name().toLowerCase(Locale.ROOT);
      if (!s.has(k)) {
        out.put(a, List.of(DEFAULT_BACKEND));
        continue;
      }
      Object v = s.raw(k);
      if (v instanceof List<?> l && l.isEmpty()) {
        out.put(a, List.of()); // stored only
        continue;
      }
      List<String> types = s.nonEmptyStrings(k);
      if (types == null) {
        continue;
      }
      Set<String> seen = new LinkedHashSet<>();
      for (int i = 0; i < types.size(); i++) {
        String t = types.get(i);
        if (!loaded.isEmpty() && !loaded.contains(t)) {
          problems.add(
              s.key(k)
                  + "["
                  + i
                  + "]: unknown mitigator type ["
                  + t
                  + "] (loaded: "
                  + loaded
                  + ")");
        } else if (!seen.add(t)) {
          problems.add(s.key(k) + "[" + i + "]: [" + t + "] is listed twice");
        }
      }
      out.put(a, List.copyOf(seen));
    }
    return out;
  }
}
