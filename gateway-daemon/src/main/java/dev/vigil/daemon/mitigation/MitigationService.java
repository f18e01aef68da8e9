package dev.vigil.daemon.mitigation;

import dev.vigil.daemon.alerts.Alert;
import dev.vigil.daemon.alerts.AlertQuery;
import dev.vigil.daemon.alerts.DecisionEvent;
import dev.vigil.daemon.alerts.EveTime;
import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.daemon.metrics.LatencyBuckets;
import dev.vigil.daemon.pipeline.ComponentHealth;
import dev.vigil.daemon.pipeline.EveOutput;
import dev.vigil.daemon.pipeline.HealthState;
import dev.vigil.mitigate.DecisionChange;
import dev.vigil.mitigate.DecisionManager;
import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.MitigatorRegistry;
import dev.vigil.mitigate.policy.PolicyEngine;
import dev.vigil.mitigate.policy.Verdict;
import dev.vigil.mitigate.store.DecisionStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.context.annotation.Context;
import io.micronaut.serde.ObjectMapper;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's mitigation worker: fed every alert the detection paths raise, it stores each durably
 * and decides on it with the {@link MitigationRuntime} that {@link MitigationFactory} built; it
 * also carries out {@code /decisions}' manual decisions and lifts, keeps the mitigation meters and
 * publishes the {@code mitigation} health component.
 *
 * <p>Alerts are queued (bounded; overflow is counted, never blocks detection) and handled on one
 * thread: each is turned into a {@link Verdict} by {@link VerdictMapper} for {@link
 * DecisionManager#onVerdict}, then stored durably and written to the eve log with the action taken
 * ({@code blocked} when a quarantine or reroute of its source was applied for it by at least one
 * backend, or was already in force, else {@code allowed}), followed by the events of the decision
 * it made. Writing the alert's line after the decision, rather than a second alert event or a
 * correction, keeps one eve alert per alert whose action is true. The worker never waits for a
 * backend (each runs on its own thread): the alert's line is written when the decision's backends
 * have answered, by the thread of the last one, at most {@code mitigation.backend-deadline} later;
 * so lines of alerts with decisions may follow those of later alerts. When mitigation failed to
 * start the component is DOWN and alerts are not queued; a backend that reports itself unhealthy
 * (checked every 10 s) makes it DEGRADED.
 *
 * <p>Thread-safe: {@link #onAlert} may be called from any thread; the rest reads thread-safe parts.
 */
@Context
public final class MitigationService implements AutoCloseable {
  /** The health component's name. */
  public static final String COMPONENT = "mitigation";

  private static final Logger LOG = LoggerFactory.getLogger(MitigationService.class);
  private static final Duration HEALTH_EVERY = Duration.ofSeconds(10);

  /**
   * Why {@code /decisions} refuses a request (the {@code reason} of {@code
   * vigil_decisions_requests_refused_total}), registered at start so that every one is exported.
   */
  public static final List<String> REFUSAL_REASONS =
      List.of(
          "unauthorized",
          "forbidden",
          "invalid",
          "allowlisted",
          "not_found",
          "not_configured",
          "unavailable");

  private final MitigationRuntime runtime;
  private final VigilConfig.Mitigation config;
  private final BearerToken token;
  private final HealthState health;
  private final ObjectMapper mapper;
  private final EveOutput eve;
  private final MeterRegistry meters;
  private final Clock clock;
  private final DecisionStore store;
  private final DecisionManager manager;
  private final BlockingQueue<Alert> queue;
  private final Thread worker;
  private final ScheduledExecutorService healthTimer;
  private final AtomicLong droppedAlerts = new AtomicLong();
  private final Timer packetToDecision;
  private final Map<String, Timer> decisionLatency = new ConcurrentHashMap<>();
  private final boolean liveCapture;
  private final AtomicLong rejectedVerdicts = new AtomicLong();
  private final AtomicLong alertStoreFailures = new AtomicLong();
  private final Map<String, Counter> refused = new ConcurrentHashMap<>();
  // [action][origin][simulated]: every combination registered when mitigation is configured
  private Counter[][][] decisions;
  private volatile Map<String, String> backendHealth = Map.of();
  private volatile boolean closed;

  /**
   * Creates the worker over {@code runtime} and starts it (its thread and health checks) when
   * mitigation is running; Micronaut creates it at start ({@link Context}).
   */
  public MitigationService(
      MitigationRuntime runtime,
      BearerToken token,
      VigilConfig config,
      HealthState health,
      ObjectMapper mapper,
      EveOutput eve,
      MeterRegistry meters) {
    this.runtime = runtime;
    this.eve = eve;
    this.config = runtime.config();
    this.token = token;
    this.health = health;
    this.mapper = mapper;
    this.meters = meters;
    this.clock = runtime.clock();
    this.store = runtime.store();
    this.manager = runtime.manager();
    this.liveCapture = config.capture() != null && config.capture().isLive();
    this.packetToDecision =
        Timer.builder("vigil.mitigation.packet.to.decision")
            .description(
                "Packet alerts of a live capture: from the first packet of the alerting host window"
                    + " (capture time) to its decision stored and applied (simulated decisions left"
                    + " out)")
            .serviceLevelObjectives(LatencyBuckets.decision())
            .register(meters);
    REFUSAL_REASONS.forEach(this::refusedCounter);
    if (this.config == null) {
      queue = null;
      worker = null;
      healthTimer = null;
      return;
    }
    registerMeters();
    if (manager == null) {
      queue = null;
      worker = null;
      healthTimer = null;
      health.set(COMPONENT, ComponentHealth.DOWN, Map.of("error", runtime.failure()));
      return;
    }
    runtime.events().afterBackends(this::publishHealth);
    queue = new ArrayBlockingQueue<>(this.config.queueSize());
    worker = new Thread(this::drain, "vigil-mitigation");
    worker.setDaemon(true);
    worker.start();
    healthTimer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "vigil-mitigation-health");
              t.setDaemon(true);
              return t;
            });
    refreshBackendHealth();
    healthTimer.scheduleWithFixedDelay(
        this::refreshBackendHealth,
        HEALTH_EVERY.toMillis(),
        HEALTH_EVERY.toMillis(),
        TimeUnit.MILLISECONDS);
    VigilConfig.Mitigation c = this.config;
    LOG.info(
        "mitigation on: policy [{}]{}, store [{}], backends {}, {} live decision(s)",
        c.policyFile(),
        c.policy().dryRun() ? " (dry run)" : "",
        c.store(),
        c.actions(),
        manager.live().size());
  }

  private void registerMeters() {
    Decision.Action[] actions = Decision.Action.values();
    Decision.Origin[] origins = Decision.Origin.values();
    decisions = new Counter[actions.length][origins.length][2];
    for (Decision.Action a : actions) {
      for (Decision.Origin o : origins) {
        for (int sim = 0; sim < 2; sim++) {
          decisions[a.ordinal()][o.ordinal()][sim] =
              Counter.builder("vigil.decisions")
                  .description("Decisions made, by action, origin and whether simulated")
                  .tag("action", a.name().toLowerCase(Locale.ROOT))
                  .tag("origin", o.name().toLowerCase(Locale.ROOT))
                  .tag("simulated", Boolean.toString(sim == 1))
                  .register(meters);
        }
      }
    }
    Gauge.builder(
            "vigil.decisions.live", this, x -> x.manager == null ? 0 : x.manager.live().size())
        .description("Decisions in force (simulated ones included)")
        .register(meters);
    FunctionCounter.builder("vigil.mitigation.alerts.dropped", droppedAlerts, AtomicLong::get)
        .description("Alerts not stored nor decided on because the mitigation queue was full")
        .register(meters);
    FunctionCounter.builder("vigil.mitigation.verdicts.rejected", rejectedVerdicts, AtomicLong::get)
        .description("Alerts whose entity is not a valid decision target (no verdict made)")
        .register(meters);
    FunctionCounter.builder(
            "vigil.mitigation.store.failures",
            this,
            x -> x.alertStoreFailures.get() + (x.manager == null ? 0 : x.manager.storeFailures()))
        .description("Reads or writes of the decision store that failed")
        .register(meters);
    if (manager != null) {
      registerBackendCalls(manager);
      for (String t : manager.backendTypes()) {
        FunctionCounter.builder("vigil.decision.apply.failures", manager, mm -> mm.applyFailures(t))
            .description(
                "Applies of a decision on a backend that failed, ran past mitigation.backend-deadline"
                    + " or found its queue full, retries included, by backend")
            .tag("backend", t)
            .register(meters);
        FunctionCounter.builder(
                "vigil.decision.revoke.failures", manager, mm -> mm.revokeFailures(t))
            .description(
                "Revokes of an ended decision on a backend that failed, ran past the deadline or"
                    + " found its queue full, retries included, by backend")
            .tag("backend", t)
            .register(meters);
      }
      for (String t : manager.backendTypes()) {
        FunctionCounter.builder(
                "vigil.mitigator.failures",
                manager,
                mm -> mm.failures().getOrDefault(t, 0L).doubleValue())
            .description("Mitigator calls that failed, by backend")
            .tag("type", t)
            .register(meters);
      }
      PolicyEngine pe = runtime.engine();
      Map<String, java.util.function.ToDoubleFunction<PolicyEngine>> outcomes =
          new LinkedHashMap<>();
      outcomes.put("allowlisted", p -> p.counters().allowlisted());
      outcomes.put("unmatched", p -> p.counters().unmatched());
      outcomes.put("active", p -> p.counters().active());
      outcomes.put("capped", p -> p.counters().capped());
      outcomes.put("pending", p -> p.counters().pending());
      outcomes.put("surge", p -> p.counters().surged());
      outcomes.put("after_lift", p -> p.counters().afterLift());
      outcomes.forEach(
          (k, f) ->
              FunctionCounter.builder("vigil.verdicts.undecided", pe, f)
                  .description("Verdicts that made no decision, by why")
                  .tag("reason", k)
                  .register(meters));
      FunctionCounter.builder("vigil.decisions.surge.lifted", pe, p -> p.counters().surgeLifted())
          .description(
              "Decisions lifted because a surge (the surge guard's hosts within its span) formed"
                  + " after them")
          .register(meters);
    }
  }

  /**
   * Registers {@code vigil.decisions.applied} and {@code vigil.decisions.revoked} for each action
   * and each backend that carries it out (as configured under {@code actions}), by result.
   */
  private void registerBackendCalls(DecisionManager m) {
    registerBackendCalls(
        m,
        MitigatorRegistry.Call.APPLY,
        "vigil.decisions.applied",
        "Decisions (not simulated) a backend was asked to apply, by action, backend and result");
    registerBackendCalls(
        m,
        MitigatorRegistry.Call.REVOKE,
        "vigil.decisions.revoked",
        "Decisions a backend was asked to revoke (expired or lifted), by action, backend and"
            + " result");
  }

  private void registerBackendCalls(
      DecisionManager m, MitigatorRegistry.Call call, String name, String description) {
    m.backendsByAction()
        .forEach(
            (action, types) -> {
              for (String type : types) {
                for (boolean ok : new boolean[] {true, false}) {
                  FunctionCounter.builder(name, m, mm -> mm.backendCalls(type, call, action, ok))
                      .description(description)
                      .tag("action", action.name().toLowerCase(Locale.ROOT))
                      .tag("backend", type)
                      .tag("result", ok ? "success" : "failure")
                      .register(meters);
                }
              }
            });
  }

  /** Returns whether mitigation is configured (it may still have failed to start). */
  public boolean configured() {
    return config != null;
  }

  /** Returns whether mitigation is configured and running. */
  public boolean running() {
    return manager != null && !closed;
  }

  /** Returns why mitigation is not running, or null when it is. */
  public String unavailable() {
    if (config == null) {
      return "mitigation is not configured";
    }
    if (manager == null) {
      return runtime.failure();
    }
    return closed ? "mitigation is shutting down" : null;
  }

  /** Returns the highest numeric alert id stored before this start (0 if none). */
  public long lastAlertId() {
    return runtime.lastAlertId();
  }

  /**
   * Queues {@code alert} to be decided on, stored and written to the eve log; never blocks.
   *
   * @return whether it was queued; false when mitigation is not running or its queue is full
   *     (counted): the caller then writes the alert's eve line itself
   */
  public boolean onAlert(Alert alert) {
    if (queue == null || closed) {
      return false;
    }
    if (!queue.offer(alert)) {
      long n = droppedAlerts.incrementAndGet();
      if (Long.bitCount(n) == 1) {
        LOG.warn("mitigation queue full: {} alert(s) dropped so far", n);
      }
      return false;
    }
    return true;
  }

  private void drain() {
    while (!(closed && queue.isEmpty())) {
      Alert a;
      try {
        a = queue.poll(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (a != null) {
        handle(a);
      }
    }
  }

  /**
   * Decides on {@code a} and hands its line over to be written once the decision's backends have
   * answered (their first call, each within its deadline): never waits for a backend itself.
   */
  private void handle(Alert a) {
    DecisionEvents.Held held = runtime.events().hold();
    Decision decision = null;
    boolean already = false;
    try {
      Verdict v = verdict(a);
      if (v != null) {
        decision = runtime.events().holding(held, () -> manager.onVerdict(v)).orElse(null);
        // no decision made: is one of the entity's already blocking it?
        already = decision == null && blockedAlready(v);
      }
    } catch (RuntimeException e) {
      LOG.warn("cannot decide on alert [{}]: {}", a.vigil().id(), e.toString());
    }
    Decision d = decision;
    boolean blockedAlready = already;
    boolean awaitApplied =
        d != null
            && !d.simulated()
            && !manager.backendsByAction().getOrDefault(d.action(), List.of()).isEmpty();
    held.release(
        awaitApplied,
        changes -> {
          boolean blocked = blockedAlready || changes.stream().anyMatch(DecisionEvent::blocks);
          Alert out = blocked ? a.withAction(Alert.BLOCKED) : a;
          storeAlert(out);
          eve.alert(out);
          for (DecisionChange c : changes) {
            eve.decision(c, a.vigil().id());
          }
          if (d != null) {
            decided(a, d);
          }
        });
  }

  /**
   * Runs {@code a}, a synthetic alert, through what {@link #handle} does to a real one, with no
   * effect: maps it to a verdict, matches it against the policy's rules ({@link
   * PolicyEngine#firstMatch}), builds (but neither stores nor applies) the decision it would make
   * and encodes the alert's row and the decision's eve event into discarded text. No decision is
   * made, no backend called, nothing stored, written or counted. For {@code AlertOutput.warmUp()}.
   *
   * @return the name of the rule it matched, or null
   */
  public String warmUp(Alert a) {
    Instant now = clock.instant();
    Verdict v = VerdictMapper.verdictOf(a, now);
    PolicyEngine engine = runtime.engine();
    String rule = engine == null ? null : engine.firstMatch(v).orElse(null);
    Decision d =
        new Decision(
            "warm-up",
            v.scope(),
            v.entity(),
            Decision.Action.QUARANTINE,
            v.summary(),
            v.score(),
            Decision.Origin.DETECTOR,
            now,
            now.plusSeconds(60),
            true);
    DecisionChange made =
        new DecisionChange(DecisionChange.Kind.MADE, d, now, List.of(), List.of());
    try {
      mapper.writeValueAsString(a.withAction(Alert.BLOCKED));
    } catch (IOException e) {
      LOG.debug("warm-up cannot encode an alert: {}", e.toString());
    }
    eve.warmUp(a, DecisionEvent.of(made, a.vigil().id(), eve.host()));
    DecisionEvent.blocks(made);
    return rule;
  }

  private void storeAlert(Alert a) {
    try {
      String json = mapper.writeValueAsString(a);
      store.addAlert(new DecisionStore.Alert(a.vigil().id(), detectedAt(a), json));
    } catch (IOException | SQLException | RuntimeException e) {
      alertStoreFailures.incrementAndGet();
      LOG.warn("cannot store alert [{}]: {}", a.vigil().id(), e.toString());
    }
  }

  private Instant detectedAt(Alert a) {
    try {
      return EveTime.parse(a.vigil().detectedAt());
    } catch (DateTimeParseException | NullPointerException e) {
      return clock.instant();
    }
  }

  /**
   * Returns whether a quarantine or reroute of the verdict's own entity (not simulated) is already
   * in force: the policy makes no second decision then, yet the source's traffic is blocked, so its
   * alert says so. (A decision on a CIDR that holds the address is not looked for.)
   */
  private boolean blockedAlready(Verdict v) {
    for (Decision live : manager.live()) { // both values in their scope's canonical form
      if (!live.simulated()
          && live.action() != Decision.Action.ALERT
          && live.scope() == v.scope()
          && live.value().equals(v.entity())) {
        return true;
      }
    }
    return false;
  }

  /** Returns the verdict an alert makes, or null (counted) if its entity is no valid target. */
  private Verdict verdict(Alert a) {
    try {
      return VerdictMapper.verdictOf(a, clock.instant());
    } catch (IllegalArgumentException e) {
      rejectedVerdicts.incrementAndGet();
      LOG.debug("alert [{}] makes no verdict: {}", a.vigil().id(), e.getMessage());
      return null;
    }
  }

  private void decided(Alert a, Decision d) {
    countDecision(d);
    if (d.simulated()) {
      return;
    }
    // The alert (wall clock) to its decision applied by every backend: the mitigation's own share.
    try {
      Duration applying = Duration.between(EveTime.parse(a.vigil().detectedAt()), clock.instant());
      if (!applying.isNegative()
          && !manager.backendsByAction().getOrDefault(d.action(), List.of()).isEmpty()) {
        decisionLatency(a.vigil().detector()).record(applying);
      }
    } catch (DateTimeParseException | NullPointerException e) {
      // an alert without a detection time has nothing to measure from
    }
    if (a.srcIp() == null || !liveCapture) {
      return;
    }
    // The window's first packet (capture clock) to the decision stored and applied by its backends;
    // live capture only (a capture file's clock is not now's).
    try {
      Duration latency = Duration.between(EveTime.parse(a.vigil().windowStart()), clock.instant());
      if (!latency.isNegative()) {
        packetToDecision.record(latency);
      }
    } catch (DateTimeParseException | NullPointerException e) {
      // an alert without a window start has no packet to measure from
    }
  }

  /**
   * Returns the {@code vigil.decision.latency} timer of alerts of {@code detector} (the detectors
   * are a fixed set: {@link AlertQuery#DETECTORS}; anything else counts as {@code other}).
   */
  private Timer decisionLatency(String detector) {
    String k = detector != null && AlertQuery.DETECTORS.contains(detector) ? detector : "other";
    return decisionLatency.computeIfAbsent(
        k,
        t ->
            Timer.builder("vigil.decision.latency")
                .description(
                    "From an alert to its decision applied by every backend of its action"
                        + " (simulated decisions and decisions without backends left out)")
                .tag("detector", t)
                .serviceLevelObjectives(LatencyBuckets.applying())
                .register(meters));
  }

  private void countDecision(Decision d) {
    decisions[d.action().ordinal()][d.origin().ordinal()][d.simulated() ? 1 : 0].increment();
    publishHealth();
  }

  /** Counts a refused {@code /decisions} request by {@code reason}. */
  public void refused(String reason) {
    refusedCounter(reason).increment();
  }

  private Counter refusedCounter(String reason) {
    return refused.computeIfAbsent(
        reason,
        r ->
            Counter.builder("vigil.decisions.requests.refused")
                .description("Decision requests refused, by reason")
                .tag("reason", r)
                .register(meters));
  }

  /** Returns the configuration (present when configured). */
  public VigilConfig.Mitigation config() {
    return config;
  }

  /** Whether the policy in force is a global dry run. */
  public boolean dryRun() {
    PolicyEngine e = runtime.engine();
    return e != null ? e.policy().dryRun() : config != null && config.policy().dryRun();
  }

  /**
   * Applies a reloaded {@code mitigation} section: the policy (rules, allowlist, cap, surge guard,
   * dry run) and the REST token are put in force at once, keeping the decisions in force and the
   * offence history; settings that need a restart are named in the returned list (the running ones
   * stay).
   *
   * @param next the new section, or null when the new configuration has none
   * @return what changed but needs a restart, each as {@code key: why}
   */
  public List<String> reload(VigilConfig.Mitigation next) {
    List<String> restart = new ArrayList<>();
    if (config == null || next == null) {
      if (config != null || next != null) {
        restart.add("mitigation: turned " + (next == null ? "off" : "on"));
      }
      return restart;
    }
    PolicyEngine e = runtime.engine();
    if (e != null) {
      e.replace(next.policy());
      LOG.info(
          "policy [{}] in force: {} rule(s){}",
          next.policyFile(),
          next.policy().rules().size(),
          next.policy().dryRun() ? " (dry run)" : "");
    }
    token.replaceWith(BearerToken.read(next.tokenFile()));
    if (!token.enabled()) {
      LOG.warn("{}", token.problem());
    }
    if (!next.store().equals(config.store())) {
      restart.add("mitigation.store");
    }
    if (!next.actions().equals(config.actions())) {
      restart.add("mitigation.actions");
    }
    if (!next.mitigators().equals(config.mitigators())) {
      restart.add("mitigation.mitigators");
    }
    if (!next.sweep().equals(config.sweep()) || !next.reconcile().equals(config.reconcile())) {
      restart.add("mitigation.sweep/reconcile");
    }
    if (!next.maxManualTtl().equals(config.maxManualTtl())) {
      restart.add("mitigation.max-manual-ttl");
    }
    if (next.queueSize() != config.queueSize()) {
      restart.add("mitigation.queue-size");
    }
    if (!next.backendDeadline().equals(config.backendDeadline())) {
      restart.add("mitigation.backend-deadline");
    }
    return restart;
  }

  /** Returns the decisions in force, oldest first; see {@link DecisionManager#live}. */
  public List<Decision> live() {
    return manager.live();
  }

  /** Returns whether {@code value} of {@code scope} is allowlisted. */
  public boolean allowlisted(Decision.Scope scope, String value) {
    return runtime.engine().allowlisted(scope, value);
  }

  /**
   * Returns the stored outcome of decision {@code d} on each of its backends; see {@link
   * DecisionManager#outcomes}.
   */
  public List<DecisionStore.Outcome> outcomes(Decision d) {
    return manager.outcomes(d);
  }

  /** Submits a manual decision and counts it; see {@link DecisionManager#submit}. */
  public Decision submit(Decision d) {
    Decision out = manager.submit(d);
    countDecision(out);
    return out;
  }

  /** Lifts decision {@code id}; see {@link DecisionManager#lift}. */
  public boolean lift(String id) {
    boolean ok = manager.lift(id);
    publishHealth();
    return ok;
  }

  /**
   * Returns the stored decisions created in the last {@code within}, newest first, at most {@code
   * limit}, each with when it was revoked.
   */
  public List<DecisionStore.Stored> recent(Duration within, int limit) throws SQLException {
    List<DecisionStore.Stored> all = store.since(clock.instant().minus(within), 1_000_000);
    List<DecisionStore.Stored> out = new ArrayList<>();
    for (int i = all.size() - 1; i >= 0 && out.size() < limit; i--) {
      out.add(all.get(i));
    }
    return out;
  }

  /**
   * Returns the stored alerts that {@code q} selects, highest id first: the store is read back
   * through ids a batch at a time and each alert matched against the filters.
   */
  public List<DecisionStore.Alert> storedAlerts(AlertQuery q) throws SQLException {
    if (store == null) {
      throw new SQLException(unavailable());
    }
    final int batch = 500;
    List<DecisionStore.Alert> out = new ArrayList<>();
    Long cursor = q.before();
    while (out.size() < q.limit()) {
      List<DecisionStore.Alert> page = store.alertsBefore(cursor, q.since(), batch);
      for (DecisionStore.Alert s : page) {
        try {
          if (q.matches(mapper.readValue(s.json(), Alert.class))) {
            out.add(s);
            if (out.size() == q.limit()) {
              break;
            }
          }
        } catch (IOException e) {
          LOG.debug("stored alert [{}] is not readable: {}", s.id(), e.toString());
        }
      }
      if (page.size() < batch) {
        break;
      }
      try {
        cursor = Long.parseLong(page.get(page.size() - 1).id());
      } catch (NumberFormatException e) {
        break; // ids that are not numbers sort last: nothing older to page through
      }
    }
    return out;
  }

  /** Returns the time now, by the clock decisions are made with. */
  public Instant now() {
    return clock.instant();
  }

  private void refreshBackendHealth() {
    try {
      DecisionManager m = manager;
      if (m != null && !closed) {
        Map<String, String> h = new LinkedHashMap<>(m.health());
        backendHealth = h;
        publishHealth();
      }
    } catch (RuntimeException e) {
      LOG.warn("mitigation health check failed: {}", e.toString());
    }
  }

  private void publishHealth() {
    if (manager == null || closed) {
      return;
    }
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("store", config.store().toString());
    d.put("policy", config.policyFile().toString());
    d.put("dry_run", dryRun());
    d.put("live_decisions", manager.live().size());
    Map<String, Object> backends = new LinkedHashMap<>();
    boolean unhealthy = false;
    Map<String, Long> failures = manager.failures();
    for (Map.Entry<String, String> e : backendHealth.entrySet()) {
      Map<String, Object> b = new LinkedHashMap<>();
      b.put("status", e.getValue() == null ? ComponentHealth.UP : ComponentHealth.DOWN);
      if (e.getValue() != null) {
        b.put("error", e.getValue());
        unhealthy = true;
      }
      b.put("failures", failures.getOrDefault(e.getKey(), 0L));
      backends.put(e.getKey(), b);
    }
    d.put("backends", backends);
    d.put("store_failures", manager.storeFailures() + alertStoreFailures.get());
    d.put("alerts_dropped", droppedAlerts.get());
    d.put("mutations", token.enabled() ? "enabled" : token.problem());
    health.set(COMPONENT, unhealthy ? ComponentHealth.DEGRADED : ComponentHealth.UP, d);
  }

  /**
   * Stops taking alerts, stores and decides on those queued (waiting up to 5 s), then closes the
   * {@link MitigationRuntime}: stops the manager, closes the backends that hold connections, and
   * closes the store. Decisions stay applied and stored.
   */
  @PreDestroy
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (healthTimer != null) {
      healthTimer.shutdownNow();
    }
    if (worker != null) {
      try {
        worker.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (worker.isAlive()) {
        worker.interrupt();
        LOG.warn(
            "mitigation queue not drained at shutdown: {} alert(s) left undecided", queue.size());
        for (Alert a = queue.poll(); a != null; a = queue.poll()) {
          eve.alert(a); // still logged, as allowed: nothing was decided for it
        }
      }
    }
    runtime.close();
  }
}
