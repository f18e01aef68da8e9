package dev.vigil.daemon.cli;

import dev.vigil.daemon.config.ConfigException;
import dev.vigil.daemon.config.ConfigLoader;
import dev.vigil.daemon.config.VigilConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Calls a running daemon's REST API for the operator commands ({@code vigil decisions}, {@code
 * vigil alerts}): the address comes from the configuration's {@code api} section (a wildcard
 * address is reached on loopback) and the bearer token of mutating calls from {@code
 * mitigation.token-file}.
 *
 * <p>Not thread-safe: one per command run.
 */
final class DaemonClient {
  /** Exit status when the daemon does not answer (sysexits' EX_UNAVAILABLE). */
  static final int EXIT_UNAVAILABLE = 69;

  /** Exit status when the token cannot be read or is refused (sysexits' EX_NOPERM). */
  static final int EXIT_NOPERM = 77;

  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);

  /** A call that failed before any answer, with the exit status it calls for. */
  static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;
    final int exitCode;

    Failure(int exitCode, String message) {
      super(message);
      this.exitCode = exitCode;
    }
  }

  /** An answer: its status, body and {@code Link} header's next target, if any. */
  record Answer(int status, String body, Optional<String> next) {}

  private final URI base;
  private final Optional<Path> tokenFile;
  private final Optional<Path> readTokenFile;
  private final Path config;
  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(CONNECT_TIMEOUT)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  DaemonClient(URI base, Optional<Path> tokenFile, Path config) {
    this(base, tokenFile, Optional.empty(), config);
  }

  DaemonClient(URI base, Optional<Path> tokenFile, Optional<Path> readTokenFile, Path config) {
    this.base = base;
    this.tokenFile = tokenFile;
    this.readTokenFile = readTokenFile;
    this.config = config;
  }

  /** Reads {@code config} strictly and returns a client of the daemon it configures. */
  static DaemonClient of(Path config) throws ConfigException {
    VigilConfig c = ConfigLoader.load(config);
    return new DaemonClient(
        baseUri(c.api().host(), c.api().port()),
        c.mitigation().flatMap(VigilConfig.Mitigation::tokenFile),
        c.api().readTokenFile(),
        config);
  }

  /** Returns the URI to reach an API bound to {@code host}:{@code port} from this machine. */
  static URI baseUri(String host, int port) {
    String h = host;
    if (h.equals("0.0.0.0") || h.isEmpty()) {
      h = "127.0.0.1";
    } else if (h.equals("::") || h.equals("[::]")) {
      h = "::1";
    }
    if (h.contains(":") && !h.startsWith("[")) {
      h = "[" + h + "]";
    }
    return URI.create("http://" + h + ":" + port);
  }

  URI base() {
    return base;
  }

  /** GETs {@code pathAndQuery} (starting with {@code /}). */
  Answer get(String pathAndQuery) throws Failure {
    HttpRequest.Builder b = HttpRequest.newBuilder(resolve(pathAndQuery)).GET();
    if (readTokenFile.isPresent()) {
      b.header("Authorization", "Bearer " + readToken(readTokenFile.get()));
    }
    return send(b, false);
  }

  private static String readToken(Path f) throws Failure {
    try {
      String t = java.nio.file.Files.readString(f, java.nio.charset.StandardCharsets.UTF_8).trim();
      if (t.isEmpty()) {
        throw new Failure(EXIT_NOPERM, "read token file [" + f + "] is empty");
      }
      return t;
    } catch (IOException e) {
      throw new Failure(
          EXIT_NOPERM,
          "cannot read read token file [" + f + "]: " + e.getMessage() + " (use sudo)");
    }
  }

  /** POSTs a JSON body with the bearer token. */
  Answer post(String path, String json) throws Failure {
    return send(
        HttpRequest.newBuilder(resolve(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)),
        true);
  }

  /** DELETEs {@code path} with the bearer token. */
  Answer delete(String path) throws Failure {
    return send(HttpRequest.newBuilder(resolve(path)).DELETE(), true);
  }

  private URI resolve(String pathAndQuery) {
    return URI.create(base + pathAndQuery);
  }

  private Answer send(HttpRequest.Builder b, boolean authenticated) throws Failure {
    if (authenticated) {
      b.header("Authorization", "Bearer " + token());
    }
    b.timeout(REQUEST_TIMEOUT).header("Accept", "application/json");
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      Optional<String> next =
          r.headers().allValues("Link").stream()
              .filter(l -> l.contains("rel=\"next\""))
              .map(l -> l.substring(l.indexOf('<') + 1, l.indexOf('>')))
              .findFirst();
      return new Answer(r.statusCode(), r.body(), next);
    } catch (IOException e) {
      throw new Failure(
          EXIT_UNAVAILABLE,
          "the daemon does not answer at "
              + base
              + " ("
              + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
              + "); is it running (systemctl status vigil) with the api section of "
              + config
              + "?");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure(EXIT_UNAVAILABLE, "interrupted while calling " + base);
    }
  }

  private String token() throws Failure {
    if (tokenFile.isEmpty()) {
      throw new Failure(
          EXIT_NOPERM,
          config
              + " sets no mitigation.token-file: the daemon refuses every change without a token");
    }
    Path f = tokenFile.get();
    try {
      String t = Files.readString(f).strip();
      if (t.isEmpty()) {
        throw new Failure(EXIT_NOPERM, "token file [" + f + "] is empty");
      }
      return t;
    } catch (IOException e) {
      throw new Failure(
          EXIT_NOPERM,
          "cannot read token file ["
              + f
              + "]: "
              + e
              + " (it is readable by its owner only: run as root or the vigil user)");
    }
  }
}
