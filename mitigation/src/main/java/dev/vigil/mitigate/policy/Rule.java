package dev.vigil.mitigate.policy;

import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.Targets;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One policy rule: which verdicts it matches, and the decision it makes for them. Empty match sets
 * mean "any".
 *
 * @param name unique name, shown in decisions' reasons
 * @param kinds verdict kinds matched; empty for any
 * @param minSeverity lowest severity matched
 * @param minScore lowest score matched
 * @param scopes entity scopes matched; empty for any. {@code IP} also matches a verdict about a
 *     host address whose entity is the sender's MAC (a LAN sender, see {@link Verdict#address})
 * @param cidrs blocks an IP (or CIDR) entity, or the address of a MAC verdict, must lie in; empty
 *     for any entity
 * @param devices glob patterns ({@code *}, {@code ?}) a device id must match; empty for any entity
 * @param window time of day the verdict must fall in, in the policy's zone; empty for all day
 * @param action the action decided
 * @param duration the decision's base duration, before escalation
 * @param dryRun whether decisions of this rule are simulated
 * @param escalate whether repeat offences lengthen the duration
 * @param roles traffic roles matched; empty for any (a verdict of unknown role matches only then)
 * @param minAlerts matching verdicts on the same entity needed within {@code within} before the
 *     rule decides (1: the first one decides; as fail2ban's maxretry)
 * @param within the span those verdicts must fall in, by the verdicts' own times (as fail2ban's
 *     findtime)
 * @param detectors detectors matched; empty for any
 */
public record Rule(
    String name,
    Set<Verdict.Kind> kinds,
    Verdict.Severity minSeverity,
    double minScore,
    Set<Decision.Scope> scopes,
    List<Targets.Cidr> cidrs,
    List<String> devices,
    Optional<TimeWindow> window,
    Decision.Action action,
    Duration duration,
    boolean dryRun,
    boolean escalate,
    Set<Verdict.Role> roles,
    int minAlerts,
    Duration within,
    Set<Verdict.Detector> detectors) {

  /** Copies and validates. */
  public Rule {
    Objects.requireNonNull(name, "name");
    kinds = Set.copyOf(kinds);
    Objects.requireNonNull(minSeverity, "minSeverity");
    scopes = Set.copyOf(scopes);
    cidrs = List.copyOf(cidrs);
    devices = List.copyOf(devices);
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(action, "action");
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("duration must be positive");
    }
    roles = Set.copyOf(roles);
    detectors = Set.copyOf(detectors);
    if (minAlerts < 1) {
      throw new IllegalArgumentException("minAlerts must be at least 1, was " + minAlerts);
    }
    if (within.isNegative() || within.isZero()) {
      throw new IllegalArgumentException("within must be positive");
    }
    for (String d : devices) {
      glob(d);
    }
  }

  /** Returns whether this rule matches {@code v}, reading its time of day in {@code zone}. */
  public boolean matches(Verdict v, ZoneId zone) {
    if (!kinds.isEmpty() && !kinds.contains(v.kind())) {
      return false;
    }
    if (v.severity().compareTo(minSeverity) < 0 || v.score() < minScore) {
      return false;
    }
    if (!roles.isEmpty() && !roles.contains(v.role())) {
      return false;
    }
    if (!detectors.isEmpty() && !detectors.contains(v.detector())) {
      return false;
    }
    if (!scopes.isEmpty()
        && !scopes.contains(v.scope())
        && !(v.address() != null && scopes.contains(Decision.Scope.IP))) {
      return false;
    }
    if (!cidrs.isEmpty()) {
      boolean in =
          switch (v.scope()) {
            case IP -> cidrs.stream().anyMatch(c -> c.contains(v.entity()));
            case MAC ->
                v.address() != null && cidrs.stream().anyMatch(c -> c.contains(v.address()));
            case CIDR -> {
              Targets.Cidr e = Targets.parseCidr(v.entity());
              yield cidrs.stream()
                  .anyMatch(c -> c.contains(e.network()) && c.prefix() <= e.prefix());
            }
            default -> false;
          };
      if (!in) {
        return false;
      }
    }
    if (!devices.isEmpty()) {
      if (v.scope() != Decision.Scope.DEVICE
          || devices.stream().noneMatch(g -> glob(g).matcher(v.entity()).matches())) {
        return false;
      }
    }
    return window.isEmpty() || window.get().contains(v.time().atZone(zone).toLocalTime());
  }

  /** Compiles a {@code *}/{@code ?} glob to a regular expression; nothing else is special. */
  static Pattern glob(String g) {
    StringBuilder re = new StringBuilder();
    for (char c : g.toCharArray()) {
      switch (c) {
        case '*' -> re.append(".*");
        case '?' -> re.append('.');
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }
}
