package dev.vigil.daemon.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.daemon.config.ConfigLoader;
import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.daemon.mitigation.BearerToken;
import dev.vigil.daemon.mitigation.MitigationFactory;
import dev.vigil.daemon.mitigation.MitigationService;
import dev.vigil.daemon.pipeline.EveOutput;
import dev.vigil.daemon.pipeline.HealthState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.serde.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BearerTokenFilter}'s refusals on their own, over a mitigation built as the daemon builds
 * it (which route it guards is checked over HTTP in MitigationDaemonTest).
 */
class BearerTokenFilterTest {
  private static final String TOKEN = "filter-test-token";

  @TempDir Path tmp;
  private MitigationService mitigation;
  private SimpleMeterRegistry meters;

  @AfterEach
  void stop() {
    if (mitigation != null) {
      mitigation.close();
    }
  }

  private BearerTokenFilter filter(String mitigationYaml) throws Exception {
    Files.writeString(
        tmp.resolve("policy.yaml"),
        "rules:\n  - name: q\n    match: {kind: packet, scope: ip}\n    action: quarantine\n    duration: 1h\n");
    Files.writeString(tmp.resolve("token"), TOKEN + "\n");
    VigilConfig config =
        ConfigLoader.parse(
            "test",
            tmp,
            "api: {port: 0}\ncapture: {pcap: classpath:demo/demo-attack.pcap}\n"
                + "model: {train-pcaps: [classpath:demo/demo-benign.pcap]}\n"
                + mitigationYaml);
    MitigationFactory factory = new MitigationFactory();
    BearerToken token = factory.bearerToken(config);
    meters = new SimpleMeterRegistry();
    HealthState health = new HealthState();
    EveOutput eve = new EveOutput(config, ObjectMapper.getDefault(), meters, health);
    mitigation =
        new MitigationService(
            factory.mitigationRuntime(config, eve),
            token,
            config,
            health,
            ObjectMapper.getDefault(),
            eve,
            meters);
    return new BearerTokenFilter(mitigation, token);
  }

  private static final String RUNNING =
      "mitigation:\n  policy: policy.yaml\n  store: state/vigil.db\n  token-file: token\n"
          + "  actions: {quarantine: [log]}\n";

  private double refused(String reason) {
    var c = meters.find("vigil.decisions.requests.refused").tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void mutationsNeedTheToken() throws Exception {
    BearerTokenFilter f = filter(RUNNING);
    HttpResponse<?> r = f.refusal(HttpRequest.POST("/decisions", "{}"));
    assertThat(r.code()).isEqualTo(401);
    assertThat(r.getHeaders().get(HttpHeaders.WWW_AUTHENTICATE)).isEqualTo("Bearer");
    assertThat(r.body()).isEqualTo(Map.of("error", "a bearer token is required"));
    r = f.refusal(HttpRequest.DELETE("/decisions/abc").bearerAuth(TOKEN + "x"));
    assertThat(r.code()).isEqualTo(401);
    assertThat(refused("unauthorized")).isEqualTo(2);

    assertThat(f.refusal(HttpRequest.POST("/decisions", "{}").bearerAuth(TOKEN))).isNull();
    assertThat(f.refusal(HttpRequest.DELETE("/decisions/abc").bearerAuth(TOKEN))).isNull();
  }

  @Test
  void readsPassWithoutAToken() throws Exception {
    assertThat(filter(RUNNING).refusal(HttpRequest.GET("/decisions?all=true"))).isNull();
  }

  @Test
  void withoutATokenFileMutationsAreForbidden() throws Exception {
    BearerTokenFilter f = filter(RUNNING.replace("  token-file: token\n", ""));
    HttpResponse<?> r = f.refusal(HttpRequest.POST("/decisions", "{}").bearerAuth(TOKEN));
    assertThat(r.code()).isEqualTo(403);
    assertThat(r.getHeaders().get(HttpHeaders.WWW_AUTHENTICATE)).isNull();
    assertThat(refused("forbidden")).isEqualTo(1);
  }

  @Test
  void withoutMitigationMutationsAreNotFound() throws Exception {
    HttpResponse<?> r = filter("").refusal(HttpRequest.POST("/decisions", "{}").bearerAuth(TOKEN));
    assertThat(r.code()).isEqualTo(404);
  }

  @Test
  void whenMitigationCannotStartMutationsAreUnavailable_beforeTheTokenIsChecked() throws Exception {
    Files.writeString(tmp.resolve("state"), "a file where the store's folder should be");
    HttpResponse<?> r = filter(RUNNING).refusal(HttpRequest.DELETE("/decisions/abc"));
    assertThat(r.code()).isEqualTo(503);
    assertThat(refused("unavailable")).isEqualTo(1);
  }
}
