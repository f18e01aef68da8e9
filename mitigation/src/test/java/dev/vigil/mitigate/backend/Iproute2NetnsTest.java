package dev.vigil.mitigate.backend;

import static dev.vigil.mitigate.backend.NetnsLab.DEV1;
import static dev.vigil.mitigate.backend.NetnsLab.DEV1_V6;
import static dev.vigil.mitigate.backend.NetnsLab.DEV2;
import static dev.vigil.mitigate.backend.NetnsLab.HONEYPOT;
import static dev.vigil.mitigate.backend.NetnsLab.HONEYPOT_PORT;
import static dev.vigil.mitigate.backend.NetnsLab.PORT;
import static dev.vigil.mitigate.backend.NetnsLab.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.mitigate.api.Decision;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Real reroutes with iproute2 inside a throw-away gateway namespace (see {@link NetnsLab}). The
 * evidence is a port only the honeypot listens on: a device reaches {@code target:8081} exactly
 * when its traffic arrives at the honeypot, and {@code target:8080} exactly when it arrives at the
 * target.
 */
@Tag("netns")
class Iproute2NetnsTest {
  private NetnsLab lab;
  private Iproute2Mitigator ip;

  @BeforeEach
  void setUp() throws Exception {
    NetnsLab.assumeAvailable();
    lab = new NetnsLab();
    ip = new Iproute2Mitigator();
    ip.configure(
        Map.of(
            "nextHop",
            HONEYPOT,
            "dev",
            "p-hp",
            "table",
            100,
            "priority",
            1000,
            "netns",
            lab.gw,
            "allow",
            List.of("10.1.0.100")));
  }

  @AfterEach
  void tearDown() {
    if (lab != null) {
      lab.close();
    }
  }

  static Decision reroute(String id, Decision.Scope scope, String value, boolean simulated) {
    Instant now = Instant.now();
    return new Decision(
        id,
        scope,
        value,
        Decision.Action.REROUTE,
        "test",
        0.9,
        Decision.Origin.MANUAL,
        now,
        now.plusSeconds(600),
        simulated);
  }

  private boolean atTarget(String ns) throws Exception {
    return lab.connect(ns, TARGET, PORT);
  }

  private boolean atHoneypot(String ns) throws Exception {
    return lab.connect(ns, TARGET, HONEYPOT_PORT);
  }

  private String rules() throws Exception {
    return lab.ip("-n", lab.gw, "rule", "show");
  }

  /** Returns the elements of its mark sets, as nft lists them (empty when the table is absent). */
  private String marked() throws Exception {
    try {
      return lab.ip(
          "netns", "exec", lab.gw, NetnsLab.NFT, "list", "table", "inet", "vigil_reroute");
    } catch (Exception e) {
      return "";
    }
  }

  static Decision reroute(String id, String value, Duration ttl) {
    Instant now = Instant.now();
    return new Decision(
        id,
        Decision.Scope.IP,
        value,
        Decision.Action.REROUTE,
        "test",
        0.9,
        Decision.Origin.MANUAL,
        now,
        now.plus(ttl),
        false);
  }

  /** Polls {@code check} every 200 ms until it holds or {@code limit} passes. */
  private static boolean within(Duration limit, Check check) throws Exception {
    long end = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < end) {
      if (check.holds()) {
        return true;
      }
      Thread.sleep(200);
    }
    return check.holds();
  }

  interface Check {
    boolean holds() throws Exception;
  }

  @Test
  void apply_sendsTheDevicesTrafficToTheHoneypotAndRevokeBringsItBack() throws Exception {
    assertThat(lab.reaches(lab.dev1, TARGET)).isTrue();
    assertThat(atTarget(lab.dev1)).as("baseline: at the target").isTrue();
    assertThat(atHoneypot(lab.dev1)).as("baseline: not at the honeypot").isFalse();
    assertThat(ip.health()).isNull();

    Decision d = reroute("r1", Decision.Scope.IP, DEV1, false);
    ip.apply(d);
    ip.apply(d); // idempotent

    assertThat(atHoneypot(lab.dev1)).as("rerouted: at the honeypot").isTrue();
    assertThat(atTarget(lab.dev1)).as("rerouted: not at the target").isFalse();
    assertThat(lab.reaches(lab.dev1, TARGET)).as("the honeypot answers pings too").isTrue();
    assertThat(atTarget(lab.dev2)).as("another device is untouched").isTrue();
    assertThat(rules()).containsOnlyOnce("fwmark 0x10000000/0x10000000 lookup 100");
    assertThat(marked()).containsOnlyOnce(DEV1 + " timeout");
    assertThat(lab.ip("-n", lab.gw, "route", "show", "table", "100"))
        .contains("default via " + HONEYPOT + " dev p-hp");

    ip.revoke(d);
    ip.revoke(d); // absent: not an error

    assertThat(atTarget(lab.dev1)).isTrue();
    assertThat(atHoneypot(lab.dev1)).isFalse();
    assertThat(marked()).doesNotContain(DEV1);
  }

  @Test
  void apply_macReroutesThatDevicesTrafficOnly() throws Exception {
    ip.apply(
        new Decision(
            "m1",
            Decision.Scope.MAC,
            NetnsLab.DEV1_MAC,
            Decision.Action.REROUTE,
            "test",
            0.9,
            Decision.Origin.MANUAL,
            Instant.now(),
            Instant.now().plusSeconds(600),
            false));
    assertThat(atHoneypot(lab.dev1)).as("the MAC's traffic at the honeypot").isTrue();
    assertThat(atTarget(lab.dev2)).as("another device is untouched").isTrue();
  }

  @Test
  void aRerouteEndsInTheKernelAtItsExpiry_evenWhenTheDaemonWasKilled() throws Exception {
    // A separate JVM applies a 4 s reroute and is then SIGKILLed: nothing of it is left to lift it.
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            RerouteThenHang.class.getName(),
            lab.gw,
            DEV1,
            "4");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line;
      boolean applied = false;
      long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < end && (line = out.readLine()) != null) {
        if (line.equals("applied")) {
          applied = true;
          break;
        }
      }
      assertThat(applied).as("the child JVM applied the reroute").isTrue();
      assertThat(atHoneypot(lab.dev1)).as("rerouted while the child lives").isTrue();
      p.destroyForcibly(); // SIGKILL
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as("killed by SIGKILL").isEqualTo(137);
    } finally {
      p.destroyForcibly();
    }
    assertThat(within(Duration.ofSeconds(8), () -> atTarget(lab.dev1) && !atHoneypot(lab.dev1)))
        .as("traffic back at the target once the TTL ran out in the kernel")
        .isTrue();
    assertThat(marked()).doesNotContain(DEV1);
  }

  @Test
  void reconcile_deletesThePerTargetRulesOfEarlierVersions() throws Exception {
    // What an earlier version left behind when it was killed: a rule per target, no timeout.
    lab.ip("-n", lab.gw, "route", "replace", "default", "via", HONEYPOT, "table", "100");
    lab.ip("-n", lab.gw, "rule", "add", "from", DEV1, "lookup", "100", "priority", "1000");
    assertThat(atHoneypot(lab.dev1)).isTrue();

    ip.reconcile(List.of(reroute("live", DEV2, Duration.ofMinutes(10))));

    assertThat(rules()).doesNotContain("from " + DEV1 + " ");
    assertThat(atTarget(lab.dev1)).as("the left-over reroute is gone").isTrue();
    assertThat(atHoneypot(lab.dev2)).as("the live one is in force").isTrue();
  }

  @Test
  void apply_cidrReroutesEveryDeviceInIt() throws Exception {
    ip.apply(reroute("r2", Decision.Scope.CIDR, "10.1.0.0/30", false));
    assertThat(atHoneypot(lab.dev1)).isTrue();
    assertThat(atTarget(lab.dev2)).as("10.1.0.3 is in 10.1.0.0/30").isFalse();
    assertThat(marked()).contains("10.1.0.0/30 timeout");
  }

  @Test
  void apply_simulatedLeavesNoRoutingState() throws Exception {
    String before = rules();
    assertThat(marked()).isEmpty();
    Decision d = reroute("s1", Decision.Scope.IP, DEV1, true);
    ip.apply(d);
    ip.revoke(d);
    assertThat(rules()).isEqualTo(before);
    assertThatThrownBy(() -> lab.ip("-n", lab.gw, "route", "show", "table", "100"))
        .hasMessageContaining("table does not exist");
    assertThat(marked()).isEmpty();
    assertThat(atTarget(lab.dev1)).isTrue();
  }

  @Test
  void apply_refusesAllowlistedTheNextHopAndTheOtherFamily() throws Exception {
    String before = rules();
    assertThatThrownBy(() -> ip.apply(reroute("a1", Decision.Scope.IP, "10.1.0.100", false)))
        .hasMessageContaining("allowlisted");
    assertThatThrownBy(() -> ip.apply(reroute("a2", Decision.Scope.IP, HONEYPOT, false)))
        .hasMessageContaining("allowlisted");
    assertThatThrownBy(() -> ip.apply(reroute("a3", Decision.Scope.CIDR, "10.1.0.0/24", false)))
        .hasMessageContaining("allowlisted");
    assertThatThrownBy(() -> ip.apply(reroute("a4", Decision.Scope.IP, DEV1_V6, false)))
        .hasMessageContaining("other IP family");
    assertThatThrownBy(() -> ip.apply(reroute("a5", Decision.Scope.IP, "1.2.3.4; reboot", false)))
        .hasMessageContaining("is not an IP address");
    assertThat(rules()).isEqualTo(before);
    assertThat(atTarget(lab.dev1)).isTrue();
  }

  @Test
  void reconcile_makesItsSetsEqualToLiveAndLeavesForeignRulesAlone() throws Exception {
    ip.apply(reroute("stale", Decision.Scope.IP, DEV1, false));
    lab.ip("-n", lab.gw, "rule", "add", "from", "10.1.0.51", "lookup", "200", "priority", "1000");
    lab.ip("-n", lab.gw, "rule", "add", "from", "10.1.0.52", "lookup", "100", "priority", "1001");

    ip.reconcile(
        List.of(
            reroute("live", Decision.Scope.IP, DEV2, false),
            reroute("net", Decision.Scope.CIDR, "10.1.0.128/25", false),
            reroute("sim", Decision.Scope.IP, "10.1.0.60", true),
            reroute("bad", Decision.Scope.IP, "--help", false)));

    assertThat(marked())
        .contains(DEV2 + " timeout", "10.1.0.128/25 timeout")
        .doesNotContain(DEV1 + " ", "10.1.0.60", "help");
    assertThat(rules())
        .contains("1000:\tfrom 10.1.0.51 lookup 200", "1001:\tfrom 10.1.0.52 lookup 100");
    assertThat(atTarget(lab.dev1)).as("stale element removed").isTrue();
    assertThat(atHoneypot(lab.dev2)).as("missing element added").isTrue();

    ip.reconcile(List.of());
    assertThat(marked()).doesNotContain(DEV2);
    assertThat(atTarget(lab.dev2)).isTrue();
    assertThat(rules()).contains("from 10.1.0.51 ");
  }
}
