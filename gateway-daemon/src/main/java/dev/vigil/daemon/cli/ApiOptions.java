package dev.vigil.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.daemon.config.ConfigException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options every command that calls the running daemon shares ({@code --config}, {@code
 * --json}), and how such a command turns an answer into output and an exit status.
 */
final class ApiOptions {
  static final String DEFAULT_CONFIG = "/etc/vigil/vigil.yaml";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE",
      defaultValue = DEFAULT_CONFIG,
      description =
          "the daemon's configuration: its api section says where to call, mitigation.token-file"
              + " holds the token of changes (default ${DEFAULT-VALUE})")
  Path config;

  @Option(names = "--json", description = "print the daemon's JSON answer as it came")
  boolean json;

  /** Returns a client of the daemon {@link #config} configures. */
  DaemonClient client() throws ConfigException {
    return DaemonClient.of(config);
  }

  /** Parses a JSON answer. */
  static JsonNode parse(String body) throws IOException {
    return JSON.readTree(body);
  }

  /**
   * Reports an answer that is not a success on {@code err} with the daemon's own message and
   * returns the exit status it calls for: 77 for 401 and 403, 69 for 503, 1 otherwise.
   */
  static int refused(DaemonClient.Answer a, PrintWriter err) {
    String message = a.body();
    try {
      JsonNode n = parse(a.body());
      if (n.hasNonNull("error")) {
        message = n.get("error").asText();
      } else if (n.hasNonNull("message")) {
        message = n.get("message").asText();
      }
    } catch (IOException | RuntimeException e) {
      // not JSON: shown as it came
    }
    err.println("vigil: the daemon answered " + a.status() + ": " + message);
    err.flush();
    return switch (a.status()) {
      case 401, 403 -> DaemonClient.EXIT_NOPERM;
      case 503 -> DaemonClient.EXIT_UNAVAILABLE;
      default -> 1;
    };
  }
}
