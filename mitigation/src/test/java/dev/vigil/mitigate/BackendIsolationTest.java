package dev.vigil.mitigate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.mitigate.DecisionManagerTest.MemoryMitigator;
import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.Decision.Action;
import dev.vigil.mitigate.api.Decision.Scope;
import dev.vigil.mitigate.api.MitigatorRegistry;
import dev.vigil.mitigate.backend.WebhookMitigator;
import dev.vigil.mitigate.policy.GatewayIdentity;
import dev.vigil.mitigate.policy.Policy;
import dev.vigil.mitigate.policy.PolicyEngine;
import dev.vigil.mitigate.policy.Verdict;
import dev.vigil.mitigate.store.DecisionStore;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dead webhook (a server on loopback that accepts connections and never answers) beside a fast
 * backend: the fast one applies at once, the decision is never held up, and the webhook's hung call
 * is abandoned at the deadline and counted as failed.
 */
class BackendIsolationTest {
  private static final String POLICY =
      """
      time-zone: UTC
      rules:
        - name: q
          match: {min-severity: critical}
          action: quarantine
          duration: 10m
      """;

  @TempDir Path dir;
  private ServerSocket silent;
  private Thread acceptor;
  private final List<Socket> held = Collections.synchronizedList(new ArrayList<>());
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void silentServer() throws Exception {
    silent = new ServerSocket();
    silent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    acceptor =
        new Thread(
            () -> {
              while (!silent.isClosed() && held.size() < 100) {
                try {
                  held.add(silent.accept()); // read nothing, answer nothing
                } catch (java.io.IOException e) {
                  return;
                }
              }
            },
            "silent-webhook");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    silent.close();
    synchronized (held) {
      for (Socket s : held) {
        s.close();
      }
    }
    acceptor.join(2000);
  }

  @Test
  void deadWebhook_neverDelaysTheFastBackendNorTheDecision() throws Exception {
    MemoryMitigator fw = new MemoryMitigator("fw");
    // As shipped: 5 s per request, 4 attempts with backoff: about 23 s before it gives up alone.
    WebhookMitigator hook =
        new WebhookMitigator(
            new WebhookMitigator.Config(
                URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/hook"),
                Duration.ofSeconds(5),
                4,
                Duration.ofMillis(500)));
    DecisionStore store =
        DecisionStore.open(dir.resolve("vigil.db"), DecisionStore.Retention.defaults());
    open.add(store);
    List<DecisionChange> changes = Collections.synchronizedList(new ArrayList<>());
    DecisionManager m =
        new DecisionManager(
            new PolicyEngine(Policy.parse("test", POLICY), GatewayIdentity.none()),
            store,
            new MitigatorRegistry(List.of(hook, fw)),
            Map.of(Action.QUARANTINE, List.of("webhook", "fw")), // the webhook is called first
            java.time.Clock.systemUTC(),
            Duration.ofHours(1),
            Duration.ofHours(1),
            changes::add,
            new BackendCalls(
                Duration.ofSeconds(2), 64, 1, Duration.ofSeconds(1), Duration.ofSeconds(1)));
    open.add(0, m);
    m.start();
    // the start's reconcile of the webhook (no decisions: nothing sent) is not what is tested
    assertThat(m.awaitIdle(Duration.ofSeconds(10))).isTrue();

    long t0 = System.nanoTime();
    Decision d =
        m.onVerdict(
                new Verdict(
                    Verdict.Kind.PACKET,
                    Verdict.Severity.CRITICAL,
                    0.9,
                    Scope.IP,
                    "10.0.0.66",
                    "scan",
                    "",
                    Instant.now()))
            .orElseThrow();
    long decidedMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(decidedMs).as("onVerdict returned after %d ms", decidedMs).isLessThan(500);

    assertThat(waitFor(() -> fw.applied.contains(d.id()), Duration.ofSeconds(1)))
        .as("the fast backend applied within 1 s")
        .isTrue();
    assertThat(waitFor(() -> !held.isEmpty(), Duration.ofSeconds(1))).isTrue();
    assertThat(state(m, d, "fw")).isEqualTo("applied");
    assertThat(state(m, d, "webhook")).isEqualTo("pending");

    // the webhook's call is abandoned at the 2 s deadline, counted and recorded
    assertThat(m.awaitIdle(Duration.ofSeconds(10))).isTrue();
    long settledMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(settledMs).isBetween(1_900L, 6_000L);
    assertThat(state(m, d, "webhook")).isEqualTo("gave_up");
    assertThat(m.outcomes(d.id()).get(1).error()).contains("no answer within the deadline of 2s");
    assertThat(m.applyFailures("webhook")).isEqualTo(1);
    assertThat(m.applyFailures("fw")).isZero();
    assertThat(changes.get(changes.size() - 1).backends()).containsExactly("fw");
    assertThat(changes.get(changes.size() - 1).failed()).containsExactly("webhook");
  }

  @Test
  void shutdownDuringAHungCall_leavesItToBeRetriedAfterTheRestart() throws Exception {
    WebhookMitigator hook =
        new WebhookMitigator(
            new WebhookMitigator.Config(
                URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/hook"),
                Duration.ofSeconds(30),
                1,
                Duration.ofMillis(500)));
    DecisionStore store =
        DecisionStore.open(dir.resolve("vigil.db"), DecisionStore.Retention.defaults());
    open.add(store);
    DecisionManager m =
        new DecisionManager(
            new PolicyEngine(Policy.parse("test", POLICY), GatewayIdentity.none()),
            store,
            new MitigatorRegistry(List.of(hook)),
            Map.of(Action.QUARANTINE, List.of("webhook")),
            java.time.Clock.systemUTC(),
            Duration.ofHours(1),
            Duration.ofHours(1),
            DecisionListener.none(),
            new BackendCalls(
                Duration.ofSeconds(30), 64, 1, Duration.ofSeconds(1), Duration.ofSeconds(1)));
    m.start();
    assertThat(m.awaitIdle(Duration.ofSeconds(10))).isTrue();
    Decision d =
        m.onVerdict(
                new Verdict(
                    Verdict.Kind.PACKET,
                    Verdict.Severity.CRITICAL,
                    0.9,
                    Scope.IP,
                    "10.0.0.67",
                    "scan",
                    "",
                    Instant.now()))
            .orElseThrow();
    assertThat(waitFor(() -> !held.isEmpty(), Duration.ofSeconds(2))).isTrue();
    m.close(); // the daemon stops while the webhook hangs
    assertThat(store.unsettled())
        .extracting(o -> o.decisionId() + " " + o.backend() + " " + o.state().text())
        .containsExactly(d.id() + " webhook failed");
  }

  private static String state(DecisionManager m, Decision d, String backend) {
    return m.outcomes(d.id()).stream()
        .filter(o -> o.backend().equals(backend))
        .findFirst()
        .map(o -> o.state().text())
        .orElse("none");
  }

  private static boolean waitFor(BooleanSupplier c, Duration max) throws InterruptedException {
    long end = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < end) {
      if (c.getAsBoolean()) {
        return true;
      }
      Thread.sleep(5);
    }
    return c.getAsBoolean();
  }
}
