package dev.vigil.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.daemon.alerts.EveTime;
import dev.vigil.daemon.config.ConfigLoader;
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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon reads the demo's attack capture (a SYN scan, a telnet sweep and a UDP flood from
 * 10.77.0.66 amid benign traffic) with 10 s windows and early windows on: the attacker's first
 * alert comes from a window closed early, before the end its window would have had, and no benign
 * host's window is closed early.
 */
class EarlyWindowsDaemonTest {
  private static final String ATTACKER = "10.77.0.66";
  private static final long WINDOW_MICROS = 10_000_000L;

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
  void theAttackersFirstAlert_comesFromAnEarlyWindow_beforeItsWindowsEnd() throws Exception {
    Path cfg = tmp.resolve("vigil.yaml");
    Files.writeString(
        cfg,
        String.join(
            "\n",
            "api: {host: 127.0.0.1, port: 0}",
            "capture: {pcap: classpath:demo/demo-attack.pcap}",
            "features: {window: 10s, early-windows: {enabled: true, margin: 0.5}}",
            "model:",
            "  train-pcaps: [classpath:demo/demo-benign.pcap]",
            "  autoencoder: {hidden: 16, bottleneck: 4, epochs: 5}",
            "  lstm: {enabled: false}",
            "  forest: {trees: 30}",
            ""));
    ctx = VigilDaemon.start(ConfigLoader.load(cfg));
    JsonMapper json = ctx.getBean(JsonMapper.class);
    String base = ctx.getBean(EmbeddedServer.class).getURL().toString();

    List<Map<String, Object>> attacker = List.of();
    List<Map<String, Object>> all = List.of();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      Map<String, Object> health =
          json.readValue(body(base + "/health"), Argument.mapOf(String.class, Object.class));
      Map<String, Object> capture =
          (Map<String, Object>) ((Map<String, Object>) health.get("components")).get("capture");
      all =
          json.readValue(
              get(base + "/alerts?limit=1000"),
              Argument.listOf(Argument.mapOf(String.class, Object.class)));
      if ("finished".equals(((Map<String, Object>) capture.get("details")).get("state"))) {
        break;
      }
      Thread.sleep(200);
    }
    attacker =
        all.stream()
            .filter(a -> ATTACKER.equals(a.get("src_ip")))
            .sorted(
                Comparator.comparing(a -> EveTime.parse(detail(a).get("window_end").toString())))
            .toList();
    assertThat(attacker).as("alerts of the attacker").isNotEmpty();
    Map<String, Object> first = detail(attacker.get(0));
    assertThat(first.get("early")).as("first alert: %s", first).isEqualTo(true);
    long start = micros(first.get("window_start"));
    long end = micros(first.get("window_end"));
    assertThat(end - start).as("early window length, µs").isLessThan(WINDOW_MICROS);
    // Benign hosts (all but the attacker and the flood's victim) never have a window closed early.
    assertThat(all)
        .filteredOn(a -> !ATTACKER.equals(a.get("src_ip")) && !"10.77.0.13".equals(a.get("src_ip")))
        .allSatisfy(a -> assertThat(detail(a).get("early")).as("%s", a).isNull());
    String prom = get(base + "/prometheus");
    assertThat(prom).containsPattern("(?m)^vigil_windows_early_total(\\{[^}]*\\})? [1-9]");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> detail(Map<String, Object> alert) {
    return (Map<String, Object>) alert.get("vigil");
  }

  private static long micros(Object eveTime) {
    java.time.Instant t = EveTime.parse(eveTime.toString());
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
  }

  /** The body of any answer (health answers 503 while the model trains). */
  private String body(String url) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
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
