package dev.vigil.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.daemon.config.ConfigLoader;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the real daemon on the embedded demo capture and checks {@code GET /alerts}' filters,
 * cursor paging ({@code Link: rel="next"}) and refusals over HTTP, from the mitigation store and
 * from memory.
 */
class AlertsQueryDaemonTest {
  private static final String ATTACKER = "10.77.0.66"; // demo-labels.csv
  private static final List<String> SEVERITIES = List.of("low", "medium", "high", "critical");
  private static final Pattern NEXT = Pattern.compile("^<(/alerts\\?[^>]+)>; rel=\"next\"$");
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private ApplicationContext ctx;

  @TempDir Path tmp;

  @AfterEach
  void stop() {
    if (ctx != null) {
      ctx.close();
      ctx = null;
    }
  }

  /** Writes a configuration (a small model; with or without a mitigation store) and starts it. */
  static Path writeConfig(Path dir, boolean mitigation, String token) throws Exception {
    Files.writeString(
        dir.resolve("policy.yaml"),
        String.join(
            "\n",
            "dry-run: false",
            "max-decisions-per-minute: 100",
            "rules:",
            "  - name: quarantine-anomalous-hosts",
            "    match: {kind: packet, scope: ip}",
            "    action: quarantine",
            "    duration: 1h",
            ""));
    if (token != null) {
      Files.writeString(dir.resolve("token"), token + "\n");
    }
    Path cfg = dir.resolve("vigil.yaml");
    List<String> lines =
        new ArrayList<>(
            List.of(
                "api: {host: 127.0.0.1, port: 0}",
                "capture: {pcap: classpath:demo/demo-attack.pcap}",
                "model:",
                "  bundle: " + dir.resolve("model.vigil"),
                "  train-pcaps: [classpath:demo/demo-benign.pcap]",
                // the model is not under test: a small one trains in seconds
                "  autoencoder: {hidden: 16, bottleneck: 4, epochs: 5}",
                "  lstm: {enabled: false}",
                "  forest: {trees: 30}"));
    if (mitigation) {
      lines.addAll(
          List.of(
              "mitigation:",
              "  policy: policy.yaml",
              "  store: " + dir.resolve("state/vigil.db"),
              token != null ? "  token-file: token" : "",
              "  actions: {quarantine: [log]}"));
    }
    lines.add("");
    Files.writeString(cfg, String.join("\n", lines));
    return cfg;
  }

  /** Waits (at most 300 s) until the capture is read to its end. */
  static void waitUntilCaptureFinished(HttpClient http, String base) throws Exception {
    ObjectMapper json = new ObjectMapper();
    long deadline = System.nanoTime() + Duration.ofSeconds(300).toNanos();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/health"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      JsonNode capture = json.readTree(r.body()).path("components").path("capture");
      if ("DOWN".equals(capture.path("status").asText())
          || "finished".equals(capture.path("details").path("state").asText())) {
        assertThat(capture.path("status").asText()).as(r.body()).isEqualTo("UP");
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("capture did not finish within 300 s");
  }

  private String base() {
    return ctx.getBean(EmbeddedServer.class).getURL().toString();
  }

  private HttpResponse<String> get(String pathAndQuery) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base() + pathAndQuery))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private List<JsonNode> alerts(String query) throws Exception {
    HttpResponse<String> r = get("/alerts" + query);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<JsonNode> out = new ArrayList<>();
    json.readTree(r.body()).forEach(out::add);
    return out;
  }

  /** Returns whether the ids, newest first, count down by one to 1. */
  private static boolean contiguous(List<JsonNode> alerts) {
    List<String> ids = ids(alerts);
    for (int i = 0; i < ids.size(); i++) {
      if (!ids.get(i).equals(Integer.toString(ids.size() - i))) {
        return false;
      }
    }
    return true;
  }

  private static List<String> ids(List<JsonNode> alerts) {
    return alerts.stream().map(a -> a.path("vigil").path("id").asText()).toList();
  }

  private static List<String> idsOf(List<JsonNode> all, Predicate<JsonNode> keep) {
    return ids(all.stream().filter(keep).toList());
  }

  private void checkFiltersAndPaging() throws Exception {
    waitUntilCaptureFinished(http, base());
    // An alert with a decision is stored once the decision's backends answered (on their own
    // threads): wait (at most 10 s) until no id is missing below the highest.
    List<JsonNode> all = alerts("?limit=10000");
    for (int i = 0; i < 200 && !contiguous(all); i++) {
      Thread.sleep(50);
      all = alerts("?limit=10000");
    }
    assertThat(all).hasSizeGreaterThanOrEqualTo(3);
    List<Long> numeric = ids(all).stream().map(Long::parseLong).toList();
    assertThat(numeric).isSortedAccordingTo((a, b) -> Long.compare(b, a)); // newest first

    // Each filter answers exactly the alerts it selects, in the same order.
    assertThat(ids(alerts("?limit=10000&src=" + ATTACKER)))
        .isNotEmpty()
        .isEqualTo(idsOf(all, a -> ATTACKER.equals(a.path("src_ip").asText())));
    for (String sev : SEVERITIES) {
      int rank = SEVERITIES.indexOf(sev);
      assertThat(ids(alerts("?limit=10000&severity=" + sev.toUpperCase())))
          .as("severity=%s", sev)
          .isEqualTo(
              idsOf(
                  all, a -> SEVERITIES.indexOf(a.path("vigil").path("severity").asText()) >= rank));
    }
    for (String det : List.of("ensemble", "beacon", "auth", "telemetry")) {
      assertThat(ids(alerts("?limit=10000&detector=" + det)))
          .as("detector=%s", det)
          .isEqualTo(idsOf(all, a -> det.equals(a.path("vigil").path("detector").asText())));
    }
    assertThat(alerts("?since=" + Instant.now().plusSeconds(3600))).isEmpty();
    assertThat(ids(alerts("?limit=10000&since=2000-01-01T00:00:00Z"))).isEqualTo(ids(all));
    assertThat(ids(alerts("?limit=10000&before=" + numeric.get(0))))
        .isEqualTo(ids(all).subList(1, all.size()));

    // Paging by two: the Link header's next pages walk the whole list, then stop.
    List<String> walked = new ArrayList<>();
    String next = "/alerts?limit=2";
    int pages = 0;
    while (next != null) {
      HttpResponse<String> r = get(next);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      List<JsonNode> page = new ArrayList<>();
      json.readTree(r.body()).forEach(page::add);
      assertThat(page).hasSizeLessThanOrEqualTo(2).isNotEmpty();
      walked.addAll(ids(page));
      next = null;
      String link = r.headers().firstValue("Link").orElse(null);
      if (link != null) {
        Matcher m = NEXT.matcher(link);
        assertThat(m.matches()).as(link).isTrue();
        next = m.group(1);
        assertThat(next).contains("limit=2").contains("before=" + walked.get(walked.size() - 1));
      }
      pages++;
    }
    assertThat(walked).isEqualTo(ids(all));
    assertThat(pages).isEqualTo((all.size() + 1) / 2);
    // A filtered walk keeps its filter in the link.
    HttpResponse<String> filtered = get("/alerts?limit=1&src=" + ATTACKER);
    if (idsOf(all, a -> ATTACKER.equals(a.path("src_ip").asText())).size() > 1) {
      assertThat(filtered.headers().firstValue("Link").orElseThrow()).contains("src=" + ATTACKER);
    }
  }

  @Test
  void filtersAndPaging_fromTheMitigationStore() throws Exception {
    ctx = VigilDaemon.start(ConfigLoader.load(writeConfig(tmp, true, null)));
    checkFiltersAndPaging();
  }

  @Test
  void filtersAndPaging_fromMemory() throws Exception {
    ctx = VigilDaemon.start(ConfigLoader.load(writeConfig(tmp, false, null)));
    checkFiltersAndPaging();

    // Bad parameters: 400 naming each problem, and nothing else.
    HttpResponse<String> r =
        get("/alerts?since=yesterday&severity=urgent&detector=x&src=10.0.0.300&before=-3&limit=0");
    assertThat(r.statusCode()).isEqualTo(400);
    String error = json.readTree(r.body()).path("error").asText();
    assertThat(error)
        .contains("since must be an ISO-8601 instant")
        .contains("severity must be one of low, medium, high, critical, was 'urgent'")
        .contains("detector must be one of ensemble, beacon, auth, telemetry")
        .contains("src must be an IPv4 or IPv6 address")
        .contains("before must be an alert id")
        .contains("limit must be an integer between 1 and 10000, was '0'");
    assertThat(get("/alerts?limit=10001").statusCode()).isEqualTo(400);
    assertThat(get("/alerts?before=abc").statusCode()).isEqualTo(400);
  }
}
