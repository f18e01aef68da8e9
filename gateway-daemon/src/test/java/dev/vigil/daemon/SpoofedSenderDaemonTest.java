package dev.vigil.daemon;

import static dev.vigil.testsupport.LanFrames.arp;
import static dev.vigil.testsupport.LanFrames.exchange;
import static dev.vigil.testsupport.LanFrames.ip;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.daemon.config.ConfigLoader;
import dev.vigil.testsupport.LanFrames;
import dev.vigil.testsupport.PcapFiles;
import io.micronaut.context.ApplicationContext;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon reads a LAN capture in which every host announces itself with ARP, then one attacker
 * floods and scans a victim with a smart plug's address from its own MAC (as {@code hping3 -a}
 * does), and a second attacker scans with its own address. The spoofed alerts name the flooder's
 * MAC with {@code spoofed: true}, the decision quarantines that MAC, and neither the plug's address
 * nor its MAC is ever decided on; the honest scanner is quarantined by its MAC.
 */
class SpoofedSenderDaemonTest {
  private static final int GATEWAY = 1;
  private static final int VICTIM = 12;
  private static final int PLUG = 13;
  private static final int SPOOFER = 66;
  private static final int SCANNER = 77;
  private static final String PLUG_IP = "10.77.0.13";
  private static final String PLUG_MAC = "02:00:00:00:00:0d";
  private static final String SPOOFER_MAC = "02:00:00:00:00:42";
  private static final String SCANNER_MAC = "02:00:00:00:00:4d";

  @TempDir Path tmp;
  private ApplicationContext ctx;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    if (ctx != null) {
      ctx.close();
    }
  }

  /** A TCP frame from the MAC of host {@code srcMac} with address 10.77.0.{src}. */
  private static byte[] tcp(int srcMac, int src, int dst, int sport, int dport, int flags) {
    return LanFrames.tcp(srcMac, ip(src), dst, sport, dport, flags, new byte[0]);
  }

  private static Path capture(Path dir) throws Exception {
    long s = 1_000_000L;
    long t0 = (System.currentTimeMillis() - 600_000L) * 1000; // ten minutes ago
    List<PcapFiles.Frame> frames = new ArrayList<>();
    for (long t = 0; t < 130 * s; t += 10 * s) { // everyone announces itself now and then
      for (int h : new int[] {GATEWAY, VICTIM, PLUG, SPOOFER, SCANNER}) {
        frames.add(new PcapFiles.Frame(t0 + t + h * 1000, arp(h, h == GATEWAY ? PLUG : GATEWAY)));
      }
    }
    for (long t = 0; t < 130 * s; t += 2 * s) {
      exchange(frames, t0 + t, VICTIM, GATEWAY, 1883);
    }
    // 70 s: the scanner sweeps the victim's ports with its own address
    for (int p = 1; p <= 600; p++) {
      frames.add(
          new PcapFiles.Frame(
              t0 + 70 * s + p * 3000L, tcp(SCANNER, SCANNER, VICTIM, 45000, p, 0x02)));
    }
    // 90 s: the spoofer floods the victim's port 80 with the plug's address for 6 s; the victim
    // answers the plug, whose kernel resets each answer
    for (int i = 0; i < 3000; i++) {
      long t = t0 + 90 * s + i * 2000L;
      int sport = 1024 + i;
      frames.add(new PcapFiles.Frame(t, tcp(SPOOFER, PLUG, VICTIM, sport, 80, 0x02)));
      frames.add(new PcapFiles.Frame(t + 200, tcp(VICTIM, VICTIM, PLUG, 80, sport, 0x12)));
      frames.add(new PcapFiles.Frame(t + 400, tcp(PLUG, PLUG, VICTIM, sport, 80, 0x04)));
    }
    // 100 s: and scans it with the plug's address
    for (int p = 1; p <= 600; p++) {
      frames.add(
          new PcapFiles.Frame(
              t0 + 100 * s + p * 3000L, tcp(SPOOFER, PLUG, VICTIM, 46000, p, 0x02)));
    }
    frames.sort(Comparator.comparingLong(PcapFiles.Frame::timestampMicros));
    Path pcap = dir.resolve("spoofed.pcap");
    PcapFiles.write(pcap, 256, frames);
    return pcap;
  }

  @Test
  @SuppressWarnings("unchecked")
  void aFloodWithAPlugsAddress_quarantinesTheSendersMac_neverThePlug() throws Exception {
    Path pcap = capture(tmp);
    Files.writeString(
        tmp.resolve("policy.yaml"),
        String.join(
            "\n",
            "rules:",
            "  - name: quarantine-lan-initiators",
            "    match: {kind: packet, min-severity: high, role: initiator, scope: ip,"
                + " cidr: [10.77.0.0/24]}",
            "    action: quarantine",
            "    duration: 1h",
            ""));
    Path cfg = tmp.resolve("vigil.yaml");
    Files.writeString(
        cfg,
        String.join(
            "\n",
            "api: {host: 127.0.0.1, port: 0}",
            "capture: {pcap: " + pcap + "}",
            "features: {window: 2s}",
            "model:",
            "  train-pcaps: [classpath:demo/demo-benign.pcap]",
            "  autoencoder: {hidden: 16, bottleneck: 4, epochs: 5}",
            "  lstm: {enabled: false}",
            "  forest: {trees: 30}",
            "mitigation:",
            "  policy: policy.yaml",
            "  store: " + tmp.resolve("vigil.db"),
            "  sweep: 200ms",
            "  actions: {quarantine: [log]}",
            ""));
    ctx = VigilDaemon.start(ConfigLoader.load(cfg));
    JsonMapper json = ctx.getBean(JsonMapper.class);
    String base = ctx.getBean(EmbeddedServer.class).getURL().toString();

    List<Map<String, Object>> decisions = List.of();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      decisions =
          json.readValue(
              get(base + "/decisions?all=true"),
              Argument.listOf(Argument.mapOf(String.class, Object.class)));
      if (values(decisions).contains(SPOOFER_MAC)
          && values(decisions).contains(SCANNER_MAC)
          && get(base + "/health").contains("\"finished\"")) {
        break;
      }
      Thread.sleep(200);
    }
    Thread.sleep(2000); // the mitigation worker stores the last alerts of the file
    decisions =
        json.readValue(
            get(base + "/decisions?all=true"),
            Argument.listOf(Argument.mapOf(String.class, Object.class)));
    List<Map<String, Object>> alerts =
        json.readValue(
            get(base + "/alerts?limit=10000"),
            Argument.listOf(Argument.mapOf(String.class, Object.class)));
    List<Map<String, Object>> plugAlerts =
        alerts.stream().filter(a -> PLUG_IP.equals(a.get("src_ip"))).toList();
    assertThat(plugAlerts).as("alerts on the plug's address").isNotEmpty();
    List<Map<String, Object>> spoofed =
        plugAlerts.stream()
            .filter(a -> Boolean.TRUE.equals(((Map<String, Object>) a.get("vigil")).get("spoofed")))
            .toList();
    assertThat(spoofed)
        .as(
            "spoofed alerts on the plug's address: %s; decisions %s",
            plugAlerts.stream()
                .map(a -> a.get("ether") + " " + a.get("vigil") + " " + a.get("timestamp"))
                .toList(),
            decisions)
        .isNotEmpty();
    assertThat(spoofed)
        .allSatisfy(a -> assertThat(a.get("ether")).isEqualTo(Map.of("src_mac", SPOOFER_MAC)));

    assertThat(values(decisions)).as("decided on").contains(SPOOFER_MAC, SCANNER_MAC);
    assertThat(values(decisions)).as("the plug, never").doesNotContain(PLUG_IP, PLUG_MAC);
    assertThat(decisions)
        .filteredOn(d -> SPOOFER_MAC.equals(d.get("value")) || SCANNER_MAC.equals(d.get("value")))
        .allSatisfy(
            d -> {
              assertThat(d.get("scope")).isEqualTo("mac");
              assertThat(d.get("action")).isEqualTo("quarantine");
            });

    List<Map<String, Object>> scannerAlerts =
        alerts.stream().filter(a -> "10.77.0.77".equals(a.get("src_ip"))).toList();
    assertThat(scannerAlerts).isNotEmpty();
    assertThat(scannerAlerts)
        .as("scanner alerts %s", scannerAlerts)
        .allSatisfy(
            a -> {
              assertThat(a.get("ether")).isEqualTo(Map.of("src_mac", SCANNER_MAC));
              assertThat(((Map<String, Object>) a.get("vigil")).get("spoofed")).isEqualTo(false);
            });
    String prom = get(base + "/prometheus");
    assertThat(Scrape.parse(prom).sum("vigil_alerts_spoofed_total", Map.of()))
        .isEqualTo(spoofed.size());
  }

  private static List<Object> values(List<Map<String, Object>> decisions) {
    return decisions.stream().map(d -> d.get("value")).toList();
  }

  private String get(String url) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
    return r.body();
  }
}
