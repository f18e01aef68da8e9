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
      if (failing) {
        throw new IllegalStateException("down");
      }
      applied.add(d.id());
    }

    @Override
    public void revoke(Decision d) {
      calls.add("revoke " + d.value());
      if (failing) {
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

  private DecisionManager manager(Duration sweep, DecisionListener listener) throws Exception {
    DecisionStore store =
        DecisionStore.open(dir.resolve("vigil.db"), DecisionStore.Retention.defaults());
    open.add(store);
    MitigatorRegistry reg = new MitigatorRegistry(List.of(fw, route, bus, new LogMitigator()));
    DecisionManager m =
        new DecisionManager(
            new PolicyEngine(Policy.parse("test", POLICY), GatewayIdentity.none()),
            store,
            reg,
            Map.of(
                Action.QUARANTINE, List.of("fw", "log"),
                Action.REROUTE, List.of("route"),
                Action.ALERT, List.of("bus", "log")),
            clock,
            sweep,
            Duration.ofHours(1),
            listener);
    open.add(0, m);
    return m;
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
    Decision d = m.onVerdict(verdict("10.0.0.66", Verdict.Severity.CRITICAL)).orElseThrow();
    assertThat(fw.applied).containsExactly(d.id());
    assertThat(bus.calls).containsExactly("reconcile 0");
    assertThat(m.live()).containsExactly(d);
    Decision a = m.onVerdict(verdict("10.0.0.67", Verdict.Severity.MEDIUM)).orElseThrow();
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
    fw.failing = true;
    Decision q = m.onVerdict(verdict("10.0.0.66", Verdict.Severity.CRITICAL)).orElseThrow();
    fw.failing = false;
    Decision sim = m.onVerdict(verdict("10.0.0.67", Verdict.Severity.HIGH)).orElseThrow();
    assertThat(m.lift(q.id())).isTrue();
    clock.now = sim.expires();
    assertThat(m.expire()).isEqualTo(1);
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
    Decision d = m.onVerdict(verdict("10.0.0.66", Verdict.Severity.CRITICAL)).orElseThrow();
    assertThat(fw.applied).containsExactly(d.id());
    assertThat(m.lift(d.id())).isTrue();
    assertThat(fw.applied).isEmpty();
  }

  @Test
  void simulatedDecisionsAreStoredButNeverApplied() throws Exception {
    DecisionManager m = manager(Duration.ofHours(1));
    m.start();
    Decision d = m.onVerdict(verdict("10.0.0.66", Verdict.Severity.HIGH)).orElseThrow();
    assertThat(d.simulated()).isTrue();
    assertThat(m.live()).containsExactly(d);
    assertThat(route.calls).containsExactly("reconcile 0");
    clock.now = T0.plus(Duration.ofMinutes(11));
    assertThat(m.expire()).isEqualTo(1);
    m.reconcile();
    assertThat(route.calls).containsExactly("reconcile 0", "reconcile 0");
  }

  @Test
  void failingBackendIsCountedAndOthersStillAct() throws Exception {
    DecisionManager m = manager(Duration.ofHours(1));
    m.start();
    fw.failing = true;
    Decision d = m.onVerdict(verdict("10.0.0.66", Verdict.Severity.CRITICAL)).orElseThrow();
    assertThat(m.failures()).containsEntry("fw", 1L).containsEntry("log", 0L);
    assertThat(m.health()).containsEntry("fw", "down");
    assertThat(m.live()).containsExactly(d);
    // The periodic reconcile is the backend's chance to catch up once it is back.
    fw.failing = false;
    m.reconcile();
    assertThat(fw.applied).containsExactly(d.id());
  }

  @Test
  void expiryRevokesAndMarks_retryingAFailedRevokeThenGivingUp() throws Exception {
    DecisionManager m = manager(Duration.ofHours(1));
    m.start();
    Decision d = m.onVerdict(verdict("10.0.0.66", Verdict.Severity.CRITICAL)).orElseThrow();
    clock.now = d.expires();
    fw.failing = true;
    for (int i = 1; i < DecisionManager.MAX_REVOKE_ATTEMPTS; i++) {
      assertThat(m.expire()).isZero();
    }
    assertThat(m.expire()).isEqualTo(1);
    assertThat(m.failures().get("fw")).isEqualTo(DecisionManager.MAX_REVOKE_ATTEMPTS);
    assertThat(m.expire()).isZero();
    fw.failing = false;
    Decision e = m.onVerdict(verdict("10.0.0.77", Verdict.Severity.CRITICAL)).orElseThrow();
    clock.now = e.expires();
    assertThat(m.expire()).isEqualTo(1);
    assertThat(fw.calls).endsWith("apply 10.0.0.77", "revoke 10.0.0.77");
  }

  @Test
  void schedulerRevokesOnExpiry() throws Exception {
    DecisionManager m = manager(Duration.ofMillis(20));
    m.start();
    Decision d = m.onVerdict(verdict("10.0.0.66", Verdict.Severity.CRITICAL)).orElseThrow();
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
    Decision d = m.onVerdict(verdict("10.0.0.66", Verdict.Severity.CRITICAL)).orElseThrow();
    assertThat(m.onVerdict(verdict("10.0.0.66", Verdict.Severity.CRITICAL))).isEmpty();
    assertThat(m.lift(d.id())).isTrue();
    assertThat(m.lift(d.id())).isFalse();
    assertThat(m.lift("no-such-id")).isFalse();
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
  void restart_reconcilesLiveAndRevokesWhatLapsedWhileDown() throws Exception {
    DecisionManager first = manager(Duration.ofHours(1));
    first.start();
    Decision shortOne = first.onVerdict(verdict("10.0.0.5", Verdict.Severity.MEDIUM)).orElseThrow();
    Decision longOne =
        first.onVerdict(verdict("10.0.0.6", Verdict.Severity.CRITICAL)).orElseThrow();
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
