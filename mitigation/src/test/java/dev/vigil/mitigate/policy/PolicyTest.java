package dev.vigil.mitigate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class PolicyTest {
  static Path config() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("config/invalid-policy"))) {
      p = p.getParent();
    }
    assertThat(p).as("project root with config/invalid-policy").isNotNull();
    return p.resolve("config");
  }

  @Test
  void load_theDocumentedExample() throws Exception {
    Policy p = Policy.load(config().resolve("policy.yaml"));
    assertThat(p.dryRun()).isFalse();
    assertThat(p.maxDecisionsPerMinute()).isEqualTo(10);
    assertThat(p.zone()).isEqualTo(ZoneId.of("UTC"));
    assertThat(p.rules())
        .extracting(Rule::name)
        .containsExactly(
            "quarantine-critical-lan-hosts",
            "quarantine-lan-beacons",
            "quarantine-password-guessers",
            "quarantine-lan-scanners",
            "quarantine-lan-flooders",
            "reroute-night-scanners",
            "alert-on-odd-sensors",
            "alert-anything-else-high");
    Rule q = p.rules().get(0);
    assertThat(q.action()).isEqualTo(Decision.Action.QUARANTINE);
    assertThat(q.duration()).isEqualTo(Duration.ofHours(1));
    assertThat(q.kinds()).containsExactly(Verdict.Kind.PACKET);
    assertThat(q.minSeverity()).isEqualTo(Verdict.Severity.CRITICAL);
    assertThat(q.scopes()).containsExactly(Decision.Scope.IP);
    assertThat(q.cidrs()).hasSize(2);
    assertThat(q.detectors()).isEmpty();
    Rule beacons = p.rules().get(1);
    assertThat(beacons.detectors()).containsExactly(Verdict.Detector.BEACON);
    assertThat(beacons.action()).isEqualTo(Decision.Action.QUARANTINE);
    assertThat(p.rules().get(2).detectors()).containsExactly(Verdict.Detector.AUTH);
    assertThat(p.rules().get(3).detectors()).containsExactly(Verdict.Detector.SCAN);
    assertThat(p.rules().get(4).detectors()).containsExactly(Verdict.Detector.FLOOD);
    assertThat(p.rules().get(4).roles()).containsExactly(Verdict.Role.INITIATOR);
    Rule night = p.rules().get(5);
    assertThat(night.dryRun()).isTrue();
    assertThat(night.window().orElseThrow().contains(LocalTime.of(23, 0))).isTrue();
    assertThat(night.window().orElseThrow().contains(LocalTime.of(12, 0))).isFalse();
    assertThat(p.rules().get(6).escalate()).isFalse();
    assertThat(p.rules().get(6).devices()).containsExactly("sensor-*", "meter-?");
    assertThat(p.escalation().factor()).isEqualTo(2.0);
    assertThat(p.escalation().max()).isEqualTo(Duration.ofDays(7));
    assertThat(p.allowlist().contains(Decision.Scope.IP, "192.168.1.10")).isTrue();
    assertThat(p.allowlist().contains(Decision.Scope.IP, "fd00:1::99")).isTrue();
    assertThat(p.allowlist().contains(Decision.Scope.MAC, "02:00:5e:10:00:01")).isTrue();
    assertThat(p.allowlist().contains(Decision.Scope.DEVICE, "safety-plc-1")).isTrue();
    assertThat(p.allowlist().contains(Decision.Scope.IP, "192.168.1.11")).isFalse();
  }

  /** Each file in config/invalid-policy/ must fail with the message its first line announces. */
  @TestFactory
  Stream<DynamicTest> load_invalidFixturesFailWithTheirMessage() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(config().resolve("invalid-policy"))) {
      files = s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(15);
    return files.stream()
        .map(
            f ->
                DynamicTest.dynamicTest(
                    f.getFileName().toString(),
                    () -> {
                      String first = Files.readAllLines(f).get(0);
                      assertThat(first).startsWith("# expect: ");
                      String expected = first.substring("# expect: ".length());
                      assertThatThrownBy(() -> Policy.load(f))
                          .isInstanceOf(InvalidConfigException.class)
                          .hasMessageContaining(expected)
                          .hasMessageContaining(f.toString());
                    }));
  }

  @Test
  void parse_reportsEveryProblemAtOnceWithItsPath() {
    String yaml =
        """
        dry-run: 1
        colour: red
        rules:
          - name: a
            action: ban
            duration: 0s
            match: {kind: [packet, radio], scope: port}
          - action: alert
            duration: 1m
        """;
    assertThatThrownBy(() -> Policy.parse("inline", yaml))
        .isInstanceOfSatisfying(
            InvalidConfigException.class,
            e ->
                assertThat(e.problems())
                    .anyMatch(p -> p.startsWith("dry-run: expected true or false"))
                    .anyMatch(p -> p.startsWith("colour: unknown key"))
                    .anyMatch(p -> p.startsWith("rules[0].action: unknown value [ban]"))
                    .anyMatch(p -> p.startsWith("rules[0].duration: must be between 1s and 365d"))
                    .anyMatch(p -> p.startsWith("rules[0].match.kind: unknown value [radio]"))
                    .anyMatch(p -> p.startsWith("rules[0].match.scope: unknown value [port]"))
                    .anyMatch(p -> p.equals("rules[1].name: required"))
                    .hasSize(7));
  }

  @Test
  void parse_refusesYamlTagsThatWouldBuildObjects() {
    String yaml =
        "rules: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL"
            + " [\"http://x/\"]]]]\n";
    assertThatThrownBy(() -> Policy.parse("inline", yaml))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("not valid YAML");
  }

  @Test
  void escalation_growsByFactorUpToMax() {
    Escalation e = new Escalation(2, Duration.ofHours(5), Duration.ofDays(1));
    Duration base = Duration.ofHours(1);
    assertThat(e.apply(base, 1)).isEqualTo(Duration.ofHours(1));
    assertThat(e.apply(base, 2)).isEqualTo(Duration.ofHours(2));
    assertThat(e.apply(base, 3)).isEqualTo(Duration.ofHours(4));
    assertThat(e.apply(base, 4)).isEqualTo(Duration.ofHours(5));
    assertThat(e.apply(base, 10_000)).isEqualTo(Duration.ofHours(5));
    assertThat(e.apply(Duration.ofHours(9), 3)).isEqualTo(Duration.ofHours(9));
    assertThat(Escalation.off().apply(base, 50)).isEqualTo(base);
  }

  @Test
  void timeWindow_spansMidnight() {
    TimeWindow w = TimeWindow.parse("22:00-06:00");
    assertThat(w.contains(LocalTime.of(22, 0))).isTrue();
    assertThat(w.contains(LocalTime.of(5, 59))).isTrue();
    assertThat(w.contains(LocalTime.of(6, 0))).isFalse();
    assertThat(TimeWindow.parse("09:00-17:00").contains(LocalTime.of(17, 0))).isFalse();
    assertThatThrownBy(() -> TimeWindow.parse("09:00-09:00")).hasMessageContaining("must differ");
  }
}
