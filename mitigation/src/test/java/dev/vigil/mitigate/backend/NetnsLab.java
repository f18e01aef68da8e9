package dev.vigil.mitigate.backend;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A throw-away network of namespaces for the backends' real tests, all named {@code
 * vigil-t-<random>-<role>} and deleted by {@link #close()}:
 *
 * <pre>
 *  dev1 (10.1.0.2, fd01::2, 02:00:00:00:01:02) ─┐
 *  dev2 (10.1.0.3, 02:00:00:00:01:03) ──────────┴─ br0 (10.1.0.1, fd01::1) gw ─ 10.2.0.1/fd02::1 ─ tgt (10.2.0.2, fd02::2)
 *                                                                         └─ 10.3.0.1 ─ hp (10.3.0.2; also answers 10.2.0.2)
 * </pre>
 *
 * Nothing here sends a packet outside these namespaces; every wait is bounded.
 */
final class NetnsLab implements AutoCloseable {
  static final String IP = "/usr/sbin/ip";
  static final String NFT = "/usr/sbin/nft";
  static final String DEV1 = "10.1.0.2";
  static final String DEV1_V6 = "fd01::2";
  static final String DEV1_MAC = "02:00:00:00:01:02";
  static final String DEV2 = "10.1.0.3";
  static final String TARGET = "10.2.0.2";
  static final String TARGET_V6 = "fd02::2";
  static final String HONEYPOT = "10.3.0.2";
  static final int PORT = 8080;
  static final int HONEYPOT_PORT = 8081;

  private static final ObjectMapper JSON = new ObjectMapper();

  final String prefix;
  final String dev1;
  final String dev2;
  final String gw;
  final String tgt;
  final String hp;
  private final List<String> created = new ArrayList<>();
  private final List<Process> servers = new ArrayList<>();
  private final CommandRunner runner = new CommandRunner(Duration.ofSeconds(10));

  /**
   * Skips the calling test, saying why, unless this runs as root with ip, nft, ping and nc present
   * and network namespaces usable; in CI (CI=true) they are required instead.
   */
  static void assumeAvailable() {
    require("network namespace tests", missing());
  }

  /**
   * Skips the calling test when {@code why} names something missing, saying so; in CI (CI=true)
   * fails it instead, so that a missing install step is never hidden by a skip.
   *
   * @param what the tests, for the message ("network namespace tests")
   * @param why what is missing, or null when nothing is
   */
  static void require(String what, String why) {
    if (why != null && "true".equals(System.getenv("CI"))) {
      throw new IllegalStateException(what + " are required in CI: " + why);
    }
    assumeTrue(why == null, () -> what + " skipped: " + why);
  }

  private static String missing() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "not running as root";
    }
    for (String p : List.of(IP, NFT, "/usr/bin/ping", "/usr/bin/nc")) {
      if (!Files.isExecutable(Path.of(p))) {
        return p + " not found (apt-get install iproute2 nftables iputils-ping netcat-openbsd)";
      }
    }
    return null;
  }

  /** Builds the network; on failure deletes what it made. */
  NetnsLab() throws Exception {
    byte[] r = new byte[3];
    new SecureRandom().nextBytes(r);
    prefix = "vigil-t-" + HexFormat.of().formatHex(r) + "-";
    dev1 = prefix + "dev1";
    dev2 = prefix + "dev2";
    gw = prefix + "gw";
    tgt = prefix + "tgt";
    hp = prefix + "hp";
    try {
      build();
    } catch (Exception | AssertionError e) {
      close();
      throw e;
    }
  }

  private void build() throws Exception {
    for (String ns : List.of(dev1, dev2, gw, tgt, hp)) {
      ip("netns", "add", ns);
      created.add(ns);
      // Before any interface exists, so that new ones inherit "default".
      in(ns, "/usr/sbin/sysctl", "-q", "-w", "net.ipv4.conf.all.rp_filter=0");
      in(ns, "/usr/sbin/sysctl", "-q", "-w", "net.ipv4.conf.default.rp_filter=0");
      ip("-n", ns, "link", "set", "lo", "up");
    }
    in(gw, "/usr/sbin/sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
    in(gw, "/usr/sbin/sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1");
    ip("-n", gw, "link", "add", "br0", "type", "bridge");
    ip("-n", gw, "addr", "add", "10.1.0.1/24", "dev", "br0");
    ip("-n", gw, "addr", "add", "fd01::1/64", "dev", "br0", "nodad");
    ip("-n", gw, "link", "set", "br0", "up");
    device(dev1, "p-dev1", DEV1, DEV1_MAC, DEV1_V6);
    device(dev2, "p-dev2", DEV2, "02:00:00:00:01:03", null);
    link(tgt, "p-tgt", "10.2.0.1/24", TARGET + "/24", "10.2.0.1");
    ip("-n", gw, "addr", "add", "fd02::1/64", "dev", "p-tgt", "nodad");
    ip("-n", tgt, "addr", "add", TARGET_V6 + "/64", "dev", "eth0", "nodad");
    ip("-n", tgt, "-6", "route", "add", "default", "via", "fd02::1");
    link(hp, "p-hp", "10.3.0.1/24", HONEYPOT + "/24", "10.3.0.1");
    // The honeypot answers for the target's address when traffic is steered to it.
    ip("-n", hp, "addr", "add", TARGET + "/32", "dev", "lo");
    serve(tgt, PORT);
    serve(hp, HONEYPOT_PORT);
  }

  private void device(String ns, String port, String addr, String mac, String v6) throws Exception {
    ip("-n", gw, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns);
    ip("-n", gw, "link", "set", port, "master", "br0", "up");
    ip("-n", ns, "link", "set", "eth0", "address", mac);
    ip("-n", ns, "addr", "add", addr + "/24", "dev", "eth0");
    if (v6 != null) {
      ip("-n", ns, "addr", "add", v6 + "/64", "dev", "eth0", "nodad");
    }
    ip("-n", ns, "link", "set", "eth0", "up");
    ip("-n", ns, "route", "add", "default", "via", "10.1.0.1");
    if (v6 != null) {
      ip("-n", ns, "-6", "route", "add", "default", "via", "fd01::1");
    }
  }

  private void link(String ns, String port, String gwAddr, String addr, String via)
      throws Exception {
    ip("-n", gw, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns);
    ip("-n", gw, "addr", "add", gwAddr, "dev", port);
    ip("-n", gw, "link", "set", port, "up");
    ip("-n", ns, "addr", "add", addr, "dev", "eth0");
    ip("-n", ns, "link", "set", "eth0", "up");
    ip("-n", ns, "route", "add", "default", "via", via);
  }

  /** Starts a TCP listener on {@code port} in {@code ns}, stopped by {@link #close()}. */
  private void serve(String ns, int port) throws IOException {
    Process p =
        new ProcessBuilder(IP, "netns", "exec", ns, "/usr/bin/nc", "-lk", "0.0.0.0", "" + port)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    servers.add(p);
  }

  /** Runs {@code ip args...} and checks that it succeeded. */
  String ip(String... args) throws Exception {
    List<String> a = new ArrayList<>(List.of(IP));
    a.addAll(List.of(args));
    return runner.run(a, null).stdout();
  }

  /** Runs a program inside {@code ns} and checks that it succeeded. */
  String in(String ns, String... argv) throws Exception {
    List<String> a = new ArrayList<>(List.of(IP, "netns", "exec", ns));
    a.addAll(List.of(argv));
    return runner.run(a, null).stdout();
  }

  /** Returns whether one ping from {@code ns} to {@code addr} is answered within 1 s. */
  boolean ping(String ns, String addr) throws Exception {
    return runner
        .exec(
            List.of(IP, "netns", "exec", ns, "/usr/bin/ping", "-n", "-c", "1", "-W", "1", addr),
            null)
        .ok();
  }

  /** Returns whether a TCP connection from {@code ns} to {@code addr:port} opens within 2 s. */
  boolean connect(String ns, String addr, int port) throws Exception {
    return runner
        .exec(
            List.of(IP, "netns", "exec", ns, "/usr/bin/nc", "-z", "-w", "2", addr, "" + port), null)
        .ok();
  }

  /** Returns whether {@code ns} reaches {@code addr} (ping), trying at most 3 times. */
  boolean reaches(String ns, String addr) throws Exception {
    for (int i = 0; i < 3; i++) {
      if (ping(ns, addr)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Polls {@code condition} every 200 ms until it holds or {@code max} has passed; returns whether
   * it held.
   */
  static boolean within(Duration max, BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + max.toNanos();
    for (int i = 0; i < 1000; i++) {
      if (condition.getAsBoolean()) {
        return true;
      }
      if (System.nanoTime() > end) {
        return false;
      }
      Thread.sleep(200);
    }
    return false;
  }

  /** Returns "table/set/element" for every element in the given nft table in {@code ns}. */
  TreeSet<String> elements(String ns, String family, String table) throws Exception {
    TreeSet<String> out = new TreeSet<>();
    var r =
        runner.exec(
            List.of(IP, "netns", "exec", ns, NFT, "-j", "list", "table", family, table), null);
    if (!r.ok()) {
      return out;
    }
    for (JsonNode n : JSON.readTree(r.stdout()).path("nftables")) {
      JsonNode set = n.get("set");
      if (set == null) {
        continue;
      }
      for (JsonNode e : set.path("elem")) {
        JsonNode v = e.has("elem") ? e.get("elem").get("val") : e;
        String text =
            v.has("prefix")
                ? v.get("prefix").get("addr").asText() + "/" + v.get("prefix").get("len").asText()
                : v.asText();
        out.add(family + " " + table + "/" + set.get("name").asText() + "/" + text);
      }
    }
    return out;
  }

  /** Returns the names of every nft table in {@code ns}, "family name". */
  List<String> tables(String ns) throws Exception {
    List<String> out = new ArrayList<>();
    String s = in(ns, NFT, "list", "tables");
    for (String line : s.split("\n")) {
      if (line.startsWith("table ")) {
        out.add(line.substring(6).strip());
      }
    }
    return out;
  }

  /** Stops the listeners and deletes every namespace it created; never throws. */
  @Override
  public void close() {
    for (Process p : servers) {
      p.destroyForcibly();
      try {
        p.waitFor(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    servers.clear();
    for (String ns : created) {
      try {
        runner.exec(List.of(IP, "netns", "del", ns), null);
      } catch (Exception e) {
        System.err.println("could not delete network namespace " + ns + ": " + e);
      }
    }
    created.clear();
  }
}
