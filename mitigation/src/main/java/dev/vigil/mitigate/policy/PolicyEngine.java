package dev.vigil.mitigate.policy;

import dev.vigil.mitigate.api.Decision;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Turns verdicts into decisions under a {@link Policy}. For each verdict, in order: an allowlisted
 * entity (the policy's allowlist plus the gateway's {@link GatewayIdentity}, which {@link
 * #replaceSelf} updates) is never decided on, nor is a LAN sender's MAC whose verdict is about an
 * allowlisted address it was not spoofing ({@link Verdict#spoofed}: a device spoofing an
 * allowlisted address may be quarantined, the address's own device never is, since the decision
 * names the spoofer's MAC); the first matching rule gives the action and base duration; an entity
 * that already has an unexpired decision for that action gets no second one (counted as {@code
 * active}); the blast-radius cap refuses a new decision when {@link Policy#maxDecisionsPerMinute}
 * were made in the last 60 s; a rule with {@link Rule#minAlerts} above 1 only matches once that
 * many of its verdicts on the entity fell within {@link Rule#within} (by the verdicts' times; until
 * then the verdict is counted as {@code pending} and the later rules are tried); a verdict on an
 * entity whose decision an operator lifted is ignored when timed up to the lift ({@code afterLift},
 * see {@link #lifted}); otherwise the duration is escalated by the entity's earlier offences and a
 * decision is made, simulated when the policy or the rule is a dry run.
 *
 * <p>The surge guard ({@link Policy#surgeHosts}) looks back as well as at the verdict in hand: the
 * first hosts of a network-wide event are decided on before the event is one (their windows close a
 * second before the others'), so when a verdict makes a surge, the decisions its guarded rules made
 * on window-detector (ensemble) verdicts within {@link Policy#surgeLookBack} before it are handed
 * back to be lifted ({@link #takeSurgeLifts}), and count as no offence. A scan, flood, beacon or
 * auth decision names a sender by evidence of its own packets and is never lifted so: otherwise an
 * attacker whose probes make two hosts look odd would lift its own quarantine.
 *
 * <p>Offence history and the cap's window are kept in memory; {@link #restore} seeds them from
 * stored decisions after a restart. Every outcome is counted ({@link #counters}).
 *
 * <p>Thread-safe: calls are serialised.
 */
public final class PolicyEngine {
  private static final Duration CAP_WINDOW = Duration.ofMinutes(1);

  /** Bound on the number of entities remembered, pruned of stale ones when reached. */
  private static final int MAX_ENTITIES = 100_000;

  /** How long a lift's time is kept for pruning a full table (verdicts arrive within seconds). */
  private static final Duration LIFT_MEMORY = Duration.ofHours(1);

  private Policy policy;
  private volatile Allowlist allowlist;
  private GatewayIdentity self;
  private final Map<String, Deque<Instant>> offences = new HashMap<>();
  private final Map<String, Instant> active = new HashMap<>();
  private final Deque<Instant> recent = new ArrayDeque<>();
  private final Map<String, Deque<Instant>> hits = new HashMap<>();

  /** A decision made by a rule the surge guard applies to: lifted if a surge forms after it. */
  private record Guarded(
      Instant verdictTime, Instant made, String entity, String activeKey, String id) {}

  private final Deque<Guarded> guarded = new ArrayDeque<>();
  private final List<String> surgeLifts = new java.util.ArrayList<>();
  private long surgeLifted;

  /** When an operator last lifted a decision on each entity: evidence up to then is judged. */
  private final Map<String, Instant> liftedAt = new HashMap<>();

  private final Map<String, Instant> surge = new HashMap<>();
  private long pending;
  private long surged;
  private long afterLift;
  private long decided;
  private long simulated;
  private long allowlisted;
  private long unmatched;
  private long activeCount;
  private long capped;

  /**
   * Counts of what became of verdicts since start.
   *
   * @param decided decisions made (simulated ones included)
   * @param simulated of those, simulated
   * @param allowlisted verdicts on allowlisted entities
   * @param unmatched verdicts no rule matched
   * @param active verdicts on entities that already had an unexpired decision for the action
   * @param capped verdicts refused by the blast-radius cap
   * @param pending verdicts a rule matched but that were fewer than its {@code min-alerts} within
   *     its span yet (and no later rule matched)
   * @param surged verdicts held by the surge guard (too many entities at once)
   * @param afterLift verdicts timed up to an operator's lift of the entity's decision
   * @param surgeLifted decisions lifted because a surge formed after them
   */
  public record Counters(
      long decided,
      long simulated,
      long allowlisted,
      long unmatched,
      long active,
      long capped,
      long pending,
      long surged,
      long afterLift,
      long surgeLifted) {}

  /** Creates an engine for {@code policy}, never deciding on {@code self}'s addresses. */
  public PolicyEngine(Policy policy, GatewayIdentity self) {
    this.policy = policy;
    this.self = self;
    this.allowlist = policy.allowlist().with(self);
  }

  /**
   * Puts {@code next} in force (a reload): its rules, allowlist, cap and dry-run switches apply to
   * the next verdict. What the engine remembers stays: decisions in force, offences (escalation),
   * the cap's window and the verdicts held back by rules that keep their names.
   */
  public synchronized void replace(Policy next) {
    this.policy = next;
    this.allowlist = next.allowlist().with(self);
  }

  /**
   * Puts a newly read gateway identity in force (its addresses, next hops, DNS and DHCP servers
   * allowlisted from the next verdict on).
   *
   * @return whether it differs from the one in force
   */
  public synchronized boolean replaceSelf(GatewayIdentity next) {
    if (next.equals(self)) {
      return false;
    }
    this.self = next;
    this.allowlist = policy.allowlist().with(next);
    return true;
  }

  /** Returns the gateway identity in force. */
  public synchronized GatewayIdentity self() {
    return self;
  }

  /** Returns the policy in force. */
  public synchronized Policy policy() {
    return policy;
  }

  /** Returns the allowlist in force: the policy's plus the gateway's own addresses. */
  public Allowlist allowlist() {
    return allowlist;
  }

  /**
   * Returns whether {@code value} of {@code scope} is allowlisted; manual decisions should be
   * checked with this too.
   */
  public synchronized boolean allowlisted(Decision.Scope scope, String value) {
    return allowlist.contains(scope, value);
  }

  /**
   * Returns the name of the first rule whose match {@code verdict} meets (allowlist, minimum
   * alerts, surge guard and cap not considered), or empty. Changes nothing: no counter, offence,
   * active decision or cap moves, so the daemon may call it with a synthetic verdict to load the
   * matching code before the first real alert.
   */
  public synchronized Optional<String> firstMatch(Verdict verdict) {
    allowlist.contains(verdict.scope(), verdict.entity());
    for (Rule r : policy.rules()) {
      if (r.matches(verdict, policy.zone())) {
        return Optional.of(r.name());
      }
    }
    return Optional.empty();
  }

  /**
   * Decides on {@code verdict} at {@code now}: a new decision (to store and apply), or empty when
   * the verdict is allowlisted, unmatched, already acted on or over the cap; see the class comment.
   */
  public synchronized Optional<Decision> decide(Verdict verdict, Instant now) {
    if (allowlist.contains(verdict.scope(), verdict.entity())
        || !verdict.spoofed()
            && verdict.address() != null
            && allowlist.contains(Decision.Scope.IP, verdict.address())) {
      allowlisted++;
      return Optional.empty();
    }
    String entityKey = verdict.scope() + " " + verdict.entity();
    Instant lift = liftedAt.get(entityKey);
    if (lift != null && !verdict.time().isAfter(lift)) {
      afterLift++;
      return Optional.empty();
    }
    Rule rule = null;
    boolean held = false;
    boolean surging = false;
    for (Rule r : policy.rules()) {
      if (r.matches(verdict, policy.zone())) {
        if (policy.surgeHosts() > 0 && r.action() != Decision.Action.ALERT) {
          if (surging || surging(verdict)) {
            if (!surging) {
              liftSurged(verdict.time());
            }
            surging = true;
            continue;
          }
        }
        if (r.minAlerts() > 1 && !enough(r, verdict)) {
          held = true;
          continue;
        }
        rule = r;
        break;
      }
    }
    if (rule == null) {
      if (surging) {
        surged++;
      } else if (held) {
        pending++;
      } else {
        unmatched++;
      }
      return Optional.empty();
    }
    String entity = verdict.scope() + " " + verdict.entity();
    String activeKey = entity + " " + rule.action();
    Instant until = active.get(activeKey);
    if (until != null && now.isBefore(until)) {
      activeCount++;
      return Optional.empty();
    }
    while (!recent.isEmpty() && !recent.peekFirst().isAfter(now.minus(CAP_WINDOW))) {
      recent.pollFirst();
    }
    if (recent.size() >= policy.maxDecisionsPerMinute()) {
      capped++;
      return Optional.empty();
    }
    prune(now);
    Deque<Instant> past = offences.computeIfAbsent(entity, k -> new ArrayDeque<>());
    forget(past, now);
    int n = past.size() + 1;
    Duration d = rule.escalate() ? policy.escalation().apply(rule.duration(), n) : rule.duration();
    boolean sim = policy.dryRun() || rule.dryRun();
    String reason =
        verdict.summary()
            + (verdict.explanation().isEmpty() ? "" : ": " + verdict.explanation())
            + " [rule "
            + rule.name()
            + (n > 1 ? ", offence " + n : "")
            + "]";
    Decision decision =
        new Decision(
            UUID.randomUUID().toString(),
            verdict.scope(),
            verdict.entity(),
            rule.action(),
            reason,
            verdict.score(),
            Decision.Origin.DETECTOR,
            now,
            now.plus(d),
            sim);
    past.addLast(now);
    active.put(activeKey, decision.expires());
    recent.addLast(now);
    decided++;
    if (policy.surgeHosts() > 0
        && !policy.surgeLookBack().isZero()
        && rule.action() != Decision.Action.ALERT
        && verdict.detector() == Verdict.Detector.ENSEMBLE) {
      Instant horizon = verdict.time().minus(policy.surgeWithin());
      while (!guarded.isEmpty()
          && (guarded.size() >= MAX_ENTITIES
              || guarded.peekFirst().verdictTime().isBefore(horizon))) {
        guarded.pollFirst();
      }
      guarded.addLast(new Guarded(verdict.time(), now, entity, activeKey, decision.id()));
    }
    if (sim) {
      simulated++;
    }
    return Optional.of(decision);
  }

  /**
   * Seeds offence history and the active set from stored decisions (e.g. those created within the
   * escalation look-back), so a restart neither resets escalation nor decides twice on an entity
   * already acted on. Revoked decisions count as offences but not as active.
   *
   * @param decisions stored decisions, any order
   * @param revoked ids of those that were lifted
   */
  public synchronized void restore(List<Decision> decisions, java.util.Set<String> revoked) {
    List<Decision> sorted =
        decisions.stream().sorted(java.util.Comparator.comparing(Decision::created)).toList();
    for (Decision d : sorted) {
      String entity = d.scope() + " " + d.value();
      offences.computeIfAbsent(entity, k -> new ArrayDeque<>()).addLast(d.created());
      if (!revoked.contains(d.id())) {
        active.merge(entity + " " + d.action(), d.expires(), (a, b) -> a.isAfter(b) ? a : b);
      }
    }
  }

  /**
   * Forgets that {@code d} is in force (an operator lifted it at {@code at}), so the entity can be
   * decided on again, but only on new evidence: its verdicts held back by {@link Rule#minAlerts}
   * are dropped, and verdicts timed up to {@code at} (alerts raised before the lift, still on their
   * way, or on windows that closed before it) are ignored. Otherwise the tail of the incident the
   * operator just judged would put the decision straight back.
   */
  public synchronized void lifted(Decision d, Instant at) {
    String entity = d.scope() + " " + d.value();
    String key = entity + " " + d.action();
    Instant until = active.get(key);
    if (until != null && !until.isAfter(d.expires())) {
      active.remove(key);
    }
    String suffix = "\u0000" + entity;
    hits.keySet().removeIf(k -> k.endsWith(suffix));
    if (liftedAt.size() >= MAX_ENTITIES) {
      liftedAt.values().removeIf(x -> x.isBefore(at.minus(LIFT_MEMORY)));
      if (liftedAt.size() >= MAX_ENTITIES) {
        liftedAt.clear(); // bounded: at worst some stale evidence is judged again
      }
    }
    liftedAt.merge(entity, at, (a, b) -> a.isAfter(b) ? a : b);
  }

  /**
   * A surge formed at {@code t}: the decisions guarded rules made on verdicts within {@link
   * Policy#surgeLookBack} before it are to be lifted; they count as no offence and leave no entity
   * active.
   */
  private void liftSurged(Instant t) {
    Instant horizon = t.minus(policy.surgeLookBack());
    for (Guarded g : guarded) {
      if (g.verdictTime().isBefore(horizon)) {
        continue;
      }
      surgeLifts.add(g.id());
      surgeLifted++;
      active.remove(g.activeKey());
      Deque<Instant> past = offences.get(g.entity());
      if (past != null) {
        past.removeLastOccurrence(g.made());
      }
    }
    guarded.clear(); // each one lifted now, or too old to be part of a later surge either
  }

  /**
   * Returns, and forgets, the ids of the decisions a surge that formed since the last call made
   * part of a network-wide event: the caller lifts them.
   */
  public synchronized List<String> takeSurgeLifts() {
    if (surgeLifts.isEmpty()) {
      return List.of();
    }
    List<String> out = List.copyOf(surgeLifts);
    surgeLifts.clear();
    return out;
  }

  /** Returns the counters. */
  public synchronized Counters counters() {
    return new Counters(
        decided,
        simulated,
        allowlisted,
        unmatched,
        activeCount,
        capped,
        pending,
        surged,
        afterLift,
        surgeLifted);
  }

  /**
   * Records {@code v}'s entity as one with a verdict that would act on it, and returns whether at
   * least {@link Policy#surgeHosts} distinct entities had one within {@link Policy#surgeWithin} of
   * {@code v}'s time.
   */
  private boolean surging(Verdict v) {
    Instant t = v.time();
    surge.merge(v.scope() + " " + v.entity(), t, (a, b) -> a.isAfter(b) ? a : b);
    Instant horizon = t.minus(policy.surgeWithin());
    surge.values().removeIf(x -> x.isBefore(horizon));
    if (surge.size() > MAX_ENTITIES) {
      surge.clear();
    }
    long n = surge.values().stream().filter(x -> !x.isAfter(t.plus(policy.surgeWithin()))).count();
    return n >= policy.surgeHosts();
  }

  /**
   * Records {@code v} as one of {@code r}'s verdicts on its entity and returns whether at least
   * {@link Rule#minAlerts} of them fall within {@link Rule#within} of the latest (out-of-order
   * verdicts are placed by their time).
   */
  private boolean enough(Rule r, Verdict v) {
    if (hits.size() >= MAX_ENTITIES) {
      hits.clear(); // bounded: a flood of distinct entities only costs pending counts
    }
    Deque<Instant> q =
        hits.computeIfAbsent(
            r.name() + "\u0000" + v.scope() + " " + v.entity(), k -> new ArrayDeque<>());
    Instant t = v.time();
    java.util.List<Instant> all = new java.util.ArrayList<>(q);
    all.add(t);
    all.sort(null);
    Instant latest = all.get(all.size() - 1);
    Instant horizon = latest.minus(r.within());
    q.clear();
    for (Instant x : all) {
      if (x.isAfter(horizon) && q.size() < 1000) {
        q.addLast(x);
      }
    }
    if (q.size() >= r.minAlerts()) {
      q.clear(); // the alerts that made a decision do not count towards the next one
      return true;
    }
    return false;
  }

  private void forget(Deque<Instant> past, Instant now) {
    Instant horizon = now.minus(policy.escalation().lookBack());
    while (!past.isEmpty() && past.peekFirst().isBefore(horizon)) {
      past.pollFirst();
    }
  }

  private void prune(Instant now) {
    if (offences.size() < MAX_ENTITIES && active.size() < MAX_ENTITIES) {
      return;
    }
    for (Iterator<Deque<Instant>> it = offences.values().iterator(); it.hasNext(); ) {
      Deque<Instant> q = it.next();
      forget(q, now);
      if (q.isEmpty()) {
        it.remove();
      }
    }
    active.values().removeIf(until -> !until.isAfter(now));
  }
}
