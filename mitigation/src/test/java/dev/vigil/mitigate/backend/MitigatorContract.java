package dev.vigil.mitigate.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.Mitigator;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every {@link Mitigator} must keep, subclassed by each backend's test, which runs it
 * against a real backend (a program, an HTTP server, an MQTT broker, nftables and iproute2 in a
 * network namespace).
 */
abstract class MitigatorContract {
  /**
   * When the contract's decisions are made: now, so that they are live (backends skip expired
   * decisions, which would make every check vacuous).
   */
  static final Instant T0 = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

  @TempDir Path dir;

  /** Returns a configured mitigator talking to the test's real backend. */
  abstract Mitigator configured() throws Exception;

  /** Returns one that is unconfigured or points at nothing; null if it needs no configuration. */
  abstract Mitigator misconfigured() throws Exception;

  /** Returns everything that reached the backend so far, as text. */
  abstract List<String> received() throws Exception;

  /** The action the backend carries out (QUARANTINE unless overridden). */
  Decision.Action action() {
    return Decision.Action.QUARANTINE;
  }

  /** A valid decision the backend never saw. */
  Decision unknown() {
    return decision("never-applied", Decision.Scope.MAC, "02:00:5e:10:00:09");
  }

  Decision decision(String id, Decision.Scope scope, String value) {
    return new Decision(
        id,
        scope,
        value,
        action(),
        "scan [rule r]",
        0.9,
        Decision.Origin.DETECTOR,
        T0,
        T0.plus(Duration.ofMinutes(10)),
        false);
  }

  @Test
  void apply_isIdempotent() throws Exception {
    Mitigator m = configured();
    Decision d = decision("c-1", Decision.Scope.IP, "10.0.0.66");
    m.apply(d);
    m.apply(d);
    m.revoke(d);
  }

  @Test
  void revoke_ofUnknownDecisionIsNotAnError() throws Exception {
    Mitigator m = configured();
    Decision d = unknown();
    assertThatCode(() -> m.revoke(d)).doesNotThrowAnyException();
  }

  @Test
  void reconcile_withNothingLiveIsFine() throws Exception {
    Mitigator m = configured();
    assertThatCode(() -> m.reconcile(List.of())).doesNotThrowAnyException();
    assertThat(m.health()).isNull();
  }

  @Test
  void health_saysWhatIsWrongWhenMisconfigured() throws Exception {
    Mitigator m = misconfigured();
    if (m == null) {
      return;
    }
    assertThat(m.health()).isNotBlank();
    assertThatThrownBy(() -> m.apply(decision("c-2", Decision.Scope.IP, "10.0.0.1")))
        .isInstanceOf(Exception.class);
    assertThat(m.health()).isNotBlank();
  }

  @Test
  void badValue_neverReachesTheBackend() throws Exception {
    Mitigator m = configured();
    for (String evil :
        List.of(
            "10.0.0.1; touch /tmp/pwned",
            "--help",
            "10.0.0.1\n10.0.0.2",
            "$(id)",
            "a".repeat(300))) {
      Decision d = decision("c-3", Decision.Scope.IP, evil);
      assertThatThrownBy(() -> m.apply(d)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> m.revoke(d)).isInstanceOf(IllegalArgumentException.class);
    }
    Decision dev = decision("c-4", Decision.Scope.DEVICE, "../../etc/passwd");
    assertThatThrownBy(() -> m.apply(dev)).isInstanceOf(IllegalArgumentException.class);
    assertThat(received())
        .noneMatch(
            s ->
                s.contains("touch")
                    || s.contains("--help")
                    || s.contains("passwd")
                    || s.contains("$("));
  }
}
