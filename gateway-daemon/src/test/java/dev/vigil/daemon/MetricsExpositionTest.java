package dev.vigil.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.daemon.config.ConfigLoader;
import dev.vigil.daemon.metrics.BuildInfo;
import dev.vigil.testsupport.Mosquitto;
import io.micronaut.context.ApplicationContext;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the daemon with every metric-bearing part configured (the demo capture, mitigation with
 * the log backend for real, telemetry towards a broker that is not there) and checks its exposition
 * as Prometheus and Grafana will read it: {@code /metrics} and {@code /prometheus} serve the same
 * families, {@code promtool check metrics} finds no problem, counters and latencies have the types
 * and labels the conventions ask, every {@code vigil_} family is documented in {@code
 * docs/METRICS.md}, and every query of the Grafana dashboard {@code packaging/grafana/vigil.json}
 * is valid PromQL over metrics the daemon exports.
 *
 * <p>Needs {@code promtool} (Debian package {@code prometheus}; {@code scripts/test} installs it):
 * required in CI ({@code CI=true}), elsewhere the promtool checks are skipped with a message.
 */
class MetricsExpositionTest {
  private static final Path ROOT = projectRoot();
  private static final Path DASHBOARD = ROOT.resolve("packaging/grafana/vigil.json");
  private static final Path METRICS_DOC = ROOT.resolve("docs/METRICS.md");
  private static final Set<String> PROMQL_KEYWORDS =
      Set.of(
          "and",
          "or",
          "unless",
          "bool",
          "offset",
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "inf",
          "nan");

  @TempDir static Path tmp;

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static ApplicationContext ctx;
  private static JsonMapper json;
  private static HttpResponse<String> prometheus;
  private static HttpResponse<String> metrics;
  private static Scrape scrape;
  private static int alertCount;

  static Path projectRoot() {
    Path p = Path.of("").toAbsolutePath();
    return Files.isDirectory(p.resolve("packaging")) ? p : p.getParent();
  }

  @BeforeAll
  static void startDaemonAndScrape() throws Exception {
    Files.writeString(
        tmp.resolve("policy.yaml"),
        String.join(
            "\n",
            "dry-run: false",
            "rules:",
            "  - name: quarantine-anomalous-hosts",
            "    match: {kind: packet, scope: ip}",
            "    action: quarantine",
            "    duration: 1h",
            ""));
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
            "mitigation:",
            "  policy: policy.yaml",
            "  store: " + tmp.resolve("vigil.db"),
            "  actions: {quarantine: [log]}",
            // no broker listens there: the telemetry meters are registered all the same
            "telemetry:",
            "  mqtt:",
            "    brokers: [tcp://127.0.0.1:" + Mosquitto.freePort() + "]",
            "    client-id: vigil-metrics-test",
            "    reconnect: {min-delay: 1s, max-delay: 5s}",
            "  topics: ['devices/{device}/telemetry']",
            "  model: {learn: {duration: 1h}}",
            ""));
    ctx = VigilDaemon.start(ConfigLoader.load(cfg));
    json = ctx.getBean(JsonMapper.class);
    waitUntilDecided();
    // the second round: each path has been requested once, so both carry the same request meters
    get("/prometheus");
    get("/metrics");
    prometheus = get("/prometheus");
    metrics = get("/metrics");
    scrape = Scrape.parse(metrics.body());
  }

  @AfterAll
  static void stop() {
    if (ctx != null) {
      ctx.close();
    }
  }

  private static HttpResponse<String> get(String path) throws Exception {
    String base = ctx.getBean(EmbeddedServer.class).getURL().toString();
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Waits (at most 120 s) until the capture is read and the mitigation worker has handled every
   * alert raised: each made a decision, no decision (counted by reason) or no verdict.
   */
  @SuppressWarnings("unchecked")
  private static void waitUntilDecided() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      Map<String, Object> h = json.readValue(get("/health").body(), Map.class);
      Map<String, Object> capture =
          (Map<String, Object>) ((Map<String, Object>) h.get("components")).get("capture");
      assertThat(capture.get("status")).as("capture: %s", capture).isNotEqualTo("DOWN");
      boolean finished =
          "finished".equals(((Map<String, Object>) capture.get("details")).get("state"));
      Scrape s = Scrape.parse(get("/prometheus").body());
      double raised = s.sum("vigil_alerts_raised_total");
      double handled =
          s.sum("vigil_decisions_total", Map.of("origin", "detector"))
              + s.sum("vigil_verdicts_undecided_total")
              + s.sum("vigil_mitigation_verdicts_rejected_total");
      alertCount = list(get("/alerts?limit=1000").body()).size();
      last = "finished=" + finished + " raised=" + raised + " handled=" + handled;
      if (finished && raised > 0 && handled == raised && alertCount == raised) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the demo was not read and decided on within 120 s: " + last);
  }

  private static List<Map<String, Object>> list(String body) throws IOException {
    return json.readValue(body, Argument.listOf(Argument.mapOf(String.class, Object.class)));
  }

  // ---- promtool ----------------------------------------------------------------------------

  /** Returns promtool; skips the calling test where it is missing, unless in CI. */
  private static Path promtool() {
    Optional<Path> found =
        Stream.concat(
                Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                    .filter(d -> !d.isEmpty())
                    .map(d -> Path.of(d, "promtool")),
                Stream.of(Path.of("/usr/bin/promtool")))
            .filter(Files::isExecutable)
            .findFirst();
    if (found.isEmpty()) {
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException(
            "promtool is required in CI: install the Debian package prometheus (scripts/test does)");
      }
      Assumptions.abort(
          "promtool is not installed: the exposition and the dashboard's PromQL are not checked"
              + " by Prometheus's own tool (apt-get install prometheus; scripts/test does this as"
              + " root)");
    }
    return found.get();
  }

  /** Runs promtool with {@code args}, {@code stdin} fed in; returns its exit status and output. */
  private static Map.Entry<Integer, String> promtool(String stdin, String... args)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of(promtool().toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(cmd + " ran longer than 60 s");
    }
    return Map.entry(p.exitValue(), out);
  }

  // ---- the exposition ----------------------------------------------------------------------

  @Test
  void metricsAndPrometheus_serveTheSameExposition() {
    for (HttpResponse<String> r : List.of(prometheus, metrics)) {
      assertThat(r.statusCode()).as(r.uri().toString()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type"))
          .as(r.uri().toString())
          .hasValueSatisfying(
              t -> assertThat(t.replace(" ", "")).startsWith("text/plain;version=0.0.4"));
    }
    Scrape other = Scrape.parse(prometheus.body());
    assertThat(scrape.types()).isEqualTo(other.types());
    assertThat(vigilSeries(scrape)).isEqualTo(vigilSeries(other)).isNotEmpty();
  }

  private static Set<String> vigilSeries(Scrape s) {
    Set<String> out = new TreeSet<>();
    s.samples().stream()
        .filter(x -> x.name().startsWith("vigil_"))
        .forEach(x -> out.add(x.series()));
    return out;
  }

  @Test
  void exposition_passesPromtoolCheckMetrics() throws Exception {
    Map.Entry<Integer, String> r = promtool(metrics.body(), "check", "metrics");
    assertThat(r.getValue()).as("promtool check metrics found problems").isBlank();
    assertThat(r.getKey()).as("promtool exit status; output: %s", r.getValue()).isZero();
  }

  @Test
  void counters_areTotals_andLatencies_areHistograms() {
    Map<String, String> types = scrape.types();
    assertThat(types).doesNotContainValue("summary");
    types.forEach(
        (name, type) -> {
          if ("counter".equals(type)) {
            assertThat(name).as("counter").endsWith("_total");
          } else {
            assertThat(name).as(type).doesNotEndWith("_total");
          }
        });
    assertThat(types)
        .containsEntry("vigil_packets_read_total", "counter")
        .containsEntry("vigil_capture_kernel_dropped_total", "counter")
        .containsEntry("vigil_capture_interface_dropped_total", "counter")
        .containsEntry("vigil_capture_ring_overflows_total", "counter")
        .containsEntry("vigil_model_swaps_total", "counter")
        .containsEntry("vigil_telemetry_reconnects_total", "counter")
        .containsEntry("vigil_score_latency_seconds", "histogram")
        .containsEntry("vigil_telemetry_score_latency_seconds", "histogram")
        .containsEntry("vigil_mitigation_packet_to_decision_seconds", "histogram")
        .containsEntry("http_server_requests_seconds", "histogram")
        .containsEntry("process_cpu_seconds_total", "counter")
        .containsEntry("process_resident_memory_bytes", "gauge");
    // the scoring buckets span microseconds to milliseconds, and the demo's windows fall in them
    List<Scrape.Sample> buckets = scrape.named("vigil_score_latency_seconds_bucket");
    assertThat(buckets)
        .extracting(b -> b.labels().get("le"))
        .contains("1.0E-6", "1.0E-4", "0.001", "0.05", "+Inf");
    double count = scrape.sum("vigil_score_latency_seconds_count");
    assertThat(count).isPositive();
    assertThat(scrape.sum("vigil_score_latency_seconds_bucket", Map.of("le", "0.05")))
        .isEqualTo(count);
    assertThat(scrape.named("vigil_mitigation_packet_to_decision_seconds_bucket"))
        .extracting(b -> b.labels().get("le"))
        .contains("0.05", "1.0", "10.0", "500.0", "+Inf");
  }

  @Test
  void alerts_areCountedByDetectorAndSeverity() {
    List<Scrape.Sample> raised = scrape.named("vigil_alerts_raised_total");
    assertThat(raised).hasSize(24);
    assertThat(raised)
        .extracting(s -> s.labels().get("detector"))
        .containsOnly("ensemble", "telemetry", "beacon", "auth", "scan", "flood");
    assertThat(raised)
        .extracting(s -> s.labels().get("severity"))
        .containsOnly("low", "medium", "high", "critical");
    assertThat(scrape.sum("vigil_alerts_raised_total")).isEqualTo(alertCount);
    assertThat(scrape.sum("vigil_alerts_raised_total", Map.of("detector", "ensemble")))
        .isPositive();
  }

  @Test
  void decisions_areCountedMadeAndAppliedPerBackend() {
    Map<String, String> quarantineByLog =
        Map.of("action", "quarantine", "backend", "log", "result", "success");
    assertThat(scrape.sum("vigil_decisions_applied_total", quarantineByLog)).isPositive();
    assertThat(scrape.sum("vigil_decisions_applied_total", Map.of("result", "failure"))).isZero();
    // every decision applied by its backends was timed from its alert, by the alert's detector
    assertThat(scrape.sum("vigil_decision_latency_seconds_count"))
        .isEqualTo(scrape.sum("vigil_decisions_applied_total", quarantineByLog));
    assertThat(scrape.named("vigil_decision_latency_seconds_count"))
        .extracting(s -> s.labels().get("detector"))
        .isSubsetOf("ensemble", "beacon", "auth", "scan", "flood", "telemetry", "other");
    assertThat(scrape.named("vigil_decisions_applied_total"))
        .extracting(s -> s.labels().keySet())
        .allSatisfy(k -> assertThat(k).containsExactlyInAnyOrder("action", "backend", "result"));
    assertThat(scrape.named("vigil_decisions_revoked_total")).isNotEmpty();
    assertThat(
            scrape.sum(
                "vigil_decisions_total",
                Map.of("action", "quarantine", "origin", "detector", "simulated", "false")))
        .isEqualTo(scrape.sum("vigil_decisions_applied_total", quarantineByLog));
    // every action, origin and dry-run combination is there from the start
    assertThat(scrape.named("vigil_decisions_total")).hasSize(12);
  }

  @Test
  void buildInfo_namesThisBuild() {
    List<Scrape.Sample> info = scrape.named("vigil_build_info");
    assertThat(info).hasSize(1);
    assertThat(info.get(0).value()).isEqualTo(1.0);
    BuildInfo build = new BuildInfo();
    assertThat(info.get(0).labels())
        .containsEntry("version", build.version())
        .containsEntry("commit", build.commit());
    // Maven wrote the resource: the tests run from its target/classes
    assertThat(build.version()).matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(build.commit()).matches("[0-9a-f]{12}|unknown");
  }

  @Test
  void everyVigilFamily_isDocumented() throws IOException {
    String doc = Files.readString(METRICS_DOC);
    Map<String, String> types = scrape.types();
    List<String> missing =
        types.keySet().stream()
            .filter(n -> n.startsWith("vigil_"))
            // a timer's _max gauge goes with its histogram
            .filter(n -> !(n.endsWith("_max") && types.containsKey(n.replaceAll("_max$", ""))))
            .filter(n -> !doc.contains("`" + n + "`") && !doc.contains("`" + n + "{"))
            .toList();
    assertThat(missing).as("vigil_ metrics not named in %s", METRICS_DOC).isEmpty();
  }

  // ---- the dashboard -----------------------------------------------------------------------

  /** Every panel of the dashboard, those inside rows included. */
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> panels(Map<String, Object> dashboard) {
    List<Map<String, Object>> out = new ArrayList<>();
    List<Map<String, Object>> todo =
        new ArrayList<>((List<Map<String, Object>>) dashboard.get("panels"));
    while (!todo.isEmpty()) {
      Map<String, Object> p = todo.remove(0);
      out.add(p);
      Object inner = p.get("panels");
      if (inner instanceof List<?> l) {
        todo.addAll((List<Map<String, Object>>) l);
      }
    }
    return out;
  }

  private static Map<String, Object> dashboard() throws IOException {
    return json.readValue(
        Files.readAllBytes(DASHBOARD), Argument.mapOf(String.class, Object.class));
  }

  /** The PromQL of every target, by panel title and target ref id. */
  @SuppressWarnings("unchecked")
  private static Map<String, String> expressions(Map<String, Object> dashboard) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map<String, Object> p : panels(dashboard)) {
      for (Map<String, Object> t :
          (List<Map<String, Object>>) p.getOrDefault("targets", List.of())) {
        out.put(p.get("title") + " / " + t.get("refId"), (String) t.get("expr"));
      }
    }
    return out;
  }

  /**
   * Returns the metric names a PromQL expression selects: identifiers left once strings, label
   * matchers, ranges, grouping clauses and Grafana variables are removed, that are neither a
   * function (followed by a parenthesis) nor a keyword.
   */
  static Set<String> metricNames(String promql) {
    String s = promql.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"");
    s = s.replaceAll("\\{[^}]*}", " ");
    s = s.replaceAll("\\[[^\\]]*]", " ");
    s = s.replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
    s = s.replaceAll("\\$\\{?\\w+}?", " ");
    Set<String> names = new LinkedHashSet<>();
    Matcher m = Pattern.compile("(?<![\\w.])([a-zA-Z_:][a-zA-Z0-9_:]*+)(?!\\s*\\()").matcher(s);
    while (m.find()) {
      if (!PROMQL_KEYWORDS.contains(m.group(1).toLowerCase(java.util.Locale.ROOT))) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  @Test
  void metricNames_findsTheSelectedMetricsOnly() {
    assertThat(
            metricNames(
                "histogram_quantile(0.99, sum by (instance, le) (rate(vigil_score_latency_seconds_bucket"
                    + "{instance=~\"$instance\",le!=\"x\"}[$__rate_interval])))"))
        .containsExactly("vigil_score_latency_seconds_bucket");
    assertThat(
            metricNames(
                "sum(jvm_memory_used_bytes{area=\"heap\"}) / on (instance) group_left"
                    + " jvm_memory_max_bytes offset 5m > bool 0.5 or vector(1e3)"))
        .containsExactly("jvm_memory_used_bytes", "jvm_memory_max_bytes");
  }

  @Test
  @SuppressWarnings("unchecked")
  void dashboard_usesItsPrometheusInputEverywhere() throws IOException {
    Map<String, Object> d = dashboard();
    assertThat((List<Map<String, Object>>) d.get("__inputs"))
        .anySatisfy(
            i ->
                assertThat(i)
                    .containsEntry("name", "DS_PROMETHEUS")
                    .containsEntry("type", "datasource")
                    .containsEntry("pluginId", "prometheus"));
    List<Map<String, Object>> withQueries =
        panels(d).stream().filter(p -> p.containsKey("targets")).toList();
    assertThat(withQueries).hasSizeGreaterThanOrEqualTo(15);
    for (Map<String, Object> p : withQueries) {
      assertThat((Map<String, Object>) p.get("datasource"))
          .as("datasource of panel %s", p.get("title"))
          .containsEntry("uid", "${DS_PROMETHEUS}");
      for (Map<String, Object> t : (List<Map<String, Object>>) p.get("targets")) {
        assertThat((Map<String, Object>) t.get("datasource"))
            .as("datasource of %s / %s", p.get("title"), t.get("refId"))
            .containsEntry("uid", "${DS_PROMETHEUS}");
        assertThat((String) t.get("expr"))
            .as("%s / %s", p.get("title"), t.get("refId"))
            .isNotBlank();
      }
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void dashboard_queriesOnlyMetricsTheDaemonExports() throws IOException {
    Map<String, Object> d = dashboard();
    Set<String> exported = new LinkedHashSet<>(scrape.sampleNames());
    exported.addAll(scrape.types().keySet()); // a histogram's family name as well as its samples
    Map<String, String> exprs = expressions(d);
    // the gateway variable's label_values(METRIC, LABEL) query
    for (Map<String, Object> v :
        (List<Map<String, Object>>) ((Map<String, Object>) d.get("templating")).get("list")) {
      Object q = v.get("query");
      String text = q instanceof Map<?, ?> m ? (String) m.get("query") : (String) q;
      Matcher lv = Pattern.compile("label_values\\(\\s*([^,)]+)").matcher(text);
      assertThat(lv.find()).as("variable %s: %s", v.get("name"), text).isTrue();
      exprs.put("variable " + v.get("name"), lv.group(1));
    }
    Map<String, Set<String>> unknown = new LinkedHashMap<>();
    exprs.forEach(
        (where, expr) -> {
          Set<String> names = metricNames(expr);
          assertThat(names).as("%s selects no metric: %s", where, expr).isNotEmpty();
          names.stream()
              .filter(n -> !exported.contains(n))
              .forEach(n -> unknown.computeIfAbsent(where, k -> new TreeSet<>()).add(n));
        });
    assertThat(unknown).as("dashboard queries of metrics the daemon does not export").isEmpty();
  }

  @Test
  void dashboard_queriesAreValidPromql() throws Exception {
    Map<String, String> exprs = expressions(dashboard());
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    int i = 0;
    for (String e : exprs.values()) {
      // Grafana's variables, as Grafana substitutes them
      String promql = e.replace("$__rate_interval", "1m").replace("$instance", ".*");
      rules
          .append("      - record: dashboard:query_")
          .append(i++)
          .append("\n        expr: ")
          .append(json.writeValueAsString(promql))
          .append('\n');
    }
    Path file = tmp.resolve("dashboard-rules.yml");
    Files.writeString(file, rules);
    Map.Entry<Integer, String> r = promtool("", "check", "rules", file.toString());
    assertThat(r.getKey()).as("promtool check rules: %s", r.getValue()).isZero();
    assertThat(r.getValue()).contains("SUCCESS: " + exprs.size() + " rules found");
  }
}
