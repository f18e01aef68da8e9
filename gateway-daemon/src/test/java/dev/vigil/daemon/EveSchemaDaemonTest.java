package dev.vigil.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.vigil.daemon.alerts.EveCheck;
import dev.vigil.daemon.config.ConfigLoader;
import io.micronaut.context.ApplicationContext;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the daemon on the embedded demo with mitigation applying decisions (the {@code log} backend)
 * and checks every line of its eve log against Suricata's schema ({@code
 * ../shared/schemas/suricata-eve.schema.json}, the {@code vigil} key set aside) and Vigil's own
 * extension schema ({@link EveCheck}): alerts, blocked and allowed, and decision events made,
 * applied, lifted and expired. Without the shared schema the test is skipped, except in CI.
 */
class EveSchemaDaemonTest {
  private static final String TOKEN = "test-token-eve-1";
  private static final String ATTACKER = "10.77.0.66"; // demo-labels.csv
  private static final String SENSOR = "gw-test-1";

  private final HttpClient http = HttpClient.newHttpClient();
  private ApplicationContext ctx;
  private JsonMapper json;
  private EveCheck check;

  @TempDir Path tmp;

  @BeforeEach
  void schema() throws Exception {
    Optional<Path> s = EveCheck.suricataSchema();
    if (s.isEmpty()) {
      String why =
          "Suricata's schema (../shared/schemas/"
              + EveCheck.SURICATA_SCHEMA
              + ") not found; set -Dvigil.shared.schemas=DIR";
      if ("true".equals(System.getenv("CI"))) {
        fail(why + " (required in CI)");
      }
      Assumptions.abort(why);
    }
    check = EveCheck.load(s.get());
  }

  @AfterEach
  void stop() {
    if (ctx != null) {
      ctx.close();
    }
  }

  private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return http.send(
        b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create(ctx.getBean(EmbeddedServer.class).getURL() + path);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)));
  }

  private String decide(String ip, String ttl) throws Exception {
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(uri("/decisions"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + TOKEN)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"scope\":\"ip\",\"value\":\""
                            + ip
                            + "\",\"action\":\"quarantine\",\"ttl\":\""
                            + ttl
                            + "\",\"reason\":\"test\"}")));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return (String) map(r.body()).get("id");
  }

  private Map<String, Object> map(String s) throws Exception {
    return json.readValue(s, Argument.mapOf(String.class, Object.class));
  }

  private List<Map<String, Object>> list(String s) throws Exception {
    return json.readValue(s, Argument.listOf(Argument.mapOf(String.class, Object.class)));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> at(Map<String, Object> m, String key) {
    return (Map<String, Object>) m.getOrDefault(key, Map.of());
  }

  private Path start() throws Exception {
    Files.writeString(
        tmp.resolve("policy.yaml"),
        String.join(
            "\n",
            "dry-run: false",
            "max-decisions-per-minute: 100",
            "rules:",
            "  - name: quarantine-initiators",
            "    match: {kind: packet, scope: ip, role: initiator}",
            "    action: quarantine",
            "    duration: 1h",
            "  - name: watch-responders", // simulated: their alerts stay allowed
            "    match: {kind: packet, scope: ip, role: responder}",
            "    action: quarantine",
            "    duration: 1h",
            "    dry-run: true",
            ""));
    Files.writeString(tmp.resolve("token"), TOKEN + "\n");
    Path eve = tmp.resolve("log/eve.json");
    Path cfg = tmp.resolve("vigil.yaml");
    Files.writeString(
        cfg,
        String.join(
            "\n",
            "api: {host: 127.0.0.1, port: 0}",
            "capture: {pcap: classpath:demo/demo-attack.pcap}",
            "model:",
            "  train-pcaps: [classpath:demo/demo-benign.pcap]",
            // the model is not under test: a small one trains in seconds
            "  autoencoder: {hidden: 16, bottleneck: 4, epochs: 5}",
            "  lstm: {enabled: false}",
            "  forest: {trees: 30}",
            "alerts:",
            "  eve-log: " + eve,
            "  host: " + SENSOR,
            "mitigation:",
            "  policy: policy.yaml",
            "  store: " + tmp.resolve("state/vigil.db"),
            "  token-file: token",
            "  sweep: 200ms",
            "  actions: {quarantine: [log]}",
            ""));
    ctx = VigilDaemon.start(ConfigLoader.load(cfg));
    json = ctx.getBean(JsonMapper.class);
    return eve;
  }

  /** Waits until the capture is read and every alert is decided on and stored. */
  private int waitUntilAlertsSettled() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    int last = -1;
    while (System.nanoTime() < deadline) {
      Map<String, Object> capture = at(at(map(get("/health").body()), "components"), "capture");
      boolean finished = "finished".equals(at(capture, "details").get("state"));
      assertThat(capture.get("status")).as("capture: %s", capture).isNotEqualTo("DOWN");
      int n = list(get("/alerts?limit=10000").body()).size();
      if (finished && n > 0 && n == last) {
        return n;
      }
      last = finished ? n : -1;
      Thread.sleep(300);
    }
    throw new AssertionError("the capture's alerts did not settle within 120 s");
  }

  @Test
  void everyEveLineValidatesAgainstSuricatasSchemaAndVigilsExtension() throws Exception {
    Path eve = start();
    int alerts = waitUntilAlertsSettled();
    // Decisions of an operator: one lifted, one left to expire.
    String lifted = decide("10.0.0.8", "10m");
    HttpResponse<String> del =
        send(
            HttpRequest.newBuilder(uri("/decisions/" + lifted))
                .header("Authorization", "Bearer " + TOKEN)
                .DELETE());
    assertThat(del.statusCode()).as(del.body()).isIn(200, 204);
    String expiring = decide("10.0.0.9", "1s");
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (list(get("/decisions?all=true").body()).stream()
        .noneMatch(d -> expiring.equals(d.get("id")) && "expired".equals(d.get("state")))) {
      assertThat(System.nanoTime()).as("decision never expired").isLessThan(deadline);
      Thread.sleep(100);
    }
    Thread.sleep(300); // the sweep writes its event after marking the store
    String health = get("/health").body();
    assertThat(at(at(map(health), "components"), "eve").get("status")).as(health).isEqualTo("UP");
    ctx.close(); // drains the mitigation worker, then the eve writer
    ctx = null;

    List<String> lines = Files.readAllLines(eve);
    List<String> invalid = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      List<String> problems = check.problems(lines.get(i));
      if (!problems.isEmpty()) {
        invalid.add(
            "line " + (i + 1) + ": " + lines.get(i) + "\n  " + String.join("\n  ", problems));
      }
    }
    if (!invalid.isEmpty()) {
      invalid.forEach(System.err::println);
    }
    assertThat(invalid).as("eve lines that do not validate (printed above)").isEmpty();

    JsonMapper mapper = JsonMapper.createDefault();
    List<Map<String, Object>> events = new ArrayList<>();
    for (String l : lines) {
      events.add(mapper.readValue(l, Argument.mapOf(String.class, Object.class)));
    }
    assertThat(events).allSatisfy(e -> assertThat(e.get("host")).isEqualTo(SENSOR));
    List<Map<String, Object>> alertEvents =
        events.stream().filter(e -> "alert".equals(e.get("event_type"))).toList();
    List<Map<String, Object>> decisionEvents =
        events.stream().filter(e -> "vigil_decision".equals(e.get("event_type"))).toList();
    assertThat(alertEvents).as("one eve line per alert").hasSize(alerts);
    assertThat(alertEvents.size() + decisionEvents.size()).isEqualTo(events.size());

    // The attacker's alerts were blocked (a quarantine applied by the log backend), each followed
    // by its decision's made and applied events naming it; the other alerts say allowed.
    Map<String, String> actionById = new java.util.HashMap<>();
    for (Map<String, Object> a : alertEvents) {
      actionById.put((String) at(a, "vigil").get("id"), (String) at(a, "alert").get("action"));
      assertThat(at(a, "alert")).containsEntry("gid", 1).containsEntry("rev", 1);
    }
    assertThat(alertEvents)
        .anyMatch(
            a ->
                ATTACKER.equals(a.get("src_ip")) && "blocked".equals(at(a, "alert").get("action")));
    assertThat(actionById.values()).containsOnly("allowed", "blocked");
    // Once quarantined, the attacker's later alerts say blocked too (the decision is in force).
    long firstBlocked =
        alertEvents.stream()
            .filter(a -> "blocked".equals(at(a, "alert").get("action")))
            .mapToLong(a -> Long.parseLong((String) at(a, "vigil").get("id")))
            .min()
            .orElseThrow();
    assertThat(alertEvents)
        .filteredOn(
            a ->
                ATTACKER.equals(a.get("src_ip"))
                    && Long.parseLong((String) at(a, "vigil").get("id")) > firstBlocked)
        .isNotEmpty()
        .allSatisfy(a -> assertThat(at(a, "alert")).containsEntry("action", "blocked"));
    TreeSet<String> kinds = new TreeSet<>();
    for (Map<String, Object> d : decisionEvents) {
      Map<String, Object> decision = at(at(d, "vigil"), "decision");
      kinds.add((String) decision.get("event"));
      String alertId = (String) decision.get("alert_id");
      if ("applied".equals(decision.get("event")) && alertId != null) {
        assertThat(actionById.get(alertId)).as("alert %s", alertId).isEqualTo("blocked");
      }
      if (Boolean.TRUE.equals(decision.get("simulated")) && alertId != null) {
        assertThat(actionById.get(alertId)).as("alert %s", alertId).isEqualTo("allowed");
      }
    }
    assertThat(kinds).containsExactly("applied", "expired", "lifted", "made");
    // The alert that made the quarantine comes first, then its decision's made and applied events.
    String firstId = Long.toString(firstBlocked);
    int first = indexOfAlert(events, firstId);
    assertThat(decisionOf(events.get(first + 1)))
        .containsEntry("event", "made")
        .containsEntry("alert_id", firstId)
        .containsEntry("simulated", false);
    assertThat(decisionOf(events.get(first + 2)))
        .containsEntry("event", "applied")
        .containsEntry("alert_id", firstId)
        .containsEntry("backends", List.of("log"));
    System.out.printf(
        "eve schema: %d lines valid: %d alerts (%d blocked), %d decision events %s%n",
        lines.size(),
        alertEvents.size(),
        actionById.values().stream().filter("blocked"::equals).count(),
        decisionEvents.size(),
        kinds);

    // The command the lab runs on its log (scripts/check-eve) agrees, and names a bad line.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(
            EveCheck.run(
                new String[] {eve.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)))
        .as(err.toString(StandardCharsets.UTF_8))
        .isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains(lines.size() + " event(s)");
    Path bad = tmp.resolve("bad.json");
    Files.writeString(
        bad, lines.get(0).replace("\"event_type\"", "\"colour\":\"red\",\"event_type\"") + "\n");
    err.reset();
    assertThat(
            EveCheck.run(
                new String[] {bad.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)))
        .isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("bad.json:1:", "colour");
  }

  private static int indexOfAlert(List<Map<String, Object>> events, String id) {
    for (int i = 0; i < events.size(); i++) {
      if ("alert".equals(events.get(i).get("event_type"))
          && id.equals(at(events.get(i), "vigil").get("id"))) {
        return i;
      }
    }
    throw new AssertionError("no alert " + id);
  }

  private static Map<String, Object> decisionOf(Map<String, Object> event) {
    return at(at(event, "vigil"), "decision");
  }
}
