package dev.vigil.mitigate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.Decision.Action;
import dev.vigil.mitigate.api.Decision.Scope;
import dev.vigil.mitigate.api.Mitigator;
import dev.vigil.mitigate.api.MitigatorRegistry;
import dev.vigil.mitigate.backend.LogMitigator;
import dev.vigil.mitigate.policy.GatewayIdentity;
import dev.vigil.mitigate.policy.Policy;
import dev.vigil.mitigate.policy.PolicyEngine;
import dev.vigil.mitigate.policy.Verdict;
import dev.vigil.mitigate.store.DecisionStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecisionManagerTest {
  private static final Instant T0 = Instant.parse("2026-03-02T12:00:00Z");
  private static final String POLICY =
      """
      time-zone: UTC
      allowlist: {management-hosts: [10.0.0.10]}
      rules:
        - name: q
          match: {min-severity: critical}
          action: quarantine
          duration: 10m
        - name: sim
          match: {min-severity: high}
          action: reroute
          duration: 10m
          dry-run: true
        - name: a
          match: {min-severity: medium}
          action: alert
          duration: 5m
      """;

  @TempDir Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();

  /** A settable clock. */
  static final class TestClock extends Clock {
    volatile Instant now = T0;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  /** An in-memory backend: its "real state" is a set of applied ids; fails while told to. */
  static final class MemoryMitigator implements Mitigator {
    final String type;
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    final java.util.Set<String> applied = java.util.concurrent.ConcurrentHashMap.newKeySet();
    volatile boolean failing;
    final java.util.concurrent.atomic.AtomicInteger failNext =
        new java.util.concurrent.atomic.AtomicInteger();

    MemoryMitigator(String type) {
      this.type = type;
    }

    @Override
    public String type() {
      return type;
    }

    @Override
    public void apply(Decision d) {
      calls.add("apply " + d.value());
      if (failing || failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        throw new IllegalStateException("down");
      }
      applied.add(d.id());
    }

    @Override
    public void revoke(Decision d) {
      calls.add("revoke " + d.value());
      if (failing || failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        throw new IllegalStateException("down");
      }
      applied.remove(d.id());
    }

    @Override
    public void reconcile(List<Decision> live) {
      calls.add("reconcile " + live.size());
      if (failing) {
        throw new IllegalStateException("down");
      }
      applied.retainAll(live.stream().map(Decision::id).toList());
      live.forEach(d -> applied.add(d.id()));
    }

    @Override
    public String health() {
      return failing ? "down" : null;
    }
  }

  final TestClock clock = new TestClock();
  final MemoryMitigator fw = new MemoryMitigator("fw");
  final MemoryMitigator route = new MemoryMitigator("route");
  final MemoryMitigator bus = new MemoryMitigator("bus");

  private DecisionManager manager(Duration sweep) throws Exception {
    return manager(sweep, DecisionListener.none());
  }

  /** Two attempts, retried after 10 ms: a failing backend settles fast. */
  static final BackendCalls FAST =
      new BackendCalls(Duration.ofSeconds(2), 64, 2, Duration.ofMillis(10), Duration.ofMillis(20));

  private DecisionManager manager(Duration sweep, DecisionListener listener) throws Exception {
    return manager(sweep, listener, FAST);
  }

  private DecisionManager manager(Duration sweep, DecisionListener listener, BackendCalls calls)
      throws Exception {
    return manager(sweep, listener, calls, POLICY);
  }

  private DecisionManager manager(
      Duration sweep, DecisionListener listener, BackendCalls calls, String policy)
      throws Exception {
    DecisionStore store =
        DecisionStore.open(dir.resolve("vigil.db"), DecisionStore.Retention.defaults());
    open.add(store);
    MitigatorRegistry reg = new MitigatorRegistry(List.of(fw, route, bus, new LogMitigator()));
    DecisionManager m =
        new DecisionManager(
            new PolicyEngine(Policy.parse("test", policy), GatewayIdentity.none()),
            store,
            reg,
            Map.of(
                Action.QUARANTINE, List.of("fw", "log"),
                Action.REROUTE, List.of("route"),
                Action.ALERT, List.of("bus", "log")),
            clock,
            sweep,
            Duration.ofHours(1),
            listener,
            calls);
    open.add(0, m);
    return m;
  }

  /** Waits until every backend call (retries included) has settled. */
  private static void idle(DecisionManager m) throws InterruptedException {
    assertThat(m.awaitIdle(Duration.ofSeconds(10))).as("backends idle").isTrue();
  }

  private static String states(DecisionManager m, Decision d) {
    return m.outcomes(d.id()).stream()
        .map(o -> o.backend() + "=" + o.state().text() + "/" + o.attempts())
        .toList()
        .toString();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private static Verdict verdict(String ip, Verdict.Severity sev) {
    return new Verdict(Verdict.Kind.PACKET, sev, 0.9, Scope.IP, ip, "scan", "", T0);
  }

  @Test
  void onVerdict_storesAndAppliesOnTheActionsBackendsOnly() throws Exception {
    DecisionManager m = manager(Duration.ofHours(1));
    m.start();
    idle(m);
    Decision d = m.onVerdict(verdict("10.0.0.66", Verdict.Severity.CRITICAL)).orElseThrow();
    idle(m);
    assertThat(fw.applied).containsExactly(d.id());
    assertThat(bus.calls).containsExactly("reconcile 0");
    assertThat(m.live()).containsExactly(d);
    assertThat(states(m, d)).isEqualTo("[fw=applied/1, log=applied/1]");
    Decision a = m.onVerdict(verdict("10.0.0.67", Verdict.Severity.MEDIUM)).orElseThrow();
    idle(m);
    assertThat(bus.applied).containsExactly(a.id());
    assertThat(fw.applied).containsExactly(d.id());
  }

  /** One change as text: kind, value, backends done, backends failed. */
  private static String text(DecisionChange c) {
    return c.kind() + " " + c.decision().value() + " " + c.backends() + " " + c.failed();
  }

  @Test
  void listener_isToldOfEachStepOfADecisionsLife() throws Exception {
    List<DecisionChange> changes = Collections.synchronizedList(new ArrayList<>());
    DecisionManager m = manager(Duration.ofHours(1), changes::add);
    m.start();
    idle(m);
    fw.failing = true;
    Decision q = m.onVerdict(verdict("10.0.0.66", Verdict.Severity.CRITICAL)).orElseThrow();
    idle(m);
    fw.failing = false;
    Decision sim = m.onVerdict(verdict("10.0.0.67", Verdict.Severity.HIGH)).orElseThrow();
    assertThat(m.lift(q.id())).isTrue();
    idle(m);
    clock.now = sim.expires();
    assertThat(m.expire()).isEqualTo(1);
    idle(m);
    assertThat(changes.stream().map(DecisionManagerTest::text))
        .containsExactly(
            "MADE 10.0.0.66 [] []",
            "APPLIED 10.0.0.66 [log] [fw]",
            "MADE 10.0.0.67 [] []", // simulated: made, never applied
            "LIFTED 10.0.0.66 [fw, log] []",
            "EXPIRED 10.0.0.67 [] []");
    assertThat(changes.get(0).at()).isEqualTo(T0);
    assertThat(changes.get(4).at()).isEqualTo(sim.expires());
    assertThat(changes.get(4).decision()).isEqualTo(sim);
  }

  @Test
  void listener_thatThrowsNeverStopsADecision() throws Exception {
    DecisionManager m =
        manager(
            Duration.ofHours(1),
            c -> {
              throw new IllegalStateException("broken listener");
            });
    m.start();
    idle(m);
    Decision d = m.onVerdict(verdict("10.0.0.66", Verdict.Severity.CRITICAL)).orElseThrow();
    idle(m);
    assertThat(fw.applied).containsExactly(d.id());
    assertThat(m.lift(d.id())).isTrue();
    idle(m);
    assertThat(fw.applied).isEmpty();
  }

  @Test
  void simulatedDecisionsAreStoredButNeverApplied() throws Exception {
    DecisionManager m = manager(Duration.ofHours(1));
    m.start();
    idle(m);
    Decision d = m.onVerdict(verdict("10.0.0.66", Verdict.Severity.HIGH)).orElseThrow();
    assertThat(d.simulated()).isTrue();
    assertThat(m.live()).containsExactly(d);
    assertThat(route.calls).containsExactly("reconcile 0");
    clock.now = T0.plus(Duration.ofMinutes(11));
    assertThat(m.expire()).isEqualTo(1);
    m.reconcile();
    idle(m);
    assertThat(m.outcomes(d.id())).isEmpty();
    assertThat(route.calls).containsExactly("reconcile 0", "reconcile 0");
  }

  @Test
  void failingBackendIsCountedAndOthersStillAct() throws Exception {
    DecisionManager m = manager(Duration.ofHours(1));
    m.start();
    idle(m);
    fw.failing = true;
    Decision d = m.onVerdict(verdict("10.0.0.66", Verdict.Severity.CRITICAL)).orElseThrow();
    idle(m);
    // both attempts failed, then it was given up; log applied it
    assertThat(states(m, d)).isEqualTo("[fw=gave_up/2, log=applied/1]");
    assertThat(m.outcomes(d.id()).get(0).error()).isEqualTo("down");
    assertThat(m.applyFailures("fw")).isEqualTo(2);
    assertThat(m.applyFailures("log")).isZero();
    assertThat(m.failures()).containsEntry("fw", 2L).containsEntry("log", 0L);
    assertThat(m.health()).containsEntry("fw", "down");
    assertThat(m.live()).containsExactly(d);
    // The periodic reconcile is the backend's chance to catch up once it is back.
    fw.failing = false;
    m.reconcile();
    idle(m);
    assertThat(fw.applied).containsExactly(d.id());
    assertThat(states(m, d)).isEqualTo("[fw=applied/2, log=applied/1]");
    assertThat(m.outcomes(d.id()).get(0).error()).isNull();
  }

  @Test
  void failedApply_isRetriedWithBackoffUntilApplied() throws Exception {
    BackendCalls calls =
        new BackendCalls(
            Duration.ofSeconds(2), 64, 5, Duration.ofMillis(50), Duration.ofMillis(400));
    List<DecisionChange> changes = Collections.synchronizedList(new ArrayList<>());
    DecisionManager m = manager(Duration.ofHours(1), changes::add, calls);
    m.start();
    idle(m);
    fw.failNext.set(2);
    long t0 = System.nanoTime();
    Decision d = m.onVerdict(verdict("10.0.0.66", Verdict.Severity.CRITICAL)).orElseThrow();
    idle(m);
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(states(m, d)).isEqualTo("[fw=applied/3, log=applied/1]");
    assertThat(m.outcomes(d.id()).get(0).error()).isNull();
    assertThat(fw.applied).containsExactly(d.id());
    assertThat(fw.calls).endsWith("apply 10.0.0.66", "apply 10.0.0.66", "apply 10.0.0.66");
    assertThat(m.applyFailures("fw")).isEqualTo(2);
    assertThat(tookMs).as("waited 50 ms, then 100 ms").isGreaterThanOrEqualTo(150);
    // the event tells of the first round: fw had failed then
    assertThat(changes.stream().map(DecisionManagerTest::text))
        .containsExactly("MADE 10.0.0.66 [] []", "APPLIED 10.0.0.66 [log] [fw]");
    assertThat(calls.retryAfter(1)).isEqualTo(Duration.ofMillis(50));
    assertThat(calls.retryAfter(3)).isEqualTo(Duration.ofMillis(200));
    assertThat(calls.retryAfter(30)).isEqualTo(Duration.ofMillis(400));
  }

  @Test
  void restart_retriesOutcomesLeftFailed() throws Exception {
    BackendCalls slowRetry =
        new BackendCalls(Duration.ofSeconds(2), 64, 5, Duration.ofHours(1), Duration.ofHours(1));
    DecisionManager first = manager(Duration.ofHours(1), DecisionListener.none(), slowRetry);
    first.start();
    fw.failing = true;
    Decision d = first.onVerdict(verdict("10.0.0.66", Verdict.Severity.CRITICAL)).orElseThrow();
    // each backend answers on its own lane: wait for both (the log's can come after the firewall's)
    long end = System.nanoTime() + 5_000_000_000L;
    while (!states(first, d).equals("[fw=failed/1, log=applied/1]") && System.nanoTime() < end) {
      Thread.sleep(5);
    }
    assertThat(states(first, d)).isEqualTo("[fw=failed/1, log=applied/1]");
    closeAll(); // the retry due in an hour dies with the daemon
    open.clear();
    fw.failing = false;
    fw.calls.clear();
    DecisionManager second = manager(Duration.ofHours(1), DecisionListener.none(), slowRetry);
    second.start();
    idle(second);
    assertThat(fw.calls).containsExactly("apply 10.0.0.66", "reconcile 1");
    assertThat(states(second, d)).isEqualTo("[fw=applied/2, log=applied/1]");
  }

  @Test
  void expiry_marksEndedAtOnceAndRetriesAFailedRevoke() throws Exception {
    List<DecisionChange> changes = Collections.synchronizedList(new ArrayList<>());
    DecisionManager m = manager(Duration.ofHours(1), changes::add);
    m.start();
    idle(m);
    Decision d = m.onVerdict(verdict("10.0.0.66", Verdict.Severity.CRITICAL)).orElseThrow();
    idle(m);
    clock.now = d.expires();
    fw.failNext.set(1);
    assertThat(m.expire()).isEqualTo(1);
    assertThat(m.live()).isEmpty();
    assertThat(m.expire()).isZero();
    idle(m);
    assertThat(states(m, d)).isEqualTo("[fw=revoked/2, log=revoked/1]");
    assertThat(m.revokeFailures("fw")).isEqualTo(1);
    assertThat(fw.applied).isEmpty();
    assertThat(text(changes.get(changes.size() - 1))).isEqualTo("EXPIRED 10.0.0.66 [log] [fw]");
    // a revoke that keeps failing is given up after the most attempts
    Decision e = m.onVerdict(verdict("10.0.0.77", Verdict.Severity.CRITICAL)).orElseThrow();
    idle(m);
    clock.now = e.expires();
    fw.failing = true;
    assertThat(m.expire()).isEqualTo(1);
    idle(m);
    assertThat(states(m, e)).isEqualTo("[fw=revoke_gave_up/2, log=revoked/1]");
  }

  @Test
  void schedulerRevokesOnExpiry() throws Exception {
    DecisionManager m = manager(Duration.ofMillis(20));
    m.start();
    idle(m);
    Decision d = m.onVerdict(verdict("10.0.0.66", Verdict.Severity.CRITICAL)).orElseThrow();
    idle(m);
    assertThat(fw.applied).contains(d.id());
    clock.now = d.expires().plusSeconds(1);
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!fw.applied.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(fw.applied).isEmpty();
    assertThat(m.live()).isEmpty();
  }

  @Test
  void lift_revokesAtOnceAndAllowsANewDecision() throws Exception {
    DecisionManager m = manager(Duration.ofHours(1));
    m.start();
    idle(m);
    Decision d = m.onVerdict(verdict("10.0.0.66", Verdict.Severity.CRITICAL)).orElseThrow();
    assertThat(m.onVerdict(verdict("10.0.0.66", Verdict.Severity.CRITICAL))).isEmpty();
    assertThat(m.lift(d.id())).isTrue();
    assertThat(m.lift(d.id())).isFalse();
    assertThat(m.lift("no-such-id")).isFalse();
    idle(m);
    assertThat(fw.applied).isEmpty();
    assertThat(m.live()).isEmpty();
    // the same evidence again (timed before the lift) does not put it back; new evidence does
    assertThat(m.onVerdict(verdict("10.0.0.66", Verdict.Severity.CRITICAL))).isEmpty();
    clock.now = T0.plusSeconds(30);
    Verdict later =
        new Verdict(
            Verdict.Kind.PACKET,
            Verdict.Severity.CRITICAL,
            0.9,
            Scope.IP,
            "10.0.0.66",
            "scan",
            "",
            T0.plusSeconds(20));
    assertThat(m.onVerdict(later)).isPresent();
  }

  @Test
  void aSurgeFormedAfterADecision_liftsItAndRevokesItOnItsBackends() throws Exception {
    DecisionManager m =
        manager(
            Duration.ofHours(1),
            DecisionListener.none(),
            FAST,
            POLICY.replace(
                "rules:", "surge-guard: {hosts: 3, within: 30s, look-back: 5s}\nrules:"));
    m.start();
    idle(m);
    Decision first = m.onVerdict(verdict("10.0.0.11", Verdict.Severity.CRITICAL)).orElseThrow();
    Decision second = m.onVerdict(verdict("10.0.0.12", Verdict.Severity.CRITICAL)).orElseThrow();
    idle(m);
    assertThat(fw.applied).containsExactlyInAnyOrder(first.id(), second.id());
    // a third host a moment later: a network-wide event, not two attackers
    assertThat(m.onVerdict(verdict("10.0.0.13", Verdict.Severity.CRITICAL)).orElseThrow().action())
        .as("held from quarantine; the alert rule still applies")
        .isEqualTo(Action.ALERT);
    idle(m);
    assertThat(fw.applied).as("both revoked on the firewall").isEmpty();
    assertThat(m.live()).extracting(Decision::action).containsExactly(Action.ALERT);
    assertThat(m.lift(first.id())).as("already lifted").isFalse();
  }

  @Test
  void restart_reconcilesLiveAndRevokesWhatLapsedWhileDown() throws Exception {
    DecisionManager first = manager(Duration.ofHours(1));
    first.start();
    idle(first);
    Decision shortOne = first.onVerdict(verdict("10.0.0.5", Verdict.Severity.MEDIUM)).orElseThrow();
    Decision longOne =
        first.onVerdict(verdict("10.0.0.6", Verdict.Severity.CRITICAL)).orElseThrow();
    idle(first);
    closeAll();
    open.clear();
    // Down for 7 minutes: the 5-minute alert lapsed, the 10-minute quarantine did not. The
    // backends' state is lost too (a reboot).
    fw.applied.clear();
    bus.applied.clear();
    fw.calls.clear();
    bus.calls.clear();
    clock.now = T0.plus(Duration.ofMinutes(7));
    DecisionManager second = manager(Duration.ofHours(1));
    second.start();
    idle(second);
    assertThat(bus.calls).containsExactly("revoke 10.0.0.5", "reconcile 0");
    assertThat(fw.calls).containsExactly("reconcile 1");
    assertThat(fw.applied).containsExactly(longOne.id());
    assertThat(second.live()).containsExactly(longOne);
    assertThat(shortOne.expiredAt(clock.now)).isTrue();
    // Still remembered after the restart: no second decision on the same entity.
    assertThat(second.onVerdict(verdict("10.0.0.6", Verdict.Severity.CRITICAL))).isEmpty();
  }

  @Test
  void submit_refusesAllowlistedAndStoresManualDecisions() throws Exception {
    DecisionManager m = manager(Duration.ofHours(1));
    m.start();
    idle(m);
    Decision manual =
        new Decision(
            "op-1",
            Scope.IP,
            "10.0.0.10",
            Action.QUARANTINE,
            "operator",
            Double.NaN,
            Decision.Origin.MANUAL,
            T0,
            T0.plusSeconds(600),
            false);
    assertThatThrownBy(() -> m.submit(manual)).hasMessageContaining("[10.0.0.10] is allowlisted");
    Decision bad =
        new Decision(
            "op-2",
            Scope.IP,
            "10.0.0.1;reboot",
            Action.QUARANTINE,
            "operator",
            Double.NaN,
            Decision.Origin.MANUAL,
            T0,
            T0.plusSeconds(600),
            false);
    assertThatThrownBy(() -> m.submit(bad)).isInstanceOf(IllegalArgumentException.class);
    assertThat(fw.calls).containsExactly("reconcile 0");
    Decision ok =
        new Decision(
            "op-3",
            Scope.IP,
            "2001:DB8::1",
            Action.QUARANTINE,
            "operator",
            Double.NaN,
            Decision.Origin.MANUAL,
            T0,
            T0.plusSeconds(600),
            false);
    assertThat(m.submit(ok).value()).isEqualTo("2001:db8::1");
    idle(m);
    assertThat(fw.calls).containsExactly("reconcile 0", "apply 2001:db8::1");
  }

  @Test
  void constructor_refusesUnknownBackend() throws Exception {
    DecisionStore store =
        DecisionStore.open(dir.resolve("x.db"), DecisionStore.Retention.defaults());
    open.add(store);
    assertThatThrownBy(
            () ->
                new DecisionManager(
                    new PolicyEngine(Policy.parse("test", POLICY), GatewayIdentity.none()),
                    store,
                    new MitigatorRegistry(List.of(fw)),
                    Map.of(Action.QUARANTINE, List.of("nftables")),
                    clock,
                    Duration.ofSeconds(1),
                    Duration.ofMinutes(1)))
        .hasMessageContaining("action quarantine: unknown mitigator type [nftables]");
  }
}
