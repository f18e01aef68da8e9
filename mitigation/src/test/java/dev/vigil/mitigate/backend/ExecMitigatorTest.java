package dev.vigil.mitigate.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.InvalidConfigException;
import dev.vigil.mitigate.api.Mitigator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExecMitigatorTest extends MitigatorContract {

  /** A real program that appends each argument it gets, one per line, to a file. */
  private Path recorder(String extra) throws Exception {
    Path log = dir.resolve("args.log");
    Path script = dir.resolve("record.sh");
    Files.writeString(
        script,
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> '" + log + "'; done\n" + extra);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  private ExecMitigator exec(String extra, Duration timeout) throws Exception {
    Path p = recorder(extra);
    ExecMitigator m = new ExecMitigator();
    m.configure(
        Map.of(
            "apply",
                List.of(
                    p.toString(),
                    "add",
                    "{scope}",
                    "--target={value}",
                    "{action}",
                    "{ttl_seconds}",
                    "{id}"),
            "revoke", List.of(p.toString(), "del", "{value}"),
            "timeout", timeout.toMillis() + "ms"));
    return m;
  }

  @Override
  Mitigator configured() throws Exception {
    return exec("", Duration.ofSeconds(10));
  }

  @Override
  Mitigator misconfigured() {
    return new ExecMitigator();
  }

  @Override
  List<String> received() throws Exception {
    Path log = dir.resolve("args.log");
    return Files.exists(log) ? Files.readAllLines(log) : List.of();
  }

  @Test
  void apply_passesEachValueAsOneArgument() throws Exception {
    ExecMitigator m = configured() instanceof ExecMitigator e ? e : null;
    m.apply(decision("d-1", Decision.Scope.IP, "2001:DB8::1"));
    m.revoke(decision("d-1", Decision.Scope.IP, "2001:DB8::1"));
    assertThat(received())
        .containsExactly(
            "add", "ip", "--target=2001:db8::1", "quarantine", "600", "d-1", "del", "2001:db8::1");
    assertThat(m.health()).isNull();
  }

  @Test
  void apply_failsOnNonZeroExitWithTheOutput() throws Exception {
    ExecMitigator m = exec("echo 'nft: no such table' >&2; exit 3\n", Duration.ofSeconds(10));
    assertThatThrownBy(() -> m.apply(decision("d-1", Decision.Scope.IP, "10.0.0.1")))
        .hasMessageContaining("exited with 3: nft: no such table");
  }

  @Test
  void apply_killsAProgramThatOverrunsItsTimeout() throws Exception {
    ExecMitigator m = exec("exec sleep 30\n", Duration.ofMillis(300));
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> m.apply(decision("d-1", Decision.Scope.IP, "10.0.0.1")))
        .hasMessageContaining("timed out after 300ms");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void apply_refusesAnUnsafeDecisionId() throws Exception {
    ExecMitigator m = (ExecMitigator) configured();
    assertThatThrownBy(() -> m.apply(decision("--force", Decision.Scope.IP, "10.0.0.1")))
        .hasMessageContaining("is not safe");
    assertThat(received()).isEmpty();
  }

  @Test
  void configure_reportsEveryProblem() {
    ExecMitigator m = new ExecMitigator();
    assertThatThrownBy(
            () ->
                m.configure(
                    Map.of(
                        "apply",
                        List.of("nft", "{value}", "{reason}"),
                        "revoke",
                        "/usr/sbin/nft delete {value}",
                        "shell",
                        true)))
        .isInstanceOfSatisfying(
            InvalidConfigException.class,
            e ->
                assertThat(e.problems())
                    .anyMatch(p -> p.startsWith("apply[0]: the program must be an absolute path"))
                    .anyMatch(p -> p.startsWith("apply[2]: unknown placeholder {reason}"))
                    .anyMatch(p -> p.startsWith("revoke: expected a list"))
                    .anyMatch(p -> p.startsWith("shell: unknown key")));
    assertThat(m.health()).contains("not configured");
  }
}
