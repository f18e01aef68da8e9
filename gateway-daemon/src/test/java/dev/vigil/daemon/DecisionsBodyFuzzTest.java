package dev.vigil.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vigil.daemon.config.ConfigLoader;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes the bodies of {@code POST /decisions} (Jazzer) through the real daemon's HTTP server,
 * started once for the whole run with a valid token, and checks the route's contract by status code
 * only: no body ever gets a 5xx; a 2xx stores exactly one decision; a 4xx stores none (the SQLite
 * store's row count, read before and after each request on a connection of its own).
 *
 * <p>In a normal test run this replays the seeds in {@code
 * src/test/resources/dev/vigil/daemon/DecisionsBodyFuzzTestInputs/post_arbitraryBody} (valid bodies
 * of each scope, an allowlisted address, a few near misses) and committed findings; {@code
 * JAZZER_FUZZ=1} fuzzes it for a bounded time, as scripts/test does. The policy's only rule matches
 * telemetry alerts, which this daemon (packets only) never raises, so every stored decision is one
 * the fuzzer posted.
 */
class DecisionsBodyFuzzTest {
  private static final String TOKEN = "fuzz-token-0b7e";
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @TempDir static Path tmp;
  private static ApplicationContext ctx;
  private static Connection db;
  private static URI decisions;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /**
   * Starts the daemon on the first input, not in {@code @BeforeAll}: Jazzer's agent and bug
   * detectors are installed when the fuzz test starts, and classes loaded before would be fuzzed
   * without coverage feedback.
   */
  private static void startOnce() throws Exception {
    if (ctx != null) {
      return;
    }
    // Jazzer reports any network connection as a possible SSRF unless allowed: the test talks to
    // its own server on loopback only. Allowed for the JVM's life: once fuzzing has ended, Jazzer
    // can no longer reset it (closing it in @AfterAll throws).
    BugDetectors.allowNetworkConnections(
        (host, port) -> host.equals("127.0.0.1") || host.equals("localhost"));
    Files.writeString(
        tmp.resolve("policy.yaml"),
        String.join(
            "\n",
            "max-decisions-per-minute: 10000",
            "allowlist:",
            "  addresses: [10.99.0.0/16]",
            "rules:",
            "  - name: telemetry-only",
            "    match: {kind: telemetry}",
            "    action: quarantine",
            "    duration: 1h",
            ""));
    Files.writeString(tmp.resolve("token"), TOKEN + "\n");
    Path store = tmp.resolve("state/vigil.db");
    Path cfg = tmp.resolve("vigil.yaml");
    Files.writeString(
        cfg,
        String.join(
            "\n",
            "api: {host: 127.0.0.1, port: 0}",
            "capture: {pcap: classpath:demo/demo-benign.pcap}",
            "model:",
            "  bundle: " + tmp.resolve("model.vigil"),
            "  train-pcaps: [classpath:demo/demo-benign.pcap]",
            // the model is not under test: a small one trains in seconds
            "  autoencoder: {hidden: 8, bottleneck: 4, epochs: 2}",
            "  lstm: {enabled: false}",
            "  forest: {trees: 10}",
            "mitigation:",
            "  policy: policy.yaml",
            "  store: " + store,
            "  token-file: token",
            "  actions: {quarantine: [log], reroute: [log]}",
            ""));
    ctx = VigilDaemon.start(ConfigLoader.load(cfg));
    decisions = URI.create(ctx.getBean(EmbeddedServer.class).getURL().toString() + "/decisions");
    db = DriverManager.getConnection("jdbc:sqlite:" + store);
  }

  @AfterAll
  static void stop() throws Exception {
    if (db != null) {
      db.close();
    }
    if (ctx != null) {
      ctx.close();
    }
  }

  @FuzzTest(maxDuration = "60s")
  void post_arbitraryBody(byte[] body) throws Exception {
    startOnce();
    long before = stored();
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(decisions)
                .timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    int status = r.statusCode();
    long after = stored();
    assertThat(status).as("status of a POST /decisions (%s)", r.body()).isBetween(200, 499);
    if (status >= 400) {
      assertThat(after).as("decisions stored after a %d (%s)", status, r.body()).isEqualTo(before);
    } else {
      assertThat(status).as("a stored decision is created").isBetween(200, 299);
      assertThat(after).as("decisions stored after a %d", status).isEqualTo(before + 1);
    }
  }

  private static long stored() throws SQLException {
    try (Statement s = db.createStatement();
        ResultSet r = s.executeQuery("SELECT count(*) FROM decisions")) {
      r.next();
      return r.getLong(1);
    }
  }
}
