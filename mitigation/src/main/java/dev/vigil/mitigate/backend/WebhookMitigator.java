package dev.vigil.mitigate.backend;

import dev.vigil.common.settings.StrictSettings;
import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.DecisionJson;
import dev.vigil.mitigate.api.InvalidConfigException;
import dev.vigil.mitigate.api.Mitigator;
import dev.vigil.mitigate.api.Targets;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * POSTs each decision (applied or revoked) as JSON ({@link DecisionJson}) to a configured URL. A
 * 2xx answer is success; a network error, a 5xx or a 429 is retried with exponential backoff
 * ({@code backoff}, doubled each time) up to {@code attempts} tries in all; any other answer fails
 * at once. Retries sleep in the calling thread.
 *
 * <p>Settings ({@code mitigators.webhook}): {@code url} (required, http or https), {@code timeout}
 * (per request, default 5s), {@code attempts} (default 4), {@code backoff} (default 500ms).
 * Thread-safe once configured.
 */
public final class WebhookMitigator implements Mitigator {
  /**
   * Webhook settings.
   *
   * @param url where to POST
   * @param timeout per request
   * @param attempts tries in all, at least 1
   * @param backoff wait before the first retry; doubled for each next one
   */
  public record Config(URI url, Duration timeout, int attempts, Duration backoff) {}

  private volatile Config config;
  private volatile HttpClient client;
  private volatile String lastError;

  /** Creates an unconfigured instance (as {@link java.util.ServiceLoader} does). */
  public WebhookMitigator() {}

  /** Creates a configured instance. */
  public WebhookMitigator(Config config) {
    init(config);
  }

  private void init(Config c) {
    this.client = HttpClient.newBuilder().connectTimeout(c.timeout()).build();
    this.config = c;
  }

  @Override
  public String type() {
    return "webhook";
  }

  @Override
  public void configure(Map<String, Object> settings) throws InvalidConfigException {
    StrictSettings s =
        StrictSettings.of(
            "mitigators.webhook", settings, Set.of("url", "timeout", "attempts", "backoff"));
    String url = s.requiredString("url");
    URI uri = null;
    if (url != null) {
      try {
        uri = new URI(url);
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
            || uri.getHost() == null) {
          s.problem("url", "expected an http or https URL, got [" + Targets.quote(url) + "]");
        }
      } catch (URISyntaxException e) {
        s.problem("url", "not a URL: [" + Targets.quote(url) + "]");
      }
    }
    Duration timeout =
        s.duration("timeout", Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofMinutes(1));
    int attempts = s.integer("attempts", 4, 1, 10);
    Duration backoff =
        s.duration("backoff", Duration.ofMillis(500), Duration.ofMillis(1), Duration.ofMinutes(1));
    InvalidConfigException.check(s);
    init(new Config(uri, timeout, attempts, backoff));
  }

  @Override
  public void apply(Decision d) throws IOException, InterruptedException {
    post(d, "apply");
  }

  @Override
  public void revoke(Decision d) throws IOException, InterruptedException {
    post(d, "revoke");
  }

  /** Sends nothing: a webhook receiver keeps its own state. */
  @Override
  public void reconcile(java.util.List<Decision> live) {}

  @Override
  public String health() {
    if (config == null) {
      return "webhook: not configured (mitigators.webhook.url is required)";
    }
    return lastError;
  }

  private void post(Decision d, String op) throws IOException, InterruptedException {
    Config c = config;
    if (c == null) {
      throw new IllegalStateException("webhook mitigator is not configured");
    }
    Targets.canonical(d.scope(), d.value());
    HttpRequest req =
        HttpRequest.newBuilder(c.url())
            .timeout(c.timeout())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(DecisionJson.of(d, op)))
            .build();
    long wait = c.backoff().toMillis();
    String last = null;
    for (int attempt = 1; attempt <= c.attempts(); attempt++) {
      try {
        HttpResponse<Void> r = client.send(req, HttpResponse.BodyHandlers.discarding());
        int code = r.statusCode();
        if (code / 100 == 2) {
          lastError = null;
          return;
        }
        last = "HTTP " + code;
        if (code < 500 && code != 429) {
          break;
        }
      } catch (IOException e) {
        last = e.toString();
      }
      if (attempt < c.attempts()) {
        Thread.sleep(wait);
        wait = Math.min(wait * 2, 60_000);
      }
    }
    lastError = "webhook: last POST to " + c.url() + " failed: " + last;
    throw new IOException(lastError);
  }
}
