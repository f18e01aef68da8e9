package dev.vigil.daemon;

import static dev.vigil.testsupport.LanFrames.exchange;
import static dev.vigil.testsupport.LanFrames.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.daemon.config.ConfigLoader;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon reads a capture in which, after the learning period, a camera polls a host it never
 * talked to every 3 s and another host guesses MQTT passwords: one beacon alert names the camera
 * and its peer, one authentication alert the guesser and the broker, the policy's rules for those
 * detectors quarantine both, and nothing else is decided.
 */
class FlowDetectorsDaemonTest {
  private static final int CAMERA = 12;
  private static final int GATEWAY = 1;
  private static final int C2 = 66;
  private static final int PLUG = 13;
  private static final int GUESSER = 77;

  @TempDir Path tmp;
  private ApplicationContext ctx;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    if (ctx != null) {
      ctx.close();
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void aBeaconAfterLearning_isAlertedWithItsPeer_andTheBeaconRuleQuarantinesItsSource()
      throws Exception {
    long s = 1_000_000L;
    long t0 = (System.currentTimeMillis() - 600_000L) * 1000; // ten minutes ago
    List<PcapFiles.Frame> frames = new ArrayList<>();
    // 60 s of learning: camera and plug talk to the gateway every 2 s
    for (long t = 0; t < 60 * s; t += 2 * s) {
      exchange(frames, t0 + t, CAMERA, GATEWAY, 1883);
      exchange(frames, t0 + t + 500_000, PLUG, GATEWAY, 1883);
    }
    // then the same, and the camera polls 10.77.0.66:8443 every 3 s, 12 times
    for (long t = 60 * s; t < 120 * s; t += 2 * s) {
      exchange(frames, t0 + t, CAMERA, GATEWAY, 1883);
      exchange(frames, t0 + t + 500_000, PLUG, GATEWAY, 1883);
    }
    for (int i = 0; i < 12; i++) {
      exchange(frames, t0 + 70 * s + i * 3 * s + 100_000, CAMERA, C2, 8443);
    }
    // a password guesser: 15 tries 0.2 s apart, each refused by the broker (CONNACK 5, not
    // authorised)
    for (int i = 0; i < 15; i++) {
      long t = t0 + 80 * s + i * 200_000L;
      exchange(frames, t, GUESSER, GATEWAY, 1883);
      frames.add(
          new PcapFiles.Frame(
              t + 1000, tcp(GATEWAY, GUESSER, 1883, 50000 + i, 0x18, new byte[] {0x20, 2, 0, 5})));
    }
    frames.sort(java.util.Comparator.comparingLong(PcapFiles.Frame::timestampMicros));
    Path pcap = tmp.resolve("beacon.pcap");
    PcapFiles.write(pcap, 256, frames);

    Files.writeString(
        tmp.resolve("policy.yaml"),
        String.join(
            "\n",
            "rules:",
            "  - name: quarantine-beacons",
            "    match: {kind: packet, detector: beacon, min-severity: high, role: initiator}",
            "    action: quarantine",
            "    duration: 1h",
            "  - name: quarantine-guessers",
            "    match: {kind: packet, detector: auth}",
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
            "features: {beacon: {learn: 60s}}",
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

    List<Map<String, Object>> beacons = List.of();
    List<Map<String, Object>> auth = List.of();
    List<Map<String, Object>> decisions = List.of();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      List<Map<String, Object>> all =
          json.readValue(
              get(base + "/alerts?limit=1000"),
              Argument.listOf(Argument.mapOf(String.class, Object.class)));
      beacons = byDetector(all, "beacon");
      auth = byDetector(all, "auth");
      decisions =
          json.readValue(
              get(base + "/decisions"),
              Argument.listOf(Argument.mapOf(String.class, Object.class)));
      if (!beacons.isEmpty() && !auth.isEmpty() && decisions.size() >= 2) {
        break;
      }
      Thread.sleep(200);
    }
    assertThat(beacons).as("beacon alerts").hasSize(1);
    Map<String, Object> a = beacons.get(0);
    assertThat(a.get("src_ip")).isEqualTo("10.77.0.12");
    assertThat(a.get("dest_ip")).isEqualTo("10.77.0.66");
    assertThat(((Number) a.get("dest_port")).intValue()).isEqualTo(8443);
    assertThat(a.get("proto")).isEqualTo("TCP");
    Map<String, Object> v = (Map<String, Object>) a.get("vigil");
    assertThat(v.get("severity")).isEqualTo("high");
    assertThat(v.get("role")).isEqualTo("initiator");
    Map<String, Object> comps = (Map<String, Object>) v.get("components");
    assertThat(((Number) comps.get("period_s")).doubleValue()).isBetween(2.99, 3.01);
    assertThat(((Number) comps.get("starts")).intValue()).isEqualTo(8);
    assertThat(v.get("summary").toString()).contains("10.77.0.66:8443/tcp", "every 3.0 s");

    assertThat(auth).as("auth alerts").hasSize(1);
    Map<String, Object> g = auth.get(0);
    assertThat(g.get("src_ip")).isEqualTo("10.77.0.77");
    assertThat(g.get("dest_ip")).isEqualTo("10.77.0.1");
    assertThat(((Number) g.get("dest_port")).intValue()).isEqualTo(1883);
    Map<String, Object> gv = (Map<String, Object>) g.get("vigil");
    assertThat(gv.get("severity")).isEqualTo("high");
    assertThat(gv.get("summary").toString()).contains("refused 10 MQTT logins", "return code 5");

    assertThat(decisions).as("decisions").hasSize(2);
    assertThat(decisions)
        .extracting(d -> d.get("value"))
        .containsExactlyInAnyOrder("10.77.0.12", "10.77.0.77");
    assertThat(decisions).allSatisfy(d -> assertThat(d.get("action")).isEqualTo("quarantine"));

    Map<String, Object> health =
        json.readValue(get(base + "/health"), Argument.mapOf(String.class, Object.class));
    Map<String, Object> capture =
        (Map<String, Object>) ((Map<String, Object>) health.get("components")).get("capture");
    Map<String, Object> bd =
        (Map<String, Object>) ((Map<String, Object>) capture.get("details")).get("beacons");
    assertThat(bd.get("learning")).isEqualTo(false);
    assertThat(((Number) bd.get("learned_pairs")).intValue()).isEqualTo(2);
    assertThat(((Number) bd.get("reports")).intValue()).isEqualTo(1);
    Map<String, Object> ad =
        (Map<String, Object>) ((Map<String, Object>) capture.get("details")).get("auth_failures");
    assertThat(((Number) ad.get("refusals")).intValue()).isEqualTo(15);
    assertThat(((Number) ad.get("reports")).intValue()).isEqualTo(1);
    String prom = get(base + "/prometheus");
    assertThat(prom).containsPattern("(?m)^vigil_beacons_total(\\{[^}]*\\})? 1\\.0$");
    assertThat(prom).containsPattern("(?m)^vigil_auth_failures_reports_total(\\{[^}]*\\})? 1\\.0$");
    Scrape scrape = Scrape.parse(prom);
    assertThat(
            scrape.sum(
                "vigil_alerts_raised_total", Map.of("detector", "beacon", "severity", "high")))
        .isEqualTo(1);
    assertThat(
            scrape.sum("vigil_alerts_raised_total", Map.of("detector", "auth", "severity", "high")))
        .isEqualTo(1);
    long applied = decisions.stream().filter(d -> Boolean.FALSE.equals(d.get("simulated"))).count();
    assertThat(
            scrape.sum(
                "vigil_decisions_applied_total",
                Map.of("action", "quarantine", "backend", "log", "result", "success")))
        .isEqualTo(applied);
    assertThat(scrape.sum("vigil_decisions_applied_total", Map.of("result", "failure"))).isZero();
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> byDetector(List<Map<String, Object>> all, String d) {
    return all.stream()
        .filter(a -> d.equals(((Map<String, Object>) a.get("vigil")).get("detector")))
        .toList();
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
