package dev.vigil.mitigate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.Mitigator;
import dev.vigil.mitigate.api.MitigatorRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MitigatorRegistryTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static Decision decision() {
    return new Decision(
        "d1",
        Decision.Scope.IP,
        "10.77.0.66",
        Decision.Action.QUARANTINE,
        "scan",
        0.8,
        Decision.Origin.DETECTOR,
        T0,
        T0.plus(Duration.ofMinutes(10)),
        false);
  }

  /** A backend that records calls and fails on demand. */
  static final class Recording implements Mitigator {
    final String type;
    final boolean fail;
    final List<String> calls = new ArrayList<>();

    Recording(String type, boolean fail) {
      this.type = type;
      this.fail = fail;
    }

    @Override
    public String type() {
      return type;
    }

    @Override
    public void apply(Decision d) {
      calls.add("apply " + d.id());
      if (fail) {
        throw new IllegalStateException("backend down");
      }
    }

    @Override
    public void revoke(Decision d) {
      calls.add("revoke " + d.id());
    }

    @Override
    public String health() {
      return fail ? "backend down" : null;
    }
  }

  @Test
  void load_findsTheLogBackendThroughServiceLoader() {
    MitigatorRegistry r = MitigatorRegistry.load();
    assertThat(r.types()).contains("log");
    assertThat(r.apply("log", decision())).isTrue();
    assertThat(r.revoke("log", decision())).isTrue();
    assertThat(r.get("log").orElseThrow().health()).isNull();
  }

  @Test
  void constructor_rejectsDuplicateTypes() {
    assertThatThrownBy(
            () ->
                new MitigatorRegistry(
                    List.of(new Recording("x", false), new Recording("x", false))))
        .hasMessageContaining("duplicate mitigator type [x]");
  }

  @Test
  void apply_failingBackendIsCountedNotThrown() {
    Recording bad = new Recording("bad", true);
    Recording good = new Recording("good", false);
    MitigatorRegistry r = new MitigatorRegistry(List.of(bad, good));
    assertThat(r.apply("bad", decision())).isFalse();
    assertThat(r.apply("bad", decision())).isFalse();
    assertThat(r.failures("bad")).isEqualTo(2);
    assertThat(r.apply("good", decision())).isTrue();
    assertThat(r.failures("good")).isZero();
    assertThat(good.calls).containsExactly("apply d1");
    assertThatThrownBy(() -> r.apply("nftables", decision()))
        .hasMessageContaining("unknown mitigator type [nftables]");
  }

  @Test
  void calls_countsAppliesAndRevokesByActionAndOutcome() {
    Recording bad = new Recording("bad", true);
    Recording good = new Recording("good", false);
    MitigatorRegistry r = new MitigatorRegistry(List.of(bad, good));
    Decision q = decision();
    r.apply("good", q);
    r.apply("good", q);
    r.revoke("good", q);
    r.apply("bad", q);
    r.revoke("bad", q); // Recording fails applies only
    MitigatorRegistry.Call apply = MitigatorRegistry.Call.APPLY;
    MitigatorRegistry.Call revoke = MitigatorRegistry.Call.REVOKE;
    Decision.Action quarantine = Decision.Action.QUARANTINE;
    assertThat(r.calls("good", apply, quarantine, true)).isEqualTo(2);
    assertThat(r.calls("good", apply, quarantine, false)).isZero();
    assertThat(r.calls("good", revoke, quarantine, true)).isEqualTo(1);
    assertThat(r.calls("good", apply, Decision.Action.ALERT, true)).isZero();
    assertThat(r.calls("bad", apply, quarantine, false)).isEqualTo(1);
    assertThat(r.calls("bad", apply, quarantine, true)).isZero();
    assertThat(r.calls("bad", revoke, quarantine, true)).isEqualTo(1);
    assertThat(r.calls("nftables", apply, quarantine, true)).isZero();
  }

  @Test
  void decision_validatesFields() {
    assertThatThrownBy(
            () ->
                new Decision(
                    "d",
                    Decision.Scope.IP,
                    "1.2.3.4",
                    Decision.Action.ALERT,
                    "",
                    0,
                    Decision.Origin.MANUAL,
                    T0,
                    T0,
                    true))
        .hasMessageContaining("must be after created");
    assertThat(decision().expiredAt(T0.plus(Duration.ofMinutes(10)))).isTrue();
    assertThat(decision().expiredAt(T0.plus(Duration.ofMinutes(9)))).isFalse();
  }

  @Test
  void loadWithSettings_configuresBackendsAndReportsEveryProblem() throws Exception {
    MitigatorRegistry r =
        MitigatorRegistry.load(
            java.util.Map.of("webhook", java.util.Map.of("url", "http://127.0.0.1:9/hook")));
    assertThat(r.types()).contains("log", "exec", "webhook", "mqtt");
    assertThat(r.health("webhook")).isNull();
    assertThat(r.health("exec")).contains("not configured");
    assertThatThrownBy(
            () ->
                MitigatorRegistry.load(
                    java.util.Map.of(
                        "nftable", java.util.Map.of(),
                        "log", java.util.Map.of("level", "debug"),
                        "mqtt", java.util.Map.of("topic", "a/#"))))
        .isInstanceOfSatisfying(
            dev.vigil.mitigate.api.InvalidConfigException.class,
            e ->
                assertThat(e.problems())
                    .anyMatch(p -> p.startsWith("mitigators.nftable: unknown mitigator type"))
                    .anyMatch(p -> p.startsWith("mitigators.log.level: unknown key"))
                    .anyMatch(p -> p.equals("mitigators.mqtt.broker: required"))
                    .anyMatch(
                        p ->
                            p.startsWith(
                                "mitigators.mqtt.topic: a topic to publish to has no wildcards")));
  }
}
