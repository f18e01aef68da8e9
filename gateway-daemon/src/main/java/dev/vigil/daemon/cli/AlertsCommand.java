package dev.vigil.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.common.settings.Durations;
import dev.vigil.daemon.config.ConfigException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code vigil alerts}: the running daemon's recent alerts over its REST API ({@code /alerts}). */
@Command(
    name = "alerts",
    mixinStandardHelpOptions = true,
    versionProvider = BuildVersion.class,
    description = {
      "List the running daemon's alerts, newest first (GET /alerts).",
      "Example: vigil alerts --since 1h --severity high"
    })
final class AlertsCommand implements Callable<Integer> {
  @Mixin ApiOptions api;

  @Option(
      names = "--since",
      paramLabel = "WHEN",
      description =
          "detected at or after: an ISO-8601 instant, or a duration back from now (10m, 1h)")
  String since;

  @Option(
      names = "--severity",
      paramLabel = "LEVEL",
      description = "the lowest severity shown: low, medium, high or critical")
  String severity;

  @Option(
      names = "--detector",
      paramLabel = "NAME",
      description = "only this detector's: ensemble, beacon, auth or telemetry")
  String detector;

  @Option(names = "--src", paramLabel = "IP", description = "only alerts about this address")
  String src;

  @Option(
      names = {"-n", "--limit"},
      defaultValue = "100",
      description = "most alerts shown (default ${DEFAULT-VALUE})")
  int limit;

  @Option(
      names = "--before",
      paramLabel = "ID",
      description = "only alerts older than this id (the next page)")
  Long before;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    StringBuilder q = new StringBuilder("/alerts?limit=").append(limit);
    if (since != null) {
      Instant from = since(since, Instant.now());
      if (from == null) {
        err.println(
            "vigil: --since takes an ISO-8601 instant (2026-01-31T12:00:00Z) or a duration (10m,"
                + " 1h), was '"
                + since
                + "'");
        return 2;
      }
      q.append("&since=").append(from);
    }
    param(q, "severity", severity);
    param(q, "detector", detector);
    param(q, "src", src);
    if (before != null) {
      q.append("&before=").append(before);
    }
    try {
      DaemonClient.Answer a = api.client().get(q.toString());
      if (a.status() != 200) {
        return ApiOptions.refused(a, err);
      }
      if (api.json) {
        out.println(a.body());
        out.flush();
        return 0;
      }
      JsonNode alerts = ApiOptions.parse(a.body());
      TextTable t = new TextTable("ID", "DETECTED", "SEVERITY", "DETECTOR", "ENTITY", "SUMMARY");
      String lastId = null;
      for (JsonNode al : alerts) {
        JsonNode v = al.path("vigil");
        lastId = v.path("id").asText();
        t.add(
            lastId,
            v.path("detected_at").asText(),
            v.path("severity").asText(),
            v.path("detector").asText(),
            entity(al),
            v.path("summary").asText());
      }
      if (t.size() == 0) {
        out.println("no alerts");
        out.flush();
        return 0;
      }
      t.print(out);
      if (a.next().isPresent() && lastId != null) {
        out.println("more: add --before " + lastId);
        out.flush();
      }
      return 0;
    } catch (ConfigException e) {
      err.println(e.getMessage());
      return VigilCli.EXIT_CONFIG;
    } catch (DaemonClient.Failure e) {
      err.println("vigil: " + e.getMessage());
      return e.exitCode;
    } catch (IOException e) {
      err.println("vigil: the daemon's answer is not JSON: " + e.getMessage());
      return 1;
    }
  }

  /** Reads {@code --since}: an instant, or a duration back from {@code now}; null if neither. */
  static Instant since(String text, Instant now) {
    try {
      return Instant.parse(text.strip());
    } catch (DateTimeParseException e) {
      Duration d = Durations.parse(text.strip());
      return d == null || d.isNegative() ? null : now.minus(d);
    }
  }

  private static String entity(JsonNode alert) {
    if (alert.hasNonNull("src_ip")) {
      String s = alert.get("src_ip").asText();
      if (alert.hasNonNull("dest_ip")) {
        s += " -> " + alert.get("dest_ip").asText();
      }
      return s;
    }
    JsonNode t = alert.path("telemetry");
    return t.isMissingNode() ? "" : t.path("device").asText() + "/" + t.path("metric").asText();
  }

  private static void param(StringBuilder q, String name, String value) {
    if (value != null) {
      q.append('&')
          .append(name)
          .append('=')
          .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
  }
}
