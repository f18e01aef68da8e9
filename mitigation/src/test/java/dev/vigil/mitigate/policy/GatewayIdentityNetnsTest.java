package dev.vigil.mitigate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.mitigate.api.Decision.Scope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway identity read from a real network namespace (its {@code /proc/<pid>/net} through a
 * process inside it), and refreshed into a policy engine when the namespace's addresses, default
 * routes, resolver file and DHCP leases change. The namespace is named {@code vigil-id-<random>}
 * and deleted after each test; nothing is sent.
 */
class GatewayIdentityNetnsTest {
  private static final String IP = "/usr/sbin/ip";

  @TempDir Path dir;
  private String ns;
  private Process holder;

  @BeforeEach
  void namespace() throws Exception {
    boolean root = "root".equals(System.getProperty("user.name"));
    boolean ip = Files.isExecutable(Path.of(IP));
    if ("true".equals(System.getenv("CI")) && !(root && ip)) {
      throw new IllegalStateException("network namespace tests are required in CI");
    }
    assumeTrue(root && ip, "network namespace tests need root and iproute2");
    byte[] r = new byte[3];
    new SecureRandom().nextBytes(r);
    ns = "vigil-id-" + HexFormat.of().formatHex(r);
    run(IP, "netns", "add", ns);
    run(IP, "-n", ns, "link", "set", "lo", "up");
    // a veth pair with both ends inside (the dummy module may be missing)
    run(IP, "-n", ns, "link", "add", "d0", "type", "veth", "peer", "name", "d1");
    run(IP, "-n", ns, "link", "set", "d1", "up");
    run(IP, "-n", ns, "link", "set", "d0", "up");
    run(IP, "-n", ns, "addr", "add", "10.77.0.2/24", "dev", "d0");
    run(IP, "-n", ns, "addr", "add", "fd77::2/64", "dev", "d0", "nodad");
    run(IP, "-n", ns, "route", "add", "default", "via", "10.77.0.1");
    run(IP, "-n", ns, "-6", "route", "add", "default", "via", "fd77::1");
    // a process in the namespace, whose /proc/<pid>/net is the namespace's tables
    holder = new ProcessBuilder(IP, "netns", "exec", ns, "sleep", "120").start();
    Path net = Path.of("/proc/" + holder.pid() + "/net");
    // `ip netns exec` execs sleep in place: wait until the process has entered the namespace
    waitFor(
        Duration.ofSeconds(5),
        () -> GatewayIdentity.localIpv4(net.resolve("fib_trie")).contains("10.77.0.2"));
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (holder != null) {
      holder.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    if (ns != null) {
      run(IP, "netns", "del", ns);
    }
  }

  private GatewayIdentity.Sources sources() {
    return new GatewayIdentity.Sources(
        Path.of("/proc/" + holder.pid() + "/net"),
        List.of(dir.resolve("resolv.conf"), dir.resolve("missing.conf")),
        List.of(dir.resolve("leases"), dir.resolve("no-such-folder")),
        false);
  }

  @Test
  void read_findsAddressesNextHopsDnsAndDhcpServersOfTheNamespace() throws Exception {
    Files.writeString(
        dir.resolve("resolv.conf"), "# made up\nnameserver 10.77.0.53\nnameserver fe80::53%d0\n");
    Files.createDirectories(dir.resolve("leases"));
    Files.writeString(
        dir.resolve("leases/dhclient.d0.leases"),
        "lease {\n  option dhcp-server-identifier 10.77.0.67;\n}\n");
    Files.writeString(dir.resolve("leases/3"), "ADDRESS=10.77.0.2\nSERVER_ADDRESS=10.77.0.68\n");

    GatewayIdentity id = GatewayIdentity.read(sources());

    assertThat(id.addresses()).contains("10.77.0.2", "fd77::2", "127.0.0.1", "::1");
    assertThat(id.nextHops()).containsExactlyInAnyOrder("10.77.0.1", "fd77::1");
    assertThat(id.dnsServers()).containsExactly("10.77.0.53", "fe80::53");
    assertThat(id.dhcpServers()).containsExactlyInAnyOrder("10.77.0.67", "10.77.0.68");
  }

  @Test
  void refresher_allowlistsANewAddressAndNextHopWithinItsPeriod() throws Exception {
    Files.writeString(dir.resolve("resolv.conf"), "nameserver 10.77.0.53\n");
    PolicyEngine engine =
        new PolicyEngine(
            Policy.parse(
                "test",
                """
                rules:
                  - name: q
                    match: {kind: packet}
                    action: quarantine
                    duration: 1m
                """),
            GatewayIdentity.read(sources()));
    assertThat(engine.allowlisted(Scope.IP, "10.77.0.1")).isTrue();
    assertThat(engine.allowlisted(Scope.IP, "10.77.0.9")).isFalse();
    assertThat(engine.allowlisted(Scope.IP, "10.77.0.254")).isFalse();
    assertThat(engine.allowlisted(Scope.IP, "fd77::fe")).isFalse();
    assertThat(engine.allowlisted(Scope.IP, "10.77.0.54")).isFalse();

    Duration period = Duration.ofMillis(300);
    try (GatewayIdentityRefresher refresher =
        new GatewayIdentityRefresher(engine, sources(), period)) {
      // what DHCP and SLAAC do: a new address, a new default router, a new name server
      run(IP, "-n", ns, "addr", "add", "10.77.0.9/24", "dev", "d0");
      run(IP, "-n", ns, "route", "replace", "default", "via", "10.77.0.254");
      run(IP, "-n", ns, "-6", "route", "replace", "default", "via", "fd77::fe");
      Files.writeString(dir.resolve("resolv.conf"), "nameserver 10.77.0.54\n");
      long t0 = System.nanoTime();

      waitFor(
          period.multipliedBy(10),
          () ->
              engine.allowlisted(Scope.IP, "10.77.0.9")
                  && engine.allowlisted(Scope.IP, "10.77.0.254")
                  && engine.allowlisted(Scope.IP, "fd77::fe")
                  && engine.allowlisted(Scope.IP, "10.77.0.54")
                  && refresher.changes() > 0);
      Duration took = Duration.ofNanos(System.nanoTime() - t0);

      assertThat(took).isLessThan(period.multipliedBy(3));
      assertThat(refresher.changes()).isPositive();
      // what is gone is no longer protected: the old next hop and name server
      assertThat(engine.allowlisted(Scope.IP, "10.77.0.1")).isFalse();
      assertThat(engine.allowlisted(Scope.IP, "10.77.0.53")).isFalse();
    }
  }

  @Test
  void refresher_refusesAPeriodAbove30s() throws Exception {
    PolicyEngine engine =
        new PolicyEngine(
            Policy.parse(
                "test",
                "rules:\n  - {name: q, match: {kind: packet}, action: alert, duration: 1m}\n"),
            GatewayIdentity.none());
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new GatewayIdentityRefresher(engine, sources(), Duration.ofSeconds(31)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most");
  }

  private static void waitFor(Duration limit, BooleanSupplier ok) throws InterruptedException {
    long end = System.nanoTime() + limit.toNanos();
    while (!ok.getAsBoolean() && System.nanoTime() < end) {
      Thread.sleep(20);
    }
  }

  private static void run(String... argv) throws Exception {
    List<String> a = new ArrayList<>(List.of(argv));
    Process p = new ProcessBuilder(a).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", a) + " failed: " + out);
    }
  }
}
