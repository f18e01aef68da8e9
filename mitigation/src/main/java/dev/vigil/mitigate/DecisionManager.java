package dev.vigil.mitigate;

import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.MitigatorRegistry;
import dev.vigil.mitigate.api.Targets;
import dev.vigil.mitigate.policy.PolicyEngine;
import dev.vigil.mitigate.policy.Verdict;
import dev.vigil.mitigate.store.DecisionStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries decisions through their life: takes them from the {@link PolicyEngine} (or an operator),
 * stores them durably, applies them on the backends configured for their action, and revokes them
 * when they expire or are lifted. Simulated decisions are stored and logged, never applied.
 *
 * <p>On {@link #start}, it revokes decisions that lapsed while the daemon was down, seeds the
 * engine's offence history from the store, and reconciles every backend against the decisions still
 * in force; then a scheduler revokes expired decisions every {@code sweep} and reconciles every
 * {@code reconcileEvery}.
 *
 * <p>Nothing here throws on a backend or store failure: a failing backend is counted per backend
 * (by {@link MitigatorRegistry}) and logged; a decision that cannot be stored is not applied (a
 * decision the store does not know could not be revoked after a restart) and is counted in {@link
 * #storeFailures}. A revoke that fails is retried on later sweeps, up to {@value
 * #MAX_REVOKE_ATTEMPTS} times, before it is given up (logged at ERROR; the next reconcile is then
 * the backend's chance to drop it).
 *
 * <p>Each step of a decision's life (made, applied, lifted, expired) is reported to the {@link
 * DecisionListener} given at construction, on the thread that took it.
 *
 * <p>Thread-safe.
 */
public final class DecisionManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DecisionManager.class);

  /** Sweeps on which a failed revoke is retried before it is given up. */
  public static final int MAX_REVOKE_ATTEMPTS = 5;

  private final PolicyEngine engine;
  private final DecisionStore store;
  private final MitigatorRegistry registry;
  private final Map<Decision.Action, List<String>> backends;
  private final Clock clock;
  private final Duration sweep;
  private final Duration reconcileEvery;
  private final Map<String, AtomicInteger> revokeAttempts = new ConcurrentHashMap<>();
  private final AtomicLong storeFailures = new AtomicLong();
  private final DecisionListener listener;
  private final Object lock = new Object();
  private ScheduledExecutorService scheduler;

  /**
   * Creates a manager; nothing runs until {@link #start}.
   *
   * @param engine the policy engine verdicts go through
   * @param store where decisions live
   * @param registry the loaded mitigators
   * @param backendsByAction mitigator types that carry out each action (an action with none is only
   *     stored)
   * @param clock the time source (decisions are made and expire by it)
   * @param sweep how often expired decisions are revoked
   * @param reconcileEvery how often backends are reconciled after start
   * @throws IllegalArgumentException if a named backend is not loaded, or an interval is not
   *     positive
   */
  public DecisionManager(
      PolicyEngine engine,
      DecisionStore store,
      MitigatorRegistry registry,
      Map<Decision.Action, List<String>> backendsByAction,
      Clock clock,
      Duration sweep,
      Duration reconcileEvery) {
    this(
        engine,
        store,
        registry,
        backendsByAction,
        clock,
        sweep,
        reconcileEvery,
        DecisionListener.none());
  }

  /**
   * Creates a manager that reports each decision's changes to {@code listener}; nothing runs until
   * {@link #start} (which may already report expirations).
   *
   * @param engine the policy engine verdicts go through
   * @param store where decisions live
   * @param registry the loaded mitigators
   * @param backendsByAction mitigator types that carry out each action (an action with none is only
   *     stored)
   * @param clock the time source (decisions are made and expire by it)
   * @param sweep how often expired decisions are revoked
   * @param reconcileEvery how often backends are reconciled after start
   * @param listener told of every decision made, applied, lifted or expired
   * @throws IllegalArgumentException if a named backend is not loaded, or an interval is not
   *     positive
   */
  public DecisionManager(
      PolicyEngine engine,
      DecisionStore store,
      MitigatorRegistry registry,
      Map<Decision.Action, List<String>> backendsByAction,
      Clock clock,
      Duration sweep,
      Duration reconcileEvery,
      DecisionListener listener) {
    this.listener = java.util.Objects.requireNonNull(listener, "listener");
    this.engine = engine;
    this.store = store;
    this.registry = registry;
    this.clock = clock;
    if (sweep.isNegative()
        || sweep.isZero()
        || reconcileEvery.isNegative()
        || reconcileEvery.isZero()) {
      throw new IllegalArgumentException("sweep and reconcileEvery must be positive");
    }
    this.sweep = sweep;
    this.reconcileEvery = reconcileEvery;
    Map<Decision.Action, List<String>> m = new EnumMap<>(Decision.Action.class);
    for (Map.Entry<Decision.Action, List<String>> e : backendsByAction.entrySet()) {
      for (String t : e.getValue()) {
        if (registry.get(t).isEmpty()) {
          throw new IllegalArgumentException(
              "action "
                  + e.getKey().name().toLowerCase(java.util.Locale.ROOT)
                  + ": unknown mitigator type ["
                  + t
                  + "], loaded: "
                  + registry.types());
        }
      }
      m.put(e.getKey(), List.copyOf(new LinkedHashSet<>(e.getValue())));
    }
    this.backends = m;
  }

  /** Returns the backends used, each once. */
  public Set<String> backendTypes() {
    Set<String> s = new LinkedHashSet<>();
    backends.values().forEach(s::addAll);
    return s;
  }

  /**
   * Returns the backends that carry out each action, in the order they are called; an action absent
   * from the map is only stored.
   */
  public Map<Decision.Action, List<String>> backendsByAction() {
    return Collections.unmodifiableMap(backends);
  }

  /**
   * Returns how many {@code call}s of decisions with {@code action} the backend {@code type}
   * carried out ({@code succeeded}) or failed; see {@link MitigatorRegistry#calls}.
   */
  public long backendCalls(
      String type, MitigatorRegistry.Call call, Decision.Action action, boolean succeeded) {
    return registry.calls(type, call, action, succeeded);
  }

  /**
   * Brings backends in line with the store and starts the scheduler: revokes lapsed decisions,
   * restores the engine's history, reconciles every backend.
   *
   * @throws IllegalStateException if already started
   */
  public void start() {
    synchronized (lock) {
      if (scheduler != null) {
        throw new IllegalStateException("already started");
      }
      Instant now = clock.instant();
      try {
        Instant from = now.minus(engine.policy().escalation().lookBack());
        List<Decision> recent = new ArrayList<>();
        Set<String> revoked = new HashSet<>();
        for (DecisionStore.Stored s : store.since(from, 1_000_000)) {
          recent.add(s.decision());
          if (s.revokedAt().isPresent()) {
            revoked.add(s.decision().id());
          }
        }
        engine.restore(recent, revoked);
      } catch (java.sql.SQLException e) {
        storeFailures.incrementAndGet();
        LOG.error("cannot read decision history, escalation starts afresh: {}", e.toString());
      }
      expire();
      reconcile();
      scheduler =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "vigil-decisions");
                t.setDaemon(true);
                return t;
              });
      scheduler.scheduleWithFixedDelay(
          this::safeExpire, sweep.toMillis(), sweep.toMillis(), TimeUnit.MILLISECONDS);
      scheduler.scheduleWithFixedDelay(
          this::reconcile,
          reconcileEvery.toMillis(),
          reconcileEvery.toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Runs {@code verdict} through the policy; a resulting decision is stored, then applied unless
   * simulated.
   *
   * @return the decision, or empty if none was made (or it could not be stored)
   */
  public Optional<Decision> onVerdict(Verdict verdict) {
    Optional<Decision> d = engine.decide(verdict, clock.instant());
    if (d.isEmpty()) {
      return d;
    }
    return enact(d.get()) ? d : Optional.empty();
  }

  /**
   * Enacts an operator's decision: validated, checked against the allowlist, stored, applied.
   *
   * @throws IllegalArgumentException if its value is invalid for its scope, allowlisted, or it
   *     could not be stored
   */
  public Decision submit(Decision manual) {
    String canonical = Targets.canonical(manual.scope(), manual.value());
    if (engine.allowlisted(manual.scope(), canonical)) {
      throw new IllegalArgumentException(
          manual.scope().name().toLowerCase(java.util.Locale.ROOT)
              + " ["
              + canonical
              + "] is allowlisted");
    }
    Decision d =
        new Decision(
            manual.id(),
            manual.scope(),
            canonical,
            manual.action(),
            manual.reason(),
            manual.score(),
            manual.origin(),
            manual.created(),
            manual.expires(),
            manual.simulated());
    if (!enact(d)) {
      throw new IllegalArgumentException("decision [" + d.id() + "] could not be stored");
    }
    return d;
  }

  private boolean enact(Decision d) {
    try {
      if (!store.put(d)) {
        LOG.warn("decision [{}] was already stored; not applied again", d.id());
        return false;
      }
    } catch (java.sql.SQLException | RuntimeException e) {
      storeFailures.incrementAndGet();
      LOG.error("cannot store decision [{}], not applying it: {}", d.id(), e.toString());
      return false;
    }
    report(DecisionChange.Kind.MADE, d, List.of(), List.of());
    if (d.simulated()) {
      LOG.info(
          "simulated decision [{}] {} {} [{}] for {}: {}",
          d.id(),
          d.action(),
          d.scope(),
          d.value(),
          Duration.between(d.created(), d.expires()),
          d.reason());
      return true;
    }
    List<String> types = backends.getOrDefault(d.action(), List.of());
    if (types.isEmpty()) {
      return true;
    }
    List<String> done = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    for (String t : types) {
      (registry.apply(t, d) ? done : failed).add(t);
    }
    report(DecisionChange.Kind.APPLIED, d, done, failed);
    return true;
  }

  /** Tells the listener; a listener that throws is logged and ignored. */
  private void report(
      DecisionChange.Kind kind, Decision d, List<String> done, List<String> failed) {
    try {
      listener.onChange(new DecisionChange(kind, d, clock.instant(), done, failed));
    } catch (RuntimeException e) {
      LOG.warn(
          "decision listener failed on [{}] {}: {}",
          d.id(),
          kind.name().toLowerCase(java.util.Locale.ROOT),
          e.toString());
    }
  }

  /**
   * Lifts decision {@code id} now: revoked on its backends and marked in the store.
   *
   * @return whether it was in force
   */
  public boolean lift(String id) {
    Instant now = clock.instant();
    Optional<DecisionStore.Stored> s;
    try {
      s = store.get(id);
    } catch (java.sql.SQLException e) {
      storeFailures.incrementAndGet();
      LOG.error("cannot read decision [{}] to lift it: {}", id, e.toString());
      return false;
    }
    if (s.isEmpty() || s.get().revokedAt().isPresent() || s.get().decision().expiredAt(now)) {
      return false;
    }
    Decision d = s.get().decision();
    List<String> done = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    revokeOnBackends(d, done, failed);
    try {
      store.revoke(id, now);
    } catch (java.sql.SQLException e) {
      storeFailures.incrementAndGet();
      LOG.error("cannot mark decision [{}] lifted: {}", id, e.toString());
    }
    engine.lifted(d, now);
    report(DecisionChange.Kind.LIFTED, d, done, failed);
    return true;
  }

  /**
   * Revokes every decision that has expired and is not yet revoked; run by the scheduler.
   *
   * @return how many were revoked (and marked) in this call
   */
  public int expire() {
    Instant now = clock.instant();
    List<Decision> lapsed;
    try {
      lapsed = store.lapsed(now);
    } catch (java.sql.SQLException e) {
      storeFailures.incrementAndGet();
      LOG.error("cannot read expired decisions: {}", e.toString());
      return 0;
    }
    int n = 0;
    for (Decision d : lapsed) {
      List<String> done = new ArrayList<>();
      List<String> failed = new ArrayList<>();
      boolean ok = revokeOnBackends(d, done, failed);
      if (!ok) {
        int attempts =
            revokeAttempts.computeIfAbsent(d.id(), k -> new AtomicInteger()).incrementAndGet();
        if (attempts < MAX_REVOKE_ATTEMPTS) {
          continue;
        }
        LOG.error(
            "giving up revoking decision [{}] {} [{}] after {} attempts; reconcile must drop it",
            d.id(),
            d.scope(),
            d.value(),
            attempts);
      }
      revokeAttempts.remove(d.id());
      try {
        if (store.revoke(d.id(), now)) {
          n++;
          report(DecisionChange.Kind.EXPIRED, d, done, failed);
        }
      } catch (java.sql.SQLException e) {
        storeFailures.incrementAndGet();
        LOG.error("cannot mark decision [{}] expired: {}", d.id(), e.toString());
      }
    }
    return n;
  }

  private void safeExpire() {
    try {
      expire();
    } catch (RuntimeException e) {
      LOG.error("expiry sweep failed: {}", e.toString());
    }
  }

  /** Revokes {@code d} on its backends, naming each in {@code done} or {@code failed}. */
  private boolean revokeOnBackends(Decision d, List<String> done, List<String> failed) {
    if (d.simulated()) {
      return true;
    }
    for (String t : backends.getOrDefault(d.action(), List.of())) {
      (registry.revoke(t, d) ? done : failed).add(t);
    }
    return failed.isEmpty();
  }

  /**
   * Reconciles every backend with the non-simulated decisions in force for its actions; run at
   * start and by the scheduler.
   */
  public void reconcile() {
    List<Decision> live;
    try {
      live = store.live(clock.instant());
    } catch (java.sql.SQLException e) {
      storeFailures.incrementAndGet();
      LOG.error("cannot read live decisions to reconcile: {}", e.toString());
      return;
    }
    Map<String, List<Decision>> perBackend = new LinkedHashMap<>();
    for (String t : backendTypes()) {
      perBackend.put(t, new ArrayList<>());
    }
    for (Decision d : live) {
      if (d.simulated()) {
        continue;
      }
      for (String t : backends.getOrDefault(d.action(), List.of())) {
        perBackend.get(t).add(d);
      }
    }
    perBackend.forEach(registry::reconcile);
  }

  /** Returns each used backend's health: null when healthy, else what is wrong. */
  public Map<String, String> health() {
    Map<String, String> h = new LinkedHashMap<>();
    for (String t : backendTypes()) {
      h.put(t, registry.health(t));
    }
    return h;
  }

  /** Returns how many calls to each used backend failed. */
  public Map<String, Long> failures() {
    Map<String, Long> f = new LinkedHashMap<>();
    for (String t : backendTypes()) {
      f.put(t, registry.failures(t));
    }
    return f;
  }

  /** Returns how many store reads or writes failed. */
  public long storeFailures() {
    return storeFailures.get();
  }

  /** Returns the decisions in force now (simulated ones included), or empty if unreadable. */
  public List<Decision> live() {
    try {
      return store.live(clock.instant());
    } catch (java.sql.SQLException e) {
      storeFailures.incrementAndGet();
      LOG.error("cannot read live decisions: {}", e.toString());
      return List.of();
    }
  }

  /** Stops the scheduler (waiting up to 5 s); decisions stay applied and stored. */
  @Override
  public void close() {
    synchronized (lock) {
      if (scheduler != null) {
        scheduler.shutdownNow();
        try {
          scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
