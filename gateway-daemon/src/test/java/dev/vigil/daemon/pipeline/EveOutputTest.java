package dev.vigil.daemon.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.daemon.alerts.Alert;
import dev.vigil.daemon.alerts.AlertSignature;
import dev.vigil.detect.fusion.Severity;
import dev.vigil.mitigate.DecisionChange;
import dev.vigil.mitigate.api.Decision;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.serde.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link EveOutput}: alerts and decisions written in order off the caller's thread, the {@code eve}
 * health component, and the failure counter.
 */
class EveOutputTest {
  @TempDir Path dir;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final HealthState health = new HealthState();
  private EveOutput eve;

  @AfterEach
  void close() {
    if (eve != null) {
      eve.close();
    }
  }

  private EveOutput open(Path file) {
    eve =
        new EveOutput(
            Optional.of(file), "gw-1", Duration.ZERO, ObjectMapper.getDefault(), meters, health);
    return eve;
  }

  private static Alert alert(String id) {
    return new Alert(
        "2026-12-07T00:15:25.079630+0000",
        null,
        "alert",
        "10.77.0.66",
        null,
        null,
        null,
        AlertSignature.HOST_WINDOW.allowed(Severity.HIGH),
        "gw-1",
        new Alert.Detail(
            id,
            "ensemble",
            3,
            1,
            "high",
            Map.of("ae", 3.0),
            List.of("ae"),
            "high anomaly",
            "2026-12-07T00:15:15.079630+0000",
            "2026-12-07T00:15:25.079630+0000",
            "2026-12-07T00:15:25.100000+0000",
            "vigil.host-window.v2",
            List.of(),
            "initiator",
            null));
  }

  private double failures(String reason) {
    var c = meters.find("vigil.eve.write.failures").tag("reason", reason).functionCounter();
    return c == null ? -1 : c.count();
  }

  private static void await(String what, BooleanSupplier done) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(until);
      Thread.sleep(10);
    }
  }

  @Test
  void alertsAndDecisions_areWrittenInOrder() throws Exception {
    Path f = dir.resolve("eve.json");
    open(f);
    Decision d =
        new Decision(
            "d-1",
            Decision.Scope.IP,
            "10.77.0.66",
            Decision.Action.QUARANTINE,
            "alert 5: scan",
            3.0,
            Decision.Origin.DETECTOR,
            Instant.parse("2026-12-07T00:15:26Z"),
            Instant.parse("2026-12-07T01:15:26Z"),
            false);
    eve.alert(alert("5").withAction(Alert.BLOCKED));
    eve.decision(
        new DecisionChange(
            DecisionChange.Kind.APPLIED, d, d.created(), List.of("nftables"), List.of()),
        "5");
    await("two lines", () -> lines(f).size() == 2);
    List<String> lines = lines(f);
    assertThat(lines.get(0))
        .startsWith("{\"timestamp\":\"2026-12-07T00:15:25.079630+0000\",\"event_type\":\"alert\"")
        .contains("\"action\":\"blocked\"", "\"gid\":1", "\"rev\":1", "\"host\":\"gw-1\"");
    assertThat(lines.get(1))
        .isEqualTo(
            "{\"timestamp\":\"2026-12-07T00:15:26.000000+0000\",\"event_type\":\"vigil_decision\","
                + "\"src_ip\":\"10.77.0.66\",\"host\":\"gw-1\",\"vigil\":{\"decision\":{"
                + "\"event\":\"applied\",\"id\":\"d-1\",\"alert_id\":\"5\",\"scope\":\"ip\","
                + "\"value\":\"10.77.0.66\",\"action\":\"quarantine\",\"origin\":\"detector\","
                + "\"simulated\":false,\"reason\":\"alert 5: scan\",\"score\":3.0,"
                + "\"created\":\"2026-12-07T00:15:26.000000+0000\","
                + "\"expires\":\"2026-12-07T01:15:26.000000+0000\",\"backends\":[\"nftables\"]}}}");
    assertThat(health.snapshot().get(EveOutput.COMPONENT).status()).isEqualTo(ComponentHealth.UP);
    assertThat(failures("io")).isZero();
    assertThat(failures("queue_full")).isZero();
  }

  @Test
  void unwritableFolder_countsFailuresAndIsDegradedUntilWrittenAgain() throws Exception {
    Path blocker = dir.resolve("log"); // a file where the folder should be: even root cannot write
    Files.writeString(blocker, "not a folder");
    open(blocker.resolve("eve.json"));
    assertThat(health.snapshot().get(EveOutput.COMPONENT).status())
        .isEqualTo(ComponentHealth.DEGRADED);
    assertThat(health.overall()).isEqualTo(ComponentHealth.DEGRADED);
    eve.alert(alert("1"));
    eve.alert(alert("2"));
    await("failures counted", () -> failures("io") >= 3); // the opening at start, two alerts
    ComponentHealth h = health.snapshot().get(EveOutput.COMPONENT);
    assertThat(h.status()).isEqualTo(ComponentHealth.DEGRADED);
    assertThat(h.details()).containsKey("error").containsEntry("write_failures", 3L);

    Files.delete(blocker);
    eve.alert(alert("3"));
    await(
        "healthy again",
        () -> ComponentHealth.UP.equals(health.snapshot().get(EveOutput.COMPONENT).status()));
    assertThat(lines(blocker.resolve("eve.json"))).hasSize(1);
    assertThat(health.snapshot().get(EveOutput.COMPONENT).details())
        .doesNotContainKey("error")
        .containsEntry("write_failures", 3L);
  }

  @Test
  void noEveLog_doesNothing() {
    eve =
        new EveOutput(
            Optional.empty(), "gw-1", Duration.ZERO, ObjectMapper.getDefault(), meters, health);
    eve.alert(alert("1"));
    assertThat(eve.enabled()).isFalse();
    assertThat(health.snapshot()).doesNotContainKey(EveOutput.COMPONENT);
    assertThat(meters.find("vigil.eve.write.failures").meters()).isEmpty();
  }

  private static List<String> lines(Path f) {
    try {
      return Files.exists(f) ? Files.readAllLines(f) : List.of();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
