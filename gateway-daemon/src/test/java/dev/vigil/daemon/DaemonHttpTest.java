package dev.vigil.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.daemon.config.ConfigLoader;
import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.testsupport.SharedData;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the real daemon (same config loader and start-up path as {@code vigil run}) on real
 * captures and checks what an operator sees over HTTP.
 */
class DaemonHttpTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private ApplicationContext ctx;

  @AfterEach
  void stop() {
    if (ctx != null) {
      ctx.close();
    }
  }

  private String base() {
    return ctx.getBean(EmbeddedServer.class).getURL().toString();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> waitUntilCaptureFinished() throws Exception {
    JsonMapper json = ctx.getBean(JsonMapper.class);
    long deadline =
        System.nanoTime()
            + Duration.ofSeconds(300)
                .toNanos(); // training on 423 captures: ~60 s on a quiet 2-core CI machine
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = get("/health");
      Map<String, Object> h = json.readValue(r.body(), Map.class);
      Map<String, Object> capture =
          (Map<String, Object>) ((Map<String, Object>) h.get("components")).get("capture");
      Map<String, Object> details = (Map<String, Object>) capture.get("details");
      if ("DOWN".equals(h.get("status")) || "finished".equals(details.get("state"))) {
        assertThat(r.statusCode()).as("health body %s", r.body()).isEqualTo(200);
        return h;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("capture did not finish within 300 s");
  }

  @Test
  @Tag("shared-data")
  @SuppressWarnings("unchecked")
  void attackCapture_alertsOnTheScannerAndServesHealthAndMetrics(@TempDir Path tmp)
      throws Exception {
    Path eve = tmp.resolve("log/eve.json");
    String yaml =
        String.join(
            "\n",
            "api: {host: 127.0.0.1, port: 0}",
            "capture:",
            "  pcap: " + SharedData.file("pcap/attack/slips/test7-malicious.pcap"),
            "model:",
            "  train-pcaps:",
            "    - " + SharedData.file("pcap/benign/iot_sentinel"),
            "alerts:",
            "  eve-log: " + eve,
            "");
    Path cfg = tmp.resolve("vigil.yaml");
    Files.writeString(cfg, yaml);
    VigilConfig config = ConfigLoader.load(cfg);
    ctx = VigilDaemon.start(config);

    Map<String, Object> health = waitUntilCaptureFinished();
    assertThat(health.get("status")).isEqualTo("UP");
    Map<String, Object> components = (Map<String, Object>) health.get("components");
    assertThat(components).containsOnlyKeys("capture", "model", "http", "config", "eve");
    Map<String, Object> model =
        (Map<String, Object>) ((Map<String, Object>) components.get("model")).get("details");
    assertThat(model.get("origin")).isEqualTo("trained on 423 capture(s)");
    assertThat(model.get("detector")).isEqualTo("ensemble");
    assertThat((List<Object>) model.get("components")).containsExactly("ae", "lstm", "iforest");
    assertThat(((Number) model.get("training_vectors")).intValue()).isGreaterThan(1000);
    Map<String, Object> capture =
        (Map<String, Object>) ((Map<String, Object>) components.get("capture")).get("details");
    assertThat(((Number) capture.get("packets")).intValue()).isEqualTo(2000);

    HttpResponse<String> alertsResponse = get("/alerts?limit=1000");
    assertThat(alertsResponse.statusCode()).isEqualTo(200);
    List<Map<String, Object>> alerts =
        ctx.getBean(JsonMapper.class)
            .readValue(
                alertsResponse.body(), Argument.listOf(Argument.mapOf(String.class, Object.class)));
    assertThat(alerts).isNotEmpty();
    // The Mirai-like scanner of this capture (labels.csv) is alerted on.
    assertThat(alerts).anyMatch(a -> "192.168.2.16".equals(a.get("src_ip")));
    Map<String, Object> first = alerts.get(0);
    assertThat(first).containsKeys("timestamp", "event_type", "src_ip", "alert", "vigil");
    assertThat(first.get("event_type")).isEqualTo("alert");
    Map<String, Object> detail = (Map<String, Object>) first.get("vigil");
    assertThat(((Number) detail.get("score")).doubleValue())
        .isGreaterThan(((Number) detail.get("threshold")).doubleValue());
    assertThat((List<?>) detail.get("top_features")).hasSize(3);
    assertThat(detail.get("severity")).isIn("low", "medium", "high", "critical");
    assertThat((Map<String, Object>) detail.get("components")).containsKeys("ae", "iforest");
    assertThat((String) detail.get("summary")).contains("anomaly").contains("top:");
    // Newest first: alert ids descend.
    List<Long> ids =
        alerts.stream()
            .map(a -> Long.parseLong((String) ((Map<String, Object>) a.get("vigil")).get("id")))
            .toList();
    assertThat(ids).isSortedAccordingTo((a, b) -> Long.compare(b, a));

    // Every alert is also one JSON line in the eve log (written by its own thread: wait for it).
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (Files.readAllLines(eve).size() < alerts.size() && System.nanoTime() < until) {
      Thread.sleep(50);
    }
    assertThat(Files.readAllLines(eve))
        .hasSize(alerts.size())
        .allSatisfy(l -> assertThat(l).startsWith("{\"timestamp\""));

    HttpResponse<String> prom = get("/prometheus");
    assertThat(prom.statusCode()).isEqualTo(200);
    assertThat(prom.body())
        .contains("vigil_packets_read_total 2000.0")
        .contains("vigil_score_latency_seconds_bucket{le=");
    Scrape scrape = Scrape.parse(prom.body());
    assertThat(scrape.sum("vigil_alerts_raised_total")).isEqualTo(alerts.size());
    assertThat(scrape.sum("vigil_alerts_raised_total", Map.of("detector", "ensemble")))
        .isPositive();

    assertThat(get("/alerts?limit=0").statusCode()).isEqualTo(400);
    assertThat(get("/alerts?limit=abc").statusCode()).isEqualTo(400);
  }

  /** The README's demo: the embedded configuration must alert on the lab's attacker. */
  @Test
  @SuppressWarnings("unchecked")
  void embeddedDemo_alertsOnTheLabAttacker() throws Exception {
    VigilConfig demo = ConfigLoader.loadResource(ConfigLoader.DEMO_RESOURCE);
    ctx =
        VigilDaemon.start(
            new VigilConfig(
                demo.source(),
                new VigilConfig.Api("127.0.0.1", 0),
                demo.capture(),
                demo.features(),
                demo.model(),
                demo.alerts()));
    Map<String, Object> health = waitUntilCaptureFinished();
    assertThat(health.get("status")).isEqualTo("UP");
    List<Map<String, Object>> alerts =
        ctx.getBean(JsonMapper.class)
            .readValue(
                get("/alerts?limit=1000").body(),
                Argument.listOf(Argument.mapOf(String.class, Object.class)));
    // demo-labels.csv: 10.77.0.66 scans (SYN, telnet) and floods; at least two of its windows
    // alert.
    assertThat(alerts.stream().filter(a -> "10.77.0.66".equals(a.get("src_ip"))).count())
        .isGreaterThanOrEqualTo(2);
    assertThat(alerts)
        .allSatisfy(
            a -> assertThat((Map<String, Object>) a.get("vigil")).doesNotContainKey("telemetry"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void dampedFeatureSet_trainsAndScoresTheDemo(@TempDir Path tmp) throws Exception {
    Path cfg = tmp.resolve("vigil.yaml");
    Files.writeString(
        cfg,
        "api: {port: 0}\nfeatures: {set: damped}\ncapture:\n  pcap: classpath:demo/demo-attack.pcap\n"
            + "model:\n  train-pcaps: [classpath:demo/demo-benign.pcap]\n");
    ctx = VigilDaemon.start(ConfigLoader.load(cfg));
    Map<String, Object> health = waitUntilCaptureFinished();
    Map<String, Object> components = (Map<String, Object>) health.get("components");
    Map<String, Object> model =
        (Map<String, Object>) ((Map<String, Object>) components.get("model")).get("details");
    assertThat(model.get("schema")).isEqualTo("vigil.host-damped.v1");
    assertThat(((Number) model.get("training_vectors")).intValue()).isGreaterThan(100);
    Map<String, Object> capture =
        (Map<String, Object>) ((Map<String, Object>) components.get("capture")).get("details");
    assertThat(((Number) capture.get("windows")).intValue()).isGreaterThan(50);
  }

  /**
   * Live capture on loopback (root or CAP_NET_RAW, as in CI): counters and windows show on /health.
   */
  @Test
  @SuppressWarnings("unchecked")
  void liveCapture_onLoopbackReportsCapturedPacketsAndWindows(@TempDir Path tmp) throws Exception {
    try (java.net.DatagramSocket receiver =
            new java.net.DatagramSocket(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
        java.net.DatagramSocket sender = new java.net.DatagramSocket()) {
      int port = receiver.getLocalPort();
      Path cfg = tmp.resolve("vigil.yaml");
      Files.writeString(
          cfg,
          String.join(
              "\n",
              "api: {port: 0}",
              "capture:",
              "  interface: lo",
              "  promiscuous: false",
              "  filter: udp and dst port " + port,
              "  immediate: true",
              "  timeout: 50ms",
              "features: {window: 1s}",
              "model:",
              "  train-pcaps: [classpath:demo/demo-benign.pcap]",
              // the model is not under test here; with the default epochs, training on 1511
              // one-second windows took over 60 s under a parallel build (936 ms per epoch)
              "  autoencoder: {epochs: 5}",
              "  lstm: {epochs: 3}",
              ""));
      ctx = VigilDaemon.start(ConfigLoader.load(cfg));
      JsonMapper json = ctx.getBean(JsonMapper.class);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      Map<String, Object> details = Map.of();
      while (!"capturing".equals(details.get("state"))) {
        assertThat(System.nanoTime()).as("capture never started: %s", details).isLessThan(deadline);
        Thread.sleep(100);
        Map<String, Object> h = json.readValue(get("/health").body(), Map.class);
        details =
            (Map<String, Object>)
                ((Map<String, Object>) ((Map<String, Object>) h.get("components")).get("capture"))
                    .get("details");
      }
      byte[] payload = new byte[48];
      for (int i = 0; i < 200; i++) {
        sender.send(
            new java.net.DatagramPacket(
                payload, payload.length, java.net.InetAddress.getLoopbackAddress(), port));
      }
      while (((Number) details.getOrDefault("captured", 0)).intValue() < 200
          || ((Number) details.getOrDefault("windows", 0)).intValue() < 1) {
        assertThat(System.nanoTime())
            .as("packets or windows missing: %s", details)
            .isLessThan(deadline);
        Thread.sleep(200);
        Map<String, Object> h = json.readValue(get("/health").body(), Map.class);
        assertThat(h.get("status")).isEqualTo("UP");
        details =
            (Map<String, Object>)
                ((Map<String, Object>) ((Map<String, Object>) h.get("components")).get("capture"))
                    .get("details");
      }
      assertThat(((Number) details.get("captured")).intValue()).isEqualTo(200);
      assertThat(((Number) details.get("kernel_dropped")).intValue()).isZero();
      assertThat(((Number) details.get("ring_overflows")).intValue()).isZero();
      assertThat(get("/prometheus").body())
          .contains("vigil_packets_read_total 200.0")
          .contains("vigil_capture_kernel_dropped_total 0.0")
          .contains("vigil_capture_interface_dropped_total 0.0")
          .contains("vigil_capture_ring_overflows_total 0.0");
    }
  }

  @Test
  void missingTrainingData_marksModelDownButKeepsServing(@TempDir Path tmp) throws Exception {
    Path bogus = tmp.resolve("benign.pcap");
    Files.writeString(bogus, "not a capture");
    Path cfg = tmp.resolve("vigil.yaml");
    Files.writeString(
        cfg,
        "api: {port: 0}\ncapture:\n  pcap: "
            + "classpath:demo/demo-attack.pcap"
            + "\nmodel:\n  train-pcaps: ["
            + bogus
            + "]\n");
    ctx = VigilDaemon.start(ConfigLoader.load(cfg));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    HttpResponse<String> r = get("/health");
    while (r.statusCode() != 503 || !r.body().contains("\"DOWN\"")) {
      assertThat(System.nanoTime()).as("health never went DOWN: %s", r.body()).isLessThan(deadline);
      Thread.sleep(100);
      r = get("/health");
    }
    assertThat(r.body()).contains("cannot open capture file");
    assertThat(get("/alerts").statusCode()).isEqualTo(200);
  }
}
