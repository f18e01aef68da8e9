package dev.vigil.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.daemon.cli.VigilCli;
import dev.vigil.daemon.config.ConfigLoader;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Runs {@code vigil decisions list|add|delete} and {@code vigil alerts} against a real daemon (with
 * mitigation, on the embedded demo capture), reading its address and token from the configuration
 * as an operator's run would; and against none (exit 69).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperatorCommandsDaemonTest {
  private static final String TOKEN = "cli-token-9a2e";
  private static final String ATTACKER = "10.77.0.66";
  private final ObjectMapper json = new ObjectMapper();
  private ApplicationContext ctx;
  private Path cliConfig;

  @TempDir static Path tmp;

  /** What one command run printed and returned. */
  record Run(int code, String out, String err) {}

  @BeforeAll
  void startDaemon() throws Exception {
    Path cfg = AlertsQueryDaemonTest.writeConfig(tmp, true, TOKEN);
    ctx = VigilDaemon.start(ConfigLoader.load(cfg));
    int port = ctx.getBean(EmbeddedServer.class).getPort();
    AlertsQueryDaemonTest.waitUntilCaptureFinished(
        HttpClient.newHttpClient(), ctx.getBean(EmbeddedServer.class).getURL().toString());
    // The operator's copy names the port the daemon got.
    cliConfig = withPort(cfg, "cli.yaml", port);
  }

  @AfterAll
  void stop() {
    if (ctx != null) {
      ctx.close();
    }
  }

  private Path withPort(Path cfg, String name, int port) throws Exception {
    Path out = cfg.resolveSibling(name);
    Files.writeString(
        out,
        Files.readString(cfg)
            .replace(
                "api: {host: 127.0.0.1, port: 0}", "api: {host: 0.0.0.0, port: " + port + "}"));
    return out;
  }

  private static Run vigil(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new VigilCli());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void decisions_addListDelete() throws Exception {
    String c = cliConfig.toString();
    Run add =
        vigil(
            "decisions",
            "add",
            "--config",
            c,
            "--value",
            "10.0.0.5",
            "--ttl",
            "10m",
            "--reason",
            "port scan");
    assertThat(add.code()).as(add.err()).isZero();
    assertThat(add.out())
        .contains("ID")
        .contains("10.0.0.5")
        .contains("quarantine")
        .contains("live");

    Run list = vigil("decisions", "list", "-c", c, "--json");
    assertThat(list.code()).as(list.err()).isZero();
    String id = null;
    for (JsonNode d : json.readTree(list.out())) {
      if (d.path("value").asText().equals("10.0.0.5")) {
        id = d.path("id").asText();
        assertThat(d.path("reason").asText()).isEqualTo("manual: port scan");
      }
    }
    assertThat(id).isNotNull();
    Run table = vigil("decisions", "list", "-c", c);
    assertThat(table.out().lines().findFirst().orElseThrow())
        .startsWith("ID")
        .contains("SCOPE", "VALUE", "ACTION", "STATE", "EXPIRES");
    assertThat(table.out()).contains(id);

    // the daemon's refusals come back with its message
    Run bad = vigil("decisions", "add", "-c", c, "--value", "10.0.0.999", "--ttl", "10m");
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).contains("answered 400").contains("value:");

    Run del = vigil("decisions", "delete", "-c", c, id);
    assertThat(del.code()).as(del.err()).isZero();
    assertThat(del.out()).contains("lifted " + id);
    Run again = vigil("decisions", "delete", "-c", c, id);
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).contains("answered 404");
    assertThat(vigil("decisions", "list", "-c", c).out()).doesNotContain(id);
  }

  @Test
  void decisions_wrongTokenIsRefused() throws Exception {
    Files.writeString(tmp.resolve("wrong-token"), "not-the-token\n");
    Path cfg = tmp.resolve("wrong-token.yaml");
    Files.writeString(
        cfg, Files.readString(cliConfig).replace("token-file: token", "token-file: wrong-token"));
    Run r = vigil("decisions", "add", "-c", cfg.toString(), "--value", "10.0.0.6", "--ttl", "1m");
    assertThat(r.code()).isEqualTo(77);
    assertThat(r.err()).contains("answered 401");
  }

  @Test
  void alerts_filtersPagesAndJson() throws Exception {
    String c = cliConfig.toString();
    Run all = vigil("alerts", "-c", c, "--json", "--limit", "10000");
    assertThat(all.code()).as(all.err()).isZero();
    List<JsonNode> alerts = new ArrayList<>();
    json.readTree(all.out()).forEach(alerts::add);
    assertThat(alerts).hasSizeGreaterThanOrEqualTo(3);

    Run page = vigil("alerts", "-c", c, "--limit", "2");
    assertThat(page.code()).as(page.err()).isZero();
    List<String> lines = page.out().lines().toList();
    assertThat(lines.get(0))
        .startsWith("ID")
        .contains("DETECTED", "SEVERITY", "DETECTOR", "ENTITY");
    assertThat(lines).hasSize(4); // header, two alerts, the next page's hint
    String second = alerts.get(1).path("vigil").path("id").asText();
    assertThat(lines.get(3)).isEqualTo("more: add --before " + second);
    Run next = vigil("alerts", "-c", c, "--limit", "2", "--before", second);
    assertThat(next.out())
        .contains(alerts.get(2).path("vigil").path("summary").asText().substring(0, 20));

    Run src = vigil("alerts", "-c", c, "--src", ATTACKER, "--since", "1h", "--json", "-n", "10000");
    assertThat(src.code()).as(src.err()).isZero();
    JsonNode fromAttacker = json.readTree(src.out());
    assertThat(fromAttacker.size()).isPositive();
    fromAttacker.forEach(a -> assertThat(a.path("src_ip").asText()).isEqualTo(ATTACKER));

    Run bad = vigil("alerts", "-c", c, "--severity", "urgent");
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).contains("answered 400").contains("severity must be one of");
    assertThat(vigil("alerts", "-c", c, "--since", "soon").code()).isEqualTo(2);
  }

  @Test
  void noDaemon_exit69_badConfig_exit78() throws Exception {
    int free;
    try (ServerSocket s = new ServerSocket(0)) {
      free = s.getLocalPort();
    }
    Path none = withPort(tmp.resolve("vigil.yaml"), "none.yaml", free);
    Run a = vigil("alerts", "-c", none.toString());
    assertThat(a.code()).isEqualTo(69);
    assertThat(a.err()).contains("the daemon does not answer at http://127.0.0.1:" + free);
    Run d = vigil("decisions", "list", "-c", none.toString());
    assertThat(d.code()).isEqualTo(69);

    Path broken = tmp.resolve("broken.yaml");
    Files.writeString(broken, "api: {hots: 127.0.0.1}\n");
    assertThat(vigil("decisions", "list", "-c", broken.toString()).code()).isEqualTo(78);
  }
}
