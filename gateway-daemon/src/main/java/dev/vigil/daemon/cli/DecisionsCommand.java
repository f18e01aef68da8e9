package dev.vigil.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.daemon.config.ConfigException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vigil decisions list|add|delete}: the running daemon's decisions over its REST API ({@code
 * /decisions}), as {@code cscli decisions} does for CrowdSec.
 */
@Command(
    name = "decisions",
    mixinStandardHelpOptions = true,
    versionProvider = BuildVersion.class,
    description = "List, add and delete the running daemon's decisions (over its REST API).",
    subcommands = {
      DecisionsCommand.ListDecisions.class,
      DecisionsCommand.Add.class,
      DecisionsCommand.Delete.class
    })
final class DecisionsCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 2;
  }

  /** Prints a decision table (or the JSON). */
  static void print(JsonNode decisions, PrintWriter out) {
    TextTable t =
        new TextTable(
            "ID", "SCOPE", "VALUE", "ACTION", "STATE", "BACKENDS", "EXPIRES", "ORIGIN", "REASON");
    for (JsonNode d : decisions) {
      t.add(
          d.path("id").asText(),
          d.path("scope").asText(),
          d.path("value").asText(),
          d.path("action").asText() + (d.path("simulated").asBoolean() ? " (simulated)" : ""),
          d.path("state").asText(),
          backends(d.path("backends")),
          d.path("expires").asText(),
          d.path("origin").asText(),
          d.path("reason").asText());
    }
    if (t.size() == 0) {
      out.println("no decisions");
      out.flush();
      return;
    }
    t.print(out);
  }

  /**
   * Returns each backend's state as {@code nftables:applied webhook:failed(2)} (attempts when more
   * than one), or {@code -} when none.
   */
  static String backends(JsonNode backends) {
    StringBuilder b = new StringBuilder();
    for (JsonNode o : backends) {
      if (b.length() > 0) {
        b.append(' ');
      }
      b.append(o.path("backend").asText()).append(':').append(o.path("state").asText());
      int attempts = o.path("attempts").asInt();
      if (attempts > 1) {
        b.append('(').append(attempts).append(')');
      }
    }
    return b.length() == 0 ? "-" : b.toString();
  }

  /** {@code vigil decisions list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      versionProvider = BuildVersion.class,
      description = "List the decisions in force (GET /decisions).")
  static final class ListDecisions implements Callable<Integer> {
    @Mixin ApiOptions api;

    @Option(
        names = {"-a", "--all"},
        description = "also the decisions that ended in the last 7 days")
    boolean all;

    @Option(
        names = {"-n", "--limit"},
        defaultValue = "1000",
        description = "most decisions listed (default ${DEFAULT-VALUE})")
    int limit;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try {
        DaemonClient.Answer a = api.client().get("/decisions?all=" + all + "&limit=" + limit);
        if (a.status() != 200) {
          return ApiOptions.refused(a, err);
        }
        if (api.json) {
          out.println(a.body());
          out.flush();
        } else {
          print(ApiOptions.parse(a.body()), out);
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
  }

  /** {@code vigil decisions add}. */
  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      versionProvider = BuildVersion.class,
      description = {
        "Enact an operator's decision (POST /decisions, with the token of"
            + " mitigation.token-file). The policy's allowlist and the gateway's own addresses"
            + " are refused.",
        "Example: vigil decisions add --value 10.0.0.5 --ttl 10m --reason 'port scan'"
      })
  static final class Add implements Callable<Integer> {
    @Mixin ApiOptions api;

    @Option(
        names = {"-s", "--scope"},
        defaultValue = "ip",
        description = "ip, cidr, mac or device (default ${DEFAULT-VALUE})")
    String scope;

    @Option(
        names = {"-v", "--value"},
        required = true,
        description = "the address, block, MAC or device id")
    String value;

    @Option(
        names = {"-t", "--ttl"},
        required = true,
        description = "how long it lasts: 30s, 10m, 1h, 7d or ISO-8601 (at most max-manual-ttl)")
    String ttl;

    @Option(
        names = "--action",
        defaultValue = "quarantine",
        description = "quarantine, reroute or alert (default ${DEFAULT-VALUE})")
    String action;

    @Option(
        names = {"-r", "--reason"},
        description = "why (kept with the decision)")
    String reason;

    @Option(names = "--dry-run", description = "store and list it, never apply it")
    boolean dryRun;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      ObjectNode body = new ObjectMapper().createObjectNode();
      body.put("scope", scope).put("value", value).put("action", action).put("ttl", ttl);
      if (reason != null) {
        body.put("reason", reason);
      }
      if (dryRun) {
        body.put("dry-run", true);
      }
      try {
        DaemonClient.Answer a = api.client().post("/decisions", body.toString());
        if (a.status() != 201) {
          return ApiOptions.refused(a, err);
        }
        if (api.json) {
          out.println(a.body());
          out.flush();
        } else {
          print(ApiOptions.parse("[" + a.body() + "]"), out);
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
  }

  /** {@code vigil decisions delete ID...}. */
  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      versionProvider = BuildVersion.class,
      description =
          "Lift decisions before their time (DELETE /decisions/ID, with the token of"
              + " mitigation.token-file).")
  static final class Delete implements Callable<Integer> {
    @Mixin ApiOptions api;

    @Parameters(arity = "1..*", paramLabel = "ID", description = "decision ids (see list)")
    List<String> ids;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try {
        DaemonClient client = api.client();
        int status = 0;
        for (String id : ids) {
          DaemonClient.Answer a =
              client.delete("/decisions/" + URLEncoder.encode(id, StandardCharsets.UTF_8));
          if (a.status() == 204) {
            out.println("lifted " + id);
            out.flush();
          } else {
            status = Math.max(status, ApiOptions.refused(a, err));
          }
        }
        return status;
      } catch (ConfigException e) {
        err.println(e.getMessage());
        return VigilCli.EXIT_CONFIG;
      } catch (DaemonClient.Failure e) {
        err.println("vigil: " + e.getMessage());
        return e.exitCode;
      }
    }
  }
}
