package dev.vigil.mitigate;

import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.MitigatorRegistry;
import dev.vigil.mitigate.api.Targets;
import dev.vigil.mitigate.policy.PolicyEngine;
import dev.vigil.mitigate.policy.Verdict;
import dev.vigil.mitigate.store.BackendState;
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
 * <p><b>Backends never hold up a decision.</b> Each backend has its own thread and bounded queue
 * ({@link BackendLane}); {@link #onVerdict}, {@link #submit}, {@link #lift} and the expiry sweep
 * only store the decision and queue the calls, and return. Every call must answer within the {@link
 * BackendCalls#deadline()}; one that does not is abandoned and counts as failed. So a dead webhook
 * delays neither nftables nor the next decision.
 *
 * <p><b>Outcomes per backend.</b> A decision is stored with one {@link DecisionStore.Outcome} per
 * backend, {@code pending} at first, then {@code applied} or {@code failed} (with the error); a
 * failed apply is retried with capped exponential backoff up to {@link BackendCalls#maxAttempts()}
 * calls, then given up (the next reconcile is its last chance: a backend that reconciles reads
 * {@code applied} for every decision in force). When the decision ends (lifted, or expired) it is
 * marked ended in the store at once and each backend's revoke is tracked the same way ({@code
 * revoke_pending}, {@code revoked}, {@code revoke_failed}). Outcomes are kept in the store, so a
 * restart retries those still pending or failed.
 *
 * <p>On {@link #start}, it seeds the engine's offence history from the store, retries the outcomes
 * left unsettled, revokes decisions that lapsed while the daemon was down, and reconciles every
 * backend against the decisions still in force; then a scheduler revokes expired decisions every
 * {@code sweep}, reconciles every {@code reconcileEvery}, prunes the store every {@link
 * #PRUNE_EVERY}, and runs the retries when they fall due.
 *
 * <p>Nothing here throws on a backend or store failure: a failing backend is counted per backend
 * (calls by {@link MitigatorRegistry}, failed applies and revokes, deadlines included, by {@link
 * #applyFailures} and {@link #revokeFailures}) and logged; a decision that cannot be stored is not
 * applied (a decision the store does not know could not be revoked after a restart) and is counted
 * in {@link #storeFailures}.
 *
 * <p>Each step of a decision's life is reported to the {@link DecisionListener} given at
 * construction: {@code made} on the thread that made it; {@code applied}, {@code lifted} and {@code
 * expired} once every backend's first call for it has settled (done, failed or past its deadline),
 * on the thread of the backend that settled last (at once, on the caller's thread, when the action
 * has no backend or the decision is simulated). Retries are not reported; the outcomes show them.
 *
 * <p>Thread-safe.
 */
public final class DecisionManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DecisionManager.class);

  /** How often ended decisions and old alerts are pruned from the store. */
  public static final Duration PRUNE_EVERY = Duration.ofMinutes(1);

  private final PolicyEngine engine;
  private final DecisionStore store;
  private final MitigatorRegistry registry;
  private final Map<Decision.Action, List<String>> backends;
  private final Clock clock;
  private final Duration sweep;
  private final Duration reconcileEvery;
  private final BackendCalls calls;
  private final Map<String, BackendLane> lanes = new LinkedHashMap<>();
  private final Map<String, AtomicLong> applyFailures = new LinkedHashMap<>();
  private final Map<String, AtomicLong> revokeFailures = new LinkedHashMap<>();
  private final AtomicInteger retriesDue = new AtomicInteger();
  private final AtomicLong storeFailures = new AtomicLong();
  private final DecisionListener listener;
  private final Object lock = new Object();
  private final ScheduledExecutorService scheduler;
  private boolean started;
  private volatile boolean closed;

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
    this(
        engine,
        store,
        registry,
        backendsByAction,
        clock,
        sweep,
        reconcileEvery,
        listener,
        BackendCalls.defaults());
  }

  /**
   * Creates a manager that calls its backends as {@code calls} says; nothing is called until {@link
   * #start} (which may already report expirations).
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
   * @param calls each backend's deadline, queue and retries
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
      DecisionListener listener,
      BackendCalls calls) {
    this.listener = java.util.Objects.requireNonNull(listener, "listener");
    this.calls = java.util.Objects.requireNonNull(calls, "calls");
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
    for (String t : backendTypes()) {
      lanes.put(t, new BackendLane(t, calls.queueSize(), calls.deadline()));
      applyFailures.put(t, new AtomicLong());
      revokeFailures.put(t, new AtomicLong());
    }
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "vigil-decisions");
              t.setDaemon(true);
              return t;
            });
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
   * Brings backends in line with the store and starts the scheduler: restores the engine's history,
   * retries the outcomes left unsettled, revokes lapsed decisions, reconciles every backend (all
   * queued on the backends' own threads: a dead backend does not hold up the start).
   *
   * @throws IllegalStateException if already started or closed
   */
  public void start() {
    synchronized (lock) {
      if (started || closed) {
        throw new IllegalStateException(closed ? "closed" : "already started");
      }
      started = true;
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
      retryUnsettled();
      expire();
      reconcile();
      prune();
      scheduler.scheduleWithFixedDelay(
          this::safeExpire, sweep.toMillis(), sweep.toMillis(), TimeUnit.MILLISECONDS);
      scheduler.scheduleWithFixedDelay(
          this::reconcile,
          reconcileEvery.toMillis(),
          reconcileEvery.toMillis(),
          TimeUnit.MILLISECONDS);
      scheduler.scheduleWithFixedDelay(
          this::prune, PRUNE_EVERY.toMillis(), PRUNE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Queues again every stored outcome left pending or failed (by a restart, say). */
  private void retryUnsettled() {
    List<DecisionStore.Outcome> open;
    try {
      open = store.unsettled();
    } catch (java.sql.SQLException e) {
      storeFailures.incrementAndGet();
      LOG.error("cannot read unsettled backend outcomes: {}", e.toString());
      return;
    }
    Instant now = clock.instant();
    int n = 0;
    for (DecisionStore.Outcome o : open) {
      if (!lanes.containsKey(o.backend())) {
        continue; // a backend no longer configured: the reconcile of the others covers it
      }
      Optional<DecisionStore.Stored> s;
      try {
        s = store.get(o.decisionId());
      } catch (java.sql.SQLException e) {
        storeFailures.incrementAndGet();
        continue;
      }
      if (s.isEmpty()) {
        continue;
      }
      Decision d = s.get().decision();
      boolean ended = s.get().revokedAt().isPresent() || d.expiredAt(now);
      if (o.state().revoking()) {
        queue(o.backend(), d, MitigatorRegistry.Call.REVOKE, o.attempts() + 1, null);
        n++;
      } else if (!ended) {
        queue(o.backend(), d, MitigatorRegistry.Call.APPLY, o.attempts() + 1, null);
        n++;
      }
    }
    if (n > 0) {
      LOG.info("retrying {} backend call(s) left pending or failed", n);
    }
  }

  /**
   * Runs {@code verdict} through the policy; a resulting decision is stored, then applied unless
   * simulated. When the verdict made a surge, the decisions the surge guard hands back ({@link
   * PolicyEngine#takeSurgeLifts}) are lifted first.
   *
   * @return the decision, or empty if none was made (or it could not be stored)
   */
  public Optional<Decision> onVerdict(Verdict verdict) {
    Optional<Decision> d = engine.decide(verdict, clock.instant());
    for (String id : engine.takeSurgeLifts()) {
      if (lift(id)) {
        LOG.warn(
            "decision [{}] lifted: a surge formed after it (the surge guard's hosts within its"
                + " span), a network-wide event rather than one attacker",
            id);
      }
    }
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
    List<String> types = d.simulated() ? List.of() : backends.getOrDefault(d.action(), List.of());
    try {
      if (!store.put(d, types)) {
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
    if (types.isEmpty()) {
      return true;
    }
    Round round = new Round(DecisionChange.Kind.APPLIED, d, types.size());
    for (String t : types) {
      queue(t, d, MitigatorRegistry.Call.APPLY, 1, round);
    }
    return true;
  }

  /**
   * The first calls of one step (apply, or revoke at a lift or expiry) on each backend: reported to
   * the listener once all have settled.
   */
  private final class Round {
    private final DecisionChange.Kind kind;
    private final Decision decision;
    private final List<String> done = new ArrayList<>();
    private final List<String> failed = new ArrayList<>();
    private int left;

    Round(DecisionChange.Kind kind, Decision decision, int calls) {
      this.kind = kind;
      this.decision = decision;
      this.left = calls;
    }

    void settled(String type, boolean ok) {
      List<String> d;
      List<String> f;
      synchronized (this) {
        (ok ? done : failed).add(type);
        if (--left > 0) {
          return;
        }
        d = order(done);
        f = order(failed);
      }
      report(kind, decision, d, f);
    }

    /** Orders backends as the action lists them, whichever answered first. */
    private List<String> order(List<String> types) {
      List<String> out = new ArrayList<>();
      for (String t : backends.getOrDefault(decision.action(), List.of())) {
        if (types.contains(t)) {
          out.add(t);
        }
      }
      return out;
    }
  }

  /**
   * Queues call number {@code attempt} of {@code call} for {@code d} on backend {@code type}; a
   * full queue fails it at once (counted, retried).
   */
  private void queue(
      String type, Decision d, MitigatorRegistry.Call call, int attempt, Round round) {
    BackendLane lane = lanes.get(type);
    if (!lane.submit(() -> run(lane, d, call, attempt, round))) {
      settle(
          type,
          d,
          call,
          attempt,
          round,
          closed ? "shutting down" : "queue full (" + calls.queueSize() + " calls waiting)");
    }
  }

  /** Runs one call on its backend's lane, waiting up to the deadline, and records its outcome. */
  private void run(
      BackendLane lane, Decision d, MitigatorRegistry.Call call, int attempt, Round round) {
    String type = lane.type();
    if (call == MitigatorRegistry.Call.APPLY && attempt > 1 && round == null && ended(d)) {
      return; // a retry of an apply whose decision has ended since: its revoke is queued
    }
    String error = lane.call(() -> registry.attempt(type, call, d));
    settle(type, d, call, attempt, round, error);
  }

  /** Records a call's result ({@code error} null when it succeeded); schedules a retry. */
  private void settle(
      String type,
      Decision d,
      MitigatorRegistry.Call call,
      int attempt,
      Round round,
      String error) {
    boolean apply = call == MitigatorRegistry.Call.APPLY;
    BackendState state;
    if (error == null) {
      state = apply ? BackendState.APPLIED : BackendState.REVOKED;
    } else {
      (apply ? applyFailures : revokeFailures).get(type).incrementAndGet();
      if (closed) {
        // cut short by the shutdown: left unsettled, so that the next start retries it
        state = apply ? BackendState.FAILED : BackendState.REVOKE_FAILED;
      } else if (attempt < calls.maxAttempts()) {
        state = apply ? BackendState.FAILED : BackendState.REVOKE_FAILED;
        Duration wait = calls.retryAfter(attempt);
        LOG.warn(
            "backend [{}] failed to {} decision [{}] (attempt {} of {}), retrying in {}: {}",
            type,
            apply ? "apply" : "revoke",
            d.id(),
            attempt,
            calls.maxAttempts(),
            wait,
            error);
        scheduleRetry(type, d, call, attempt + 1, wait);
      } else {
        state = apply ? BackendState.GAVE_UP : BackendState.REVOKE_GAVE_UP;
        LOG.error(
            "giving up {} decision [{}] {} [{}] on backend [{}] after {} attempt(s); reconcile"
                + " must {} it: {}",
            apply ? "applying" : "revoking",
            d.id(),
            d.scope(),
            d.value(),
            type,
            attempt,
            apply ? "apply" : "drop",
            error);
      }
    }
    try {
      store.putOutcome(
          new DecisionStore.Outcome(d.id(), type, state, error, attempt, clock.instant()));
    } catch (java.sql.SQLException | RuntimeException e) {
      storeFailures.incrementAndGet();
      LOG.error(
          "cannot store the outcome of decision [{}] on [{}]: {}", d.id(), type, e.toString());
    }
    if (round != null) {
      round.settled(type, error == null);
    }
  }

  private void scheduleRetry(
      String type, Decision d, MitigatorRegistry.Call call, int attempt, Duration wait) {
    retriesDue.incrementAndGet();
    try {
      scheduler.schedule(
          () -> {
            retriesDue.decrementAndGet();
            queue(type, d, call, attempt, null);
          },
          wait.toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      retriesDue.decrementAndGet(); // closed: the stored outcome is retried after the restart
    }
  }

  /** Returns whether {@code d} has been lifted or has expired (a store error reads as not). */
  private boolean ended(Decision d) {
    if (d.expiredAt(clock.instant())) {
      return true;
    }
    try {
      return store.get(d.id()).map(s -> s.revokedAt().isPresent()).orElse(true);
    } catch (java.sql.SQLException e) {
      storeFailures.incrementAndGet();
      return false;
    }
  }

  /**
   * Queues the revoke of ended decision {@code d} on each of its backends, its outcomes first
   * marked {@code revoke_pending}, and reports {@code kind} once they have settled.
   */
  private void revokeOnBackends(Decision d, DecisionChange.Kind kind) {
    List<String> types = d.simulated() ? List.of() : backends.getOrDefault(d.action(), List.of());
    if (types.isEmpty()) {
      report(kind, d, List.of(), List.of());
      return;
    }
    Instant now = clock.instant();
    for (String t : types) {
      try {
        store.putOutcome(
            new DecisionStore.Outcome(d.id(), t, BackendState.REVOKE_PENDING, null, 0, now));
      } catch (java.sql.SQLException | RuntimeException e) {
        storeFailures.incrementAndGet();
        LOG.error("cannot store the revoke of decision [{}] on [{}]: {}", d.id(), t, e.toString());
      }
    }
    Round round = new Round(kind, d, types.size());
    for (String t : types) {
      queue(t, d, MitigatorRegistry.Call.REVOKE, 1, round);
    }
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
   * Lifts decision {@code id} now: marked lifted in the store, and its revoke queued on each of its
   * backends (tracked in its outcomes; the listener hears {@code lifted} once they settled).
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
    try {
      if (!store.revoke(id, now)) {
        return false; // lifted or expired by another thread meanwhile
      }
    } catch (java.sql.SQLException e) {
      storeFailures.incrementAndGet();
      LOG.error("cannot mark decision [{}] lifted, not lifting it: {}", id, e.toString());
      return false;
    }
    engine.lifted(d, now);
    revokeOnBackends(d, DecisionChange.Kind.LIFTED);
    return true;
  }

  /**
   * Ends every decision that has expired and is not yet marked so: marks it in the store and queues
   * its revokes (tracked in its outcomes, retried when they fail); run by the scheduler.
   *
   * @return how many were marked in this call
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
      try {
        if (store.revoke(d.id(), now)) {
          n++;
          revokeOnBackends(d, DecisionChange.Kind.EXPIRED);
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

  private void prune() {
    try {
      int n = store.prune(clock.instant());
      if (n > 0) {
        LOG.debug("pruned {} ended decision(s) and old alert(s)", n);
      }
    } catch (java.sql.SQLException | RuntimeException e) {
      storeFailures.incrementAndGet();
      LOG.warn("cannot prune the decision store: {}", e.toString());
    }
  }

  /**
   * Reconciles every backend with the non-simulated decisions in force for its actions, each on its
   * own thread and within the deadline; run at start and by the scheduler.
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
    perBackend.forEach(
        (t, l) -> {
          BackendLane lane = lanes.get(t);
          boolean queued =
              lane.submit(
                  () -> {
                    String error =
                        lane.call(() -> registry.reconcile(t, l) ? null : "reconcile failed");
                    if (error == null) {
                      reconciled(t, l);
                    } else if (!error.equals("reconcile failed")) {
                      LOG.warn("backend [{}] did not reconcile: {}", t, error);
                    }
                  });
          if (!queued && !closed) {
            LOG.warn("backend [{}] not reconciled: its queue is full", t);
          }
        });
  }

  /**
   * Records that backend {@code type} now carries out every decision of {@code live} (its reconcile
   * succeeded): their applies that had failed or been given up read {@code applied}.
   */
  private void reconciled(String type, List<Decision> live) {
    Set<String> ids = new HashSet<>();
    live.forEach(d -> ids.add(d.id()));
    try {
      for (BackendState st : List.of(BackendState.FAILED, BackendState.GAVE_UP)) {
        for (DecisionStore.Outcome o : store.outcomes(type, st)) {
          if (ids.contains(o.decisionId())) {
            store.putOutcome(
                new DecisionStore.Outcome(
                    o.decisionId(),
                    type,
                    BackendState.APPLIED,
                    null,
                    o.attempts(),
                    clock.instant()));
          }
        }
      }
    } catch (java.sql.SQLException | RuntimeException e) {
      storeFailures.incrementAndGet();
      LOG.warn("cannot record the reconcile of [{}] in the outcomes: {}", type, e.toString());
    }
  }

  /** Returns each used backend's health: null when healthy, else what is wrong. */
  public Map<String, String> health() {
    Map<String, String> h = new LinkedHashMap<>();
    for (String t : backendTypes()) {
      h.put(t, registry.health(t));
    }
    return h;
  }

  /** Returns how many calls to each used backend failed (as the registry counts them). */
  public Map<String, Long> failures() {
    Map<String, Long> f = new LinkedHashMap<>();
    for (String t : backendTypes()) {
      f.put(t, registry.failures(t));
    }
    return f;
  }

  /**
   * Returns how many applies on backend {@code type} failed, retries included: the backend threw,
   * ran past its deadline, or its queue was full; 0 for a backend not used.
   */
  public long applyFailures(String type) {
    AtomicLong n = applyFailures.get(type);
    return n == null ? 0 : n.get();
  }

  /** Returns how many revokes on backend {@code type} failed; see {@link #applyFailures}. */
  public long revokeFailures(String type) {
    AtomicLong n = revokeFailures.get(type);
    return n == null ? 0 : n.get();
  }

  /** Returns how many calls wait in backend {@code type}'s queue (0 for a backend not used). */
  public int queued(String type) {
    BackendLane l = lanes.get(type);
    return l == null ? 0 : l.queued();
  }

  /**
   * Returns the stored outcomes of decision {@code id}, one per backend (none for a simulated
   * decision, one whose action has no backend, or one stored before outcomes were kept).
   */
  public List<DecisionStore.Outcome> outcomes(String id) {
    try {
      return store.outcomes(id);
    } catch (java.sql.SQLException e) {
      storeFailures.incrementAndGet();
      LOG.error("cannot read the outcomes of decision [{}]: {}", id, e.toString());
      return List.of();
    }
  }

  /**
   * Returns the stored outcomes of {@code d}, in the order its action lists the backends (those no
   * longer configured last); see {@link #outcomes(String)}.
   */
  public List<DecisionStore.Outcome> outcomes(Decision d) {
    List<String> order = backends.getOrDefault(d.action(), List.of());
    List<DecisionStore.Outcome> out = new ArrayList<>(outcomes(d.id()));
    out.sort(
        java.util.Comparator.comparingInt(
            o -> {
              int i = order.indexOf(o.backend());
              return i < 0 ? Integer.MAX_VALUE : i;
            }));
    return out;
  }

  /**
   * Waits until no backend call is queued, running or due for a retry, up to {@code timeout}.
   *
   * @return whether all were idle in time
   */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      if (retriesDue.get() == 0 && lanes.values().stream().allMatch(BackendLane::idle)) {
        return true;
      }
      Thread.sleep(5);
    }
    return false;
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

  /**
   * Stops the scheduler and the backends' threads (waiting up to 5 s); decisions stay applied and
   * stored, and outcomes still pending are retried after the next start.
   */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      scheduler.shutdownNow();
      lanes.values().forEach(BackendLane::close);
      try {
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
        for (BackendLane l : lanes.values()) {
          l.awaitClosed(Duration.ofSeconds(5));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
