package dev.vigil.mitigate.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.InvalidConfigException;
import dev.vigil.mitigate.api.Mitigator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WebhookMitigatorTest extends MitigatorContract {
  private HttpServer server;
  private final List<String> bodies = Collections.synchronizedList(new ArrayList<>());

  /** Status codes to answer with, in turn; 200 once they run out. */
  private final List<Integer> script = Collections.synchronizedList(new ArrayList<>());

  private final AtomicInteger requests = new AtomicInteger();

  @BeforeEach
  void startServer() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/hook",
        ex -> {
          requests.incrementAndGet();
          String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          int code = script.isEmpty() ? 200 : script.remove(0);
          if (code == 200
              && "POST".equals(ex.getRequestMethod())
              && ex.getRequestHeaders().getFirst("Content-Type").equals("application/json")) {
            bodies.add(body);
          }
          ex.sendResponseHeaders(code, -1);
          ex.close();
        });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  private URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
  }

  @Override
  Mitigator configured() throws Exception {
    WebhookMitigator m = new WebhookMitigator();
    m.configure(Map.of("url", url().toString(), "attempts", 3, "backoff", "10ms"));
    return m;
  }

  @Override
  Mitigator misconfigured() {
    return new WebhookMitigator();
  }

  @Test
  void health_reportsAnUnreachableEndpointAfterAFailure() throws Exception {
    // Nothing listens on port 1.
    WebhookMitigator m =
        new WebhookMitigator(
            new WebhookMitigator.Config(
                URI.create("http://127.0.0.1:1/hook"),
                Duration.ofSeconds(1),
                2,
                Duration.ofMillis(5)));
    assertThat(m.health()).isNull();
    assertThatThrownBy(() -> m.apply(decision("w-5", Decision.Scope.IP, "10.0.0.66")));
    assertThat(m.health()).contains("failed");
  }

  @Override
  List<String> received() {
    return List.copyOf(bodies);
  }

  @Test
  void apply_postsTheDecisionAsJson() throws Exception {
    Mitigator m = configured();
    m.apply(decision("w-1", Decision.Scope.IP, "10.0.0.66"));
    assertThat(bodies).hasSize(1);
    assertThat(bodies.get(0))
        .startsWith("{\"event_type\":\"decision\",\"op\":\"apply\",\"id\":\"w-1\",\"scope\":\"ip\"")
        .contains("\"value\":\"10.0.0.66\"", "\"action\":\"quarantine\"", "\"ttl_seconds\":600")
        .contains("\"expires\":\"" + T0.plusSeconds(600) + "\"", "\"simulated\":false");
  }

  @Test
  void apply_retriesAFailingEndpointUntilItSucceeds() throws Exception {
    script.addAll(List.of(503, 500));
    Mitigator m = configured();
    m.apply(decision("w-2", Decision.Scope.IP, "10.0.0.66"));
    assertThat(requests.get()).isEqualTo(3);
    assertThat(bodies).hasSize(1);
    assertThat(m.health()).isNull();
  }

  @Test
  void apply_givesUpAfterItsAttemptsAndSaysWhy() throws Exception {
    script.addAll(List.of(503, 503, 503, 503));
    Mitigator m = configured();
    assertThatThrownBy(() -> m.apply(decision("w-3", Decision.Scope.IP, "10.0.0.66")))
        .hasMessageContaining("HTTP 503");
    assertThat(requests.get()).isEqualTo(3);
    assertThat(m.health()).contains("HTTP 503");
  }

  @Test
  void apply_doesNotRetryAClientError() throws Exception {
    script.add(400);
    Mitigator m = configured();
    assertThatThrownBy(() -> m.apply(decision("w-4", Decision.Scope.IP, "10.0.0.66")))
        .hasMessageContaining("HTTP 400");
    assertThat(requests.get()).isEqualTo(1);
  }

  @Test
  void configure_refusesABadUrl() {
    assertThatThrownBy(
            () ->
                new WebhookMitigator()
                    .configure(Map.of("url", "file:///etc/passwd", "attempts", 0)))
        .isInstanceOfSatisfying(
            InvalidConfigException.class,
            e ->
                assertThat(e.problems())
                    .anyMatch(p -> p.startsWith("url: expected an http or https URL"))
                    .anyMatch(p -> p.startsWith("attempts: must be between 1 and 10")));
  }
}
