package dev.vigil.daemon;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the real daemon with a {@code mitigation} section on the embedded demo capture and checks
 * {@code /decisions}, {@code /alerts}, {@code /health} and the metrics over HTTP: authentication,
 * validation, restarts on the same store, and dry runs.
 */
class MitigationDaemonTest {
  private static final String TOKEN = "test-token-6f1c";
  private static final String ATTACKER = "10.77.0.66"; // demo-labels.csv

  /** The attacker's MAC: a LAN sender (bound by the capture's ARP) is decided on by its MAC. */
  private static final String ATTACKER_MAC = "02:00:00:00:00:66";

  private final HttpClient http = HttpClient.newHttpClient();
  private ApplicationContext ctx;
  private JsonMapper json;
  private String extraMitigation = "";

  @TempDir Path tmp;

  @AfterEach
  void stop() {
    if (ctx != null) {
      ctx.close();
      ctx = null;
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** Writes the policy, token and configuration; returns the configuration file. */
  private Path config(boolean dryRun, boolean withToken, String backends, String mitigators)
      throws Exception {
    Files.writeString(
        tmp.resolve("policy.yaml"),
        String.join(
            "\n",
            "dry-run: " + dryRun,
            "max-decisions-per-minute: 100",
            "allowlist:",
            "  addresses: [10.99.0.0/16]",
            "rules:",
            "  - name: quarantine-anomalous-hosts",
            "    match: {kind: packet, scope: ip}",
            "    action: quarantine",
            "    duration: 1h",
            ""));
    if (withToken) {
      Files.writeString(tmp.resolve("token"), TOKEN + "\n");
    }
    Path cfg = tmp.resolve("vigil.yaml");
    Files.writeString(
        cfg,
        String.join(
            "\n",
            "api: {host: 127.0.0.1, port: 0}",
            "capture: {pcap: classpath:demo/demo-attack.pcap}",
            "model:",
            "  bundle: " + tmp.resolve("model.vigil"),
            "  train-pcaps: [classpath:demo/demo-benign.pcap]",
            // the model is not under test: a small one trains in seconds
            "  autoencoder: {hidden: 16, bottleneck: 4, epochs: 5}",
            "  lstm: {enabled: false}",
            "  forest: {trees: 30}",
            "mitigation:",
            "  policy: policy.yaml",
            "  store: " + tmp.resolve("state/vigil.db"),
            withToken ? "  token-file: token" : "",
            "  sweep: 200ms",
            "  actions: {quarantine: " + backends + "}",
            mitigators.isEmpty() ? "" : "  mitigators: " + mitigators,
            extraMitigation,
            ""));
    return cfg;
  }

  private void start(Path cfg) throws Exception {
    ctx = VigilDaemon.start(ConfigLoader.load(cfg));
    json = ctx.getBean(JsonMapper.class);
  }

  private String base() {
    return ctx.getBean(EmbeddedServer.class).getURL().toString();
  }

  private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return http.send(
        b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(base() + path)));
  }

  private HttpResponse<String> post(String body, String token) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base() + "/decisions"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return send(b);
  }

  private HttpResponse<String> delete(String id, String token) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base() + "/decisions/" + id)).DELETE();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return send(b);
  }

  private static String body(String scope, String value, String ttl) {
    return "{\"scope\":\""
        + scope
        + "\",\"value\":\""
        + value
        + "\",\"action\":\"quarantine\",\"ttl\":\""
        + ttl
        + "\",\"reason\":\"test\"}";
  }

  private Map<String, Object> map(String s) throws Exception {
    return json.readValue(s, Argument.mapOf(String.class, Object.class));
  }

  private List<Map<String, Object>> list(String s) throws Exception {
    return json.readValue(s, Argument.listOf(Argument.mapOf(String.class, Object.class)));
  }

  private List<Map<String, Object>> decisions(String query) throws Exception {
    HttpResponse<String> r = get("/decisions" + query);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return list(r.body());
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> component(String name) throws Exception {
    Map<String, Object> h = map(get("/health").body());
    return (Map<String, Object>) ((Map<String, Object>) h.get("components")).get(name);
  }

  /** Waits (at most 60 s) until the capture is read to its end; returns the health document. */
  @SuppressWarnings("unchecked")
  private void waitUntilCaptureFinished() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    for (int i = 0; i < 600 && System.nanoTime() < deadline; i++) {
      Map<String, Object> capture = component("capture");
      Map<String, Object> details = (Map<String, Object>) capture.get("details");
      if ("DOWN".equals(capture.get("status")) || "finished".equals(details.get("state"))) {
        assertThat(capture.get("status")).isEqualTo("UP");
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("capture did not finish within 60 s");
  }

  /**
   * Waits (at most {@code max}, polling every 20 ms) until {@code check} holds; a check that throws
   * counts as not yet, but the last one's exception is thrown.
   */
  private static boolean waitFor(Duration max, java.util.concurrent.Callable<Boolean> check)
      throws Exception {
    long end = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < end) {
      try {
        if (check.call()) {
          return true;
        }
      } catch (Exception | AssertionError e) {
        // not there yet (a table not yet created, say): try again
      }
      Thread.sleep(20);
    }
    return check.call();
  }

  /** Returns decision {@code id}'s backends as {@code backend=state}, in the action's order. */
  @SuppressWarnings("unchecked")
  private static List<String> backendStates(Map<String, Object> decision) {
    return ((List<Map<String, Object>>) decision.get("backends"))
        .stream().map(b -> b.get("backend") + "=" + b.get("state")).toList();
  }

  private Map<String, Object> decision(String id) throws Exception {
    return decisions("?all=true").stream()
        .filter(d -> id.equals(d.get("id")))
        .findFirst()
        .orElseThrow();
  }

  // ---- tests ---------------------------------------------------------------------------------

  @Test
  @SuppressWarnings("unchecked")
  void decisionsNeedTheTokenAreValidatedAndAppliedThenLifted() throws Exception {
    Path markers = Files.createDirectories(tmp.resolve("applied"));
    start(
        config(
            false,
            true,
            "[exec, log]",
            "{exec: {apply: [/usr/bin/touch, '" + markers + "/{value}']}}"));

    // Without a token, or with a wrong one: 401, and nothing is stored.
    HttpResponse<String> r = post(body("ip", "10.0.0.5", "10m"), null);
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate")).contains("Bearer");
    assertThat(map(r.body()).get("error")).asString().contains("bearer token is required");
    assertThat(post(body("ip", "10.0.0.5", "10m"), "wrong").statusCode()).isEqualTo(401);
    assertThat(post(body("ip", "10.0.0.5", "10m"), TOKEN + "x").statusCode()).isEqualTo(401);
    assertThat(delete("00000000-0000-0000-0000-000000000000", null).statusCode()).isEqualTo(401);
    // Other spellings of the same route are refused too (or are no route at all): the filter
    // guards the route the router matched, not a path pattern.
    for (String path : List.of("/decisions/", "//decisions", "/./decisions", "/decisions?x=1")) {
      HttpResponse<String> other =
          send(
              HttpRequest.newBuilder(URI.create(base() + path))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body("ip", "10.0.0.5", "10m"))));
      assertThat(other.statusCode()).as("POST " + path).isIn(401, 404, 405);
    }
    assertThat(decisions("")).noneMatch(d -> "10.0.0.5".equals(d.get("value")));

    // With the token: 201 with the decision, applied (the exec backend's marker), listed.
    r = post(body("ip", "10.0.0.5", "10m"), TOKEN);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    Map<String, Object> made = map(r.body());
    String id = (String) made.get("id");
    assertThat(made)
        .containsEntry("scope", "ip")
        .containsEntry("value", "10.0.0.5")
        .containsEntry("action", "quarantine")
        .containsEntry("origin", "manual")
        .containsEntry("simulated", false)
        .containsEntry("state", "live");
    assertThat(((Number) made.get("ttl_seconds")).longValue()).isEqualTo(600);
    assertThat(r.headers().firstValue("Location")).contains("/decisions/" + id);
    // each backend's state when stored (pending, or applied already), then applied
    List<String> whenStored = backendStates(made);
    assertThat(whenStored).hasSize(2);
    assertThat(whenStored.get(0)).matches("exec=(pending|applied)");
    assertThat(whenStored.get(1)).matches("log=(pending|applied)");
    assertThat(waitFor(Duration.ofSeconds(5), () -> Files.exists(markers.resolve("10.0.0.5"))))
        .isTrue();
    assertThat(
            waitFor(
                Duration.ofSeconds(5),
                () -> backendStates(decision(id)).equals(List.of("exec=applied", "log=applied"))))
        .as("%s", decision(id))
        .isTrue();
    assertThat(decisions("")).anyMatch(d -> id.equals(d.get("id")));

    // Values are canonicalised; ambiguous ones (leading zeros, read as octal by some tools)
    // refused.
    r = post(body("ip", "FD00:0:0:0:0:0:0:5", "1h"), TOKEN);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    assertThat(map(r.body())).containsEntry("value", "fd00::5");
    assertThat(post(body("ip", "010.000.000.007", "1h"), TOKEN).statusCode()).isEqualTo(400);

    // Bad bodies: 400 with the reason, nothing stored, the daemon keeps serving.
    Map<String, String> bad =
        Map.of(
            body("host", "10.0.0.6", "10m"),
            "scope: unknown value [host]",
            body("ip", "1.2.3.4; reboot", "10m"),
            "value:",
            "{\"scope\":\"ip\",\"value\":\"10.0.0.6\",\"action\":\"quarantine\"}",
            "ttl: required",
            body("ip", "10.0.0.6", "400d"),
            "ttl: must be between 1s and",
            body("ip", "10.0.0.6", "soon"),
            "ttl: expected a duration",
            "not json at all",
            "not valid JSON",
            "[1,2]",
            "expected a JSON object",
            "{\"scope\":\"ip\",\"value\":\"10.0.0.6\",\"ttl\":\"1m\",\"colour\":\"red\"}",
            "colour: unknown field",
            "",
            "a JSON object is required");
    for (Map.Entry<String, String> e : bad.entrySet()) {
      r = post(e.getKey(), TOKEN);
      assertThat(r.statusCode()).as("%s -> %s", e.getKey(), r.body()).isEqualTo(400);
      assertThat(map(r.body()).get("error")).asString().contains(e.getValue());
    }
    // Several problems are reported at once.
    r = post("{\"scope\":\"vlan\",\"ttl\":\"forever\"}", TOKEN);
    assertThat(map(r.body()).get("error"))
        .asString()
        .contains("scope: unknown value")
        .contains("value: required")
        .contains("ttl: expected a duration");
    assertThat(decisions("")).noneMatch(d -> "10.0.0.6".equals(d.get("value")));

    // Allowlisted (policy, and the gateway's own addresses): 409 with the reason.
    r = post(body("ip", "10.99.1.1", "10m"), TOKEN);
    assertThat(r.statusCode()).isEqualTo(409);
    assertThat(map(r.body()).get("error")).asString().contains("is allowlisted");
    assertThat(post(body("ip", "127.0.0.1", "10m"), TOKEN).statusCode()).isEqualTo(409);
    assertThat(post(body("cidr", "10.99.0.0/24", "10m"), TOKEN).statusCode()).isEqualTo(409);

    // Lift: 204, then gone (and 404 a second time); ?all=true still shows it, as lifted.
    assertThat(delete(id, "wrong").statusCode()).isEqualTo(401);
    assertThat(delete(id, TOKEN).statusCode()).isEqualTo(204);
    assertThat(decisions("")).noneMatch(d -> id.equals(d.get("id")));
    assertThat(delete(id, TOKEN).statusCode()).isEqualTo(404);
    assertThat(delete("-not-an-id", TOKEN).statusCode()).isEqualTo(400);
    assertThat(decisions("?all=true"))
        .anyMatch(d -> id.equals(d.get("id")) && "lifted".equals(d.get("state")));
    assertThat(get("/decisions?all=maybe").statusCode()).isEqualTo(400);

    Map<String, Object> mitigation = component("mitigation");
    assertThat(mitigation.get("status")).isEqualTo("UP");
    Map<String, Object> details = (Map<String, Object>) mitigation.get("details");
    assertThat((Map<String, Object>) details.get("backends")).containsOnlyKeys("exec", "log");
    assertThat(details.get("mutations")).isEqualTo("enabled");

    String prom = get("/prometheus").body();
    assertThat(prom)
        .contains(
            "vigil_decisions_total{action=\"quarantine\",origin=\"manual\",simulated=\"false\"}")
        .contains("vigil_decisions_requests_refused_total{reason=\"unauthorized\"}")
        .contains("vigil_decisions_requests_refused_total{reason=\"invalid\"}")
        .contains("vigil_decisions_requests_refused_total{reason=\"allowlisted\"}")
        .contains("vigil_mitigator_failures_total{type=\"exec\"} 0.0");
    assertThat(get("/health").statusCode()).isIn(200, 503); // capture/model may still be starting
  }

  @Test
  void anOversizedBodyIsRefusedWith413AndTheDaemonStaysHealthy() throws Exception {
    start(config(false, true, "[log]", ""));
    String big = "{\"reason\":\"" + "x".repeat(1 << 20) + "\"}";
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = post(big, TOKEN);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
    }
    // a request of ordinary size still works, and the daemon answers its health
    HttpResponse<String> ok = post(body("ip", "10.0.0.5", "10m"), TOKEN);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);
    assertThat(get("/health").statusCode()).isIn(200, 503); // capture/model may still be starting
  }

  @Test
  void aReadTokenGuardsEveryReadButHealth() throws Exception {
    Path cfg = config(false, true, "[log]", "");
    Files.writeString(tmp.resolve("read-token"), "reader-7f3a\n");
    Files.writeString(
        cfg,
        Files.readString(cfg)
            .replace(
                "api: {host: 127.0.0.1, port: 0}",
                "api: {host: 127.0.0.1, port: 0, read-token-file: read-token}"));
    start(cfg);
    for (String path : List.of("/alerts", "/decisions", "/metrics", "/prometheus", "/nothing")) {
      HttpResponse<String> none = get(path);
      assertThat(none.statusCode()).as(path).isEqualTo(401);
      assertThat(none.headers().firstValue("WWW-Authenticate")).as(path).contains("Bearer");
      HttpResponse<String> wrong =
          send(
              HttpRequest.newBuilder(URI.create(base() + path))
                  .header("Authorization", "Bearer " + TOKEN));
      assertThat(wrong.statusCode()).as(path).isEqualTo(401);
      HttpResponse<String> right =
          send(
              HttpRequest.newBuilder(URI.create(base() + path))
                  .header("Authorization", "Bearer reader-7f3a"));
      assertThat(right.statusCode()).as(path).isEqualTo("/nothing".equals(path) ? 404 : 200);
    }
    assertThat(get("/health").statusCode()).isIn(200, 503); // open: capture/model may be starting
    // mutations still need the mutation token, not the read one
    assertThat(post(body("ip", "10.0.0.5", "10m"), "reader-7f3a").statusCode()).isEqualTo(401);

    // the operator's commands send the read token from the configuration
    int port = ctx.getBean(EmbeddedServer.class).getPort();
    Path cli = tmp.resolve("cli.yaml");
    Files.writeString(cli, Files.readString(cfg).replace("port: 0,", "port: " + port + ","));
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cl = new picocli.CommandLine(new dev.vigil.daemon.cli.VigilCli());
    cl.setOut(new java.io.PrintWriter(new java.io.StringWriter()));
    cl.setErr(new java.io.PrintWriter(err, true));
    assertThat(cl.execute("alerts", "-c", cli.toString(), "--json")).as(err.toString()).isZero();
    Path noToken = tmp.resolve("cli-no-read-token.yaml");
    Files.writeString(noToken, Files.readString(cli).replace(", read-token-file: read-token", ""));
    assertThat(cl.execute("alerts", "-c", noToken.toString(), "--json")).isNotZero();
    assertThat(err.toString()).contains("401");
  }

  @Test
  void withoutATokenFileMutationsAreForbidden() throws Exception {
    start(config(false, false, "[log]", ""));
    HttpResponse<String> r = post(body("ip", "10.0.0.5", "10m"), TOKEN);
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(map(r.body()).get("error")).asString().contains("no mitigation.token-file");
    assertThat(delete("abc", TOKEN).statusCode()).isEqualTo(403);
    assertThat(get("/decisions").statusCode()).isEqualTo(200);
  }

  @Test
  void anEmptyTokenFileForbidsMutations() throws Exception {
    Path cfg = config(false, true, "[log]", "");
    Files.writeString(tmp.resolve("token"), "  \n");
    start(cfg);
    HttpResponse<String> r = post(body("ip", "10.0.0.5", "10m"), "");
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(map(r.body()).get("error")).asString().contains("is empty");
  }

  @Test
  void aRestartKeepsLiveDecisionsAndAlertsAndForgetsExpiredOnes() throws Exception {
    Path cfg = config(false, true, "[log]", "");
    start(cfg);
    waitUntilCaptureFinished();
    HttpResponse<String> r = post(body("ip", "10.0.0.5", "2h"), TOKEN);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    String longId = (String) map(r.body()).get("id");
    r = post(body("ip", "10.0.0.9", "2s"), TOKEN);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    Map<String, Object> shortOne = map(r.body());
    String shortId = (String) shortOne.get("id");

    // The demo's attacker was alerted on, and the policy quarantined it.
    List<Map<String, Object>> alertsBefore = waitForStoredAlerts();
    assertThat(alertsBefore).anyMatch(a -> ATTACKER.equals(a.get("src_ip")));
    assertThat(decisions(""))
        .anyMatch(d -> ATTACKER_MAC.equals(d.get("value")) && "detector".equals(d.get("origin")));
    List<String> idsBefore = alertIds(alertsBefore);

    ctx.close();
    ctx = null;
    Instant expires = Instant.parse((String) shortOne.get("expires"));
    long waitMs = Duration.between(Instant.now(), expires).toMillis() + 300;
    if (waitMs > 0) {
      Thread.sleep(Math.min(waitMs, 5000));
    }

    start(cfg);
    List<Map<String, Object>> live = decisions("");
    assertThat(live).anyMatch(d -> longId.equals(d.get("id")));
    assertThat(live).noneMatch(d -> shortId.equals(d.get("id")));
    assertThat(live).anyMatch(d -> ATTACKER_MAC.equals(d.get("value")));
    assertThat(decisions("?all=true"))
        .anyMatch(d -> shortId.equals(d.get("id")) && "expired".equals(d.get("state")));
    // Alerts raised before the restart are still served.
    HttpResponse<String> alerts = get("/alerts?limit=1000");
    assertThat(alerts.statusCode()).isEqualTo(200);
    assertThat(alertIds(list(alerts.body()))).containsAll(idsBefore);

    // This run's alerts continue the ids instead of reusing them.
    waitUntilCaptureFinished();
    List<Map<String, Object>> after = waitForStoredAlerts(idsBefore.size() + 1);
    assertThat(alertIds(after)).doesNotHaveDuplicates().containsAll(idsBefore);
  }

  @SuppressWarnings("unchecked")
  private static List<String> alertIds(List<Map<String, Object>> alerts) {
    return alerts.stream()
        .map(a -> (String) ((Map<String, Object>) a.get("vigil")).get("id"))
        .toList();
  }

  private List<Map<String, Object>> waitForStoredAlerts() throws Exception {
    return waitForStoredAlerts(1);
  }

  /** Waits (at most 10 s) for at least {@code n} alerts on /alerts. */
  private List<Map<String, Object>> waitForStoredAlerts(int n) throws Exception {
    List<Map<String, Object>> alerts = List.of();
    for (int i = 0; i < 100; i++) {
      alerts = list(get("/alerts?limit=1000").body());
      if (alerts.size() >= n) {
        return alerts;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("fewer than " + n + " alerts after 10 s: " + alerts.size());
  }

  @Test
  void aDryRunPolicyStoresSimulatedDecisionsAndAppliesNothing() throws Exception {
    Path markers = Files.createDirectories(tmp.resolve("applied"));
    start(
        config(
            true, true, "[exec]", "{exec: {apply: [/usr/bin/touch, '" + markers + "/{value}']}}"));
    waitUntilCaptureFinished();
    HttpResponse<String> r = post(body("ip", "10.0.0.5", "10m"), TOKEN);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    assertThat(map(r.body())).containsEntry("simulated", true);
    waitForStoredAlerts();
    List<Map<String, Object>> live = List.of();
    for (int i = 0;
        i < 300;
        i++) { // bounded: 30 s; the alerts are decided in order, the attacker's later
      live = decisions("");
      if (live.stream().anyMatch(d -> ATTACKER_MAC.equals(d.get("value")))) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(live).anyMatch(d -> ATTACKER_MAC.equals(d.get("value")));
    assertThat(live).isNotEmpty().allSatisfy(d -> assertThat(d).containsEntry("simulated", true));
    try (Stream<Path> applied = Files.list(markers)) {
      assertThat(applied).isEmpty();
    }
    assertThat(get("/prometheus").body())
        .contains(
            "vigil_decisions_total{action=\"quarantine\",origin=\"detector\",simulated=\"true\"}");
  }

  @Test
  @SuppressWarnings("unchecked")
  void aBrokenBackendIsCountedAndDegradesHealthWithoutStoppingTheOthers() throws Exception {
    start(
        config(
            false, true, "[exec, log]", "{exec: {apply: [/nonexistent/vigil/block, '{value}']}}"));
    HttpResponse<String> r = post(body("ip", "10.0.0.5", "10m"), TOKEN);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201); // stored; the log backend applies it
    String id = (String) map(r.body()).get("id");
    assertThat(decisions("")).anyMatch(d -> "10.0.0.5".equals(d.get("value")));
    // the exec backend's failure is recorded with its error and retried; log applied it
    assertThat(
            waitFor(
                Duration.ofSeconds(10),
                () -> backendStates(decision(id)).equals(List.of("exec=failed", "log=applied"))))
        .as("%s", decision(id))
        .isTrue();
    @SuppressWarnings("unchecked")
    Map<String, Object> execOutcome =
        ((List<Map<String, Object>>) decision(id).get("backends")).get(0);
    assertThat(execOutcome.get("error")).asString().contains("/nonexistent/vigil/block");
    assertThat(((Number) execOutcome.get("attempts")).intValue()).isPositive();
    assertThat(get("/prometheus").body())
        .containsPattern("vigil_decision_apply_failures_total\\{backend=\"exec\"\\} [1-9]")
        .contains("vigil_decision_apply_failures_total{backend=\"log\"} 0.0");
    Map<String, Object> mitigation = component("mitigation");
    assertThat(mitigation.get("status")).isEqualTo("DEGRADED");
    Map<String, Object> exec =
        (Map<String, Object>)
            ((Map<String, Object>)
                    ((Map<String, Object>) mitigation.get("details")).get("backends"))
                .get("exec");
    assertThat(exec.get("status")).isEqualTo("DOWN");
    assertThat(exec.get("error")).asString().contains("is not executable");
    assertThat(((Number) exec.get("failures")).longValue()).isPositive();
    assertThat(get("/health").statusCode()).isEqualTo(503);
    assertThat(get("/prometheus").body())
        .doesNotContain("vigil_mitigator_failures_total{type=\"exec\"} 0.0");
  }

  @Test
  void aDeadWebhookDelaysNeitherTheOtherBackendNorTheAnswerNorTheAlerts() throws Exception {
    // A webhook that accepts connections and never answers.
    try (java.net.ServerSocket silent = new java.net.ServerSocket()) {
      silent.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 50);
      List<java.net.Socket> held =
          java.util.Collections.synchronizedList(new java.util.ArrayList<>());
      Thread acceptor =
          new Thread(
              () -> {
                while (held.size() < 200) {
                  try {
                    held.add(silent.accept());
                  } catch (java.io.IOException e) {
                    return;
                  }
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      Path markers = Files.createDirectories(tmp.resolve("applied"));
      extraMitigation = "  backend-deadline: 2s";
      start(
          config(
              false,
              true,
              "[webhook, exec]", // the dead one first
              "{webhook: {url: 'http://127.0.0.1:"
                  + silent.getLocalPort()
                  + "/hook'}, exec: {apply: [/usr/bin/touch, '"
                  + markers
                  + "/{value}']}}"));
      long t0 = System.nanoTime();
      HttpResponse<String> r = post(body("ip", "10.0.0.5", "10m"), TOKEN);
      long answeredMs = (System.nanoTime() - t0) / 1_000_000;
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
      assertThat(answeredMs).as("answered after %d ms", answeredMs).isLessThan(1000);
      String id = (String) map(r.body()).get("id");
      assertThat(
              waitFor(
                  Duration.ofSeconds(1),
                  () ->
                      backendStates(decision(id))
                          .equals(List.of("webhook=pending", "exec=applied"))))
          .as("exec applied within 1 s while the webhook hangs: %s", decision(id))
          .isTrue();
      assertThat(markers.resolve("10.0.0.5")).exists();
      // abandoned at the deadline: failed, counted, retried later
      assertThat(
              waitFor(
                  Duration.ofSeconds(10),
                  () -> backendStates(decision(id)).get(0).equals("webhook=failed")))
          .as("%s", decision(id))
          .isTrue();
      assertThat(get("/prometheus").body())
          .containsPattern("vigil_decision_apply_failures_total\\{backend=\"webhook\"\\} [1-9]");
      // the capture's alerts were all decided on: none dropped while the webhook hung
      waitUntilCaptureFinished();
      assertThat(get("/prometheus").body()).contains("vigil_mitigation_alerts_dropped_total 0.0");
      assertThat(
              waitFor(
                  Duration.ofSeconds(30),
                  () -> decisions("").stream().anyMatch(d -> ATTACKER_MAC.equals(d.get("value")))))
          .as("the capture's attacker decided on (by its MAC, a LAN sender): %s", decisions(""))
          .isTrue();
      synchronized (held) {
        for (java.net.Socket s : held) {
          s.close();
        }
      }
    }
  }

  @Test
  void aStoreThatCannotBeOpenedLeavesDetectionRunning() throws Exception {
    Path cfg = config(false, true, "[log]", "");
    Files.writeString(tmp.resolve("state"), "a file where the store's folder should be");
    start(cfg);
    Map<String, Object> mitigation = component("mitigation");
    assertThat(mitigation.get("status")).isEqualTo("DOWN");
    assertThat(mitigation.get("details").toString()).contains("cannot start mitigation");
    HttpResponse<String> r = get("/decisions");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(map(r.body()).get("error")).asString().contains("cannot start mitigation");
    assertThat(post(body("ip", "10.0.0.5", "10m"), TOKEN).statusCode()).isEqualTo(503);
    waitUntilCaptureFinished(); // detection goes on; alerts are served from memory
    assertThat(list(get("/alerts").body())).isNotEmpty();
  }

  @Test
  void withoutMitigationDecisionsAreNotFound(@TempDir Path other) throws Exception {
    Path cfg = other.resolve("vigil.yaml");
    Files.writeString(
        cfg,
        "api: {port: 0}\ncapture: {pcap: classpath:demo/demo-attack.pcap}\n"
            + "model: {train-pcaps: [classpath:demo/demo-benign.pcap], lstm: {enabled: false}}\n");
    start(cfg);
    assertThat(get("/decisions").statusCode()).isEqualTo(404);
    assertThat(post(body("ip", "10.0.0.5", "10m"), TOKEN).statusCode()).isEqualTo(404);
    assertThat(map(get("/health").body()).get("components").toString())
        .doesNotContain("mitigation");
  }

  // ---- nftables in a network namespace -------------------------------------------------------

  private static String run(String... argv) throws Exception {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", argv) + ": timed out");
    }
    if (p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", argv) + " exited " + p.exitValue() + ": " + out);
    }
    return out;
  }

  /** Returns the addresses in the backend's IPv4 quarantine set inside {@code ns}. */
  private static String quarantined(String ns) throws Exception {
    return run(
        "/usr/sbin/ip",
        "netns",
        "exec",
        ns,
        "/usr/sbin/nft",
        "list",
        "set",
        "inet",
        "vigil",
        "quarantine4");
  }

  /**
   * The real nftables backend, in a network namespace of its own: a posted quarantine is in the
   * kernel's set; after the daemon stops and the rules are lost (as after a reboot), a start
   * reconciles them from the store: the live decision is back, the one that expired meanwhile is
   * not; a lift removes it. Needs root, ip and nft (required in CI, as the mitigation module's
   * netns tests).
   */
  @Test
  @org.junit.jupiter.api.Tag("netns")
  void nftablesBackendIsReconciledFromTheStoreOnStart() throws Exception {
    String why = null;
    if (!"root".equals(System.getProperty("user.name"))) {
      why = "not running as root";
    } else if (!Files.isExecutable(Path.of("/usr/sbin/nft"))
        || !Files.isExecutable(Path.of("/usr/sbin/ip"))) {
      why = "/usr/sbin/nft or /usr/sbin/ip not found (apt-get install nftables iproute2)";
    }
    if (why != null && "true".equals(System.getenv("CI"))) {
      throw new IllegalStateException("network namespace tests are required in CI: " + why);
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(why == null, "netns test skipped: " + why);
    byte[] r = new byte[3];
    new java.security.SecureRandom().nextBytes(r);
    String ns = "vigil-d-" + java.util.HexFormat.of().formatHex(r);
    run("/usr/sbin/ip", "netns", "add", ns);
    try {
      Path cfg =
          config(false, true, "[nftables, log]", "{nftables: {netns: " + ns + ", bridge: false}}");
      start(cfg);
      HttpResponse<String> resp = post(body("ip", "10.0.0.5", "1h"), TOKEN);
      assertThat(resp.statusCode()).as(resp.body()).isEqualTo(201);
      String liveId = (String) map(resp.body()).get("id");
      resp = post(body("ip", "10.0.0.9", "2s"), TOKEN);
      assertThat(resp.statusCode()).as(resp.body()).isEqualTo(201);
      Instant shortExpires = Instant.parse((String) map(resp.body()).get("expires"));
      // the backends apply on their own threads, just after the answer
      assertThat(
              waitFor(
                  Duration.ofSeconds(5),
                  () ->
                      quarantined(ns).contains("10.0.0.5") && quarantined(ns).contains("10.0.0.9")))
          .as(quarantined(ns))
          .isTrue();
      // The backends' health is checked every 10 s; the first check may predate the start's
      // reconcile (on the backend's own thread), which creates the tables.
      assertThat(
              waitFor(
                  Duration.ofSeconds(15), () -> "UP".equals(component("mitigation").get("status"))))
          .as(String.valueOf(component("mitigation")))
          .isTrue();

      ctx.close();
      ctx = null;
      run("/usr/sbin/ip", "netns", "exec", ns, "/usr/sbin/nft", "delete", "table", "inet", "vigil");
      long waitMs = Duration.between(Instant.now(), shortExpires).toMillis() + 300;
      if (waitMs > 0) {
        Thread.sleep(Math.min(waitMs, 5000));
      }

      start(cfg);
      assertThat(waitFor(Duration.ofSeconds(5), () -> quarantined(ns).contains("10.0.0.5")))
          .as(quarantined(ns))
          .isTrue();
      assertThat(quarantined(ns)).doesNotContain("10.0.0.9");
      assertThat(delete(liveId, TOKEN).statusCode()).isEqualTo(204);
      assertThat(waitFor(Duration.ofSeconds(5), () -> !quarantined(ns).contains("10.0.0.5")))
          .as(quarantined(ns))
          .isTrue();
    } finally {
      stop();
      run("/usr/sbin/ip", "netns", "del", ns);
    }
  }
}
