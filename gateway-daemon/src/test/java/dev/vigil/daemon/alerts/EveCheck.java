package dev.vigil.daemon.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.NonValidationKeyword;
import dev.vigil.testsupport.SharedData;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks eve.json lines the way Suricata's tools would take them: each event, with its {@code
 * vigil} key removed, against Suricata's own schema ({@code ../shared/schemas/suricata-eve.schema
 * .json}, whose top level is closed), and the {@code vigil} object against Vigil's ({@code
 * eve/vigil-extension.schema.json}), the event type matching the object's kind ({@code alert}: an
 * alert's explanation; {@value DecisionEvent#EVENT_TYPE}: a decision).
 *
 * <p>Suricata's schema names no {@code $schema}; it uses {@code $defs}, so both are read as JSON
 * Schema 2020-12.
 *
 * <p>Also a command, which {@code scripts/check-eve FILE} runs on a log the daemon wrote (the lab's
 * included): it prints each invalid line with its errors and exits 0 when every line is valid, 1
 * when one is not, 2 when it cannot check (no schema, no file, an empty log).
 *
 * <p>Thread-safe once built.
 */
public final class EveCheck {
  /** The file name of Suricata's schema in the shared schema folder. */
  public static final String SURICATA_SCHEMA = "suricata-eve.schema.json";

  /** The class-path resource of Vigil's extension schema. */
  public static final String VIGIL_SCHEMA = "eve/vigil-extension.schema.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Schema suricata;
  private final Schema vigil;

  private EveCheck(Schema suricata, Schema vigil) {
    this.suricata = suricata;
    this.vigil = vigil;
  }

  /** Returns Suricata's schema from the shared schema folder, or empty if it is not there. */
  public static Optional<Path> suricataSchema() {
    return SharedData.schemas().map(d -> d.resolve(SURICATA_SCHEMA)).filter(Files::isRegularFile);
  }

  /** Reads Suricata's schema from {@code suricataSchema} and Vigil's from the class path. */
  public static EveCheck load(Path suricataSchema) throws IOException {
    // Suricata's schema annotates properties with its own keyword "suricata" (and one misspelt
    // "desription"): annotations that validate nothing, declared so instead of warned about.
    Dialect dialect =
        Dialect.builder(Dialects.getDraft202012())
            .keyword(new NonValidationKeyword("suricata"))
            .keyword(new NonValidationKeyword("desription"))
            .build();
    SchemaRegistry registry = SchemaRegistry.withDefaultDialect(dialect);
    Schema s;
    try (InputStream in = Files.newInputStream(suricataSchema)) {
      s = registry.getSchema(JSON.readTree(in));
    }
    Schema v;
    try (InputStream in = EveCheck.class.getClassLoader().getResourceAsStream(VIGIL_SCHEMA)) {
      if (in == null) {
        throw new IOException("resource " + VIGIL_SCHEMA + " not found on the class path");
      }
      v = registry.getSchema(JSON.readTree(in));
    }
    return new EveCheck(s, v);
  }

  /** Returns what is wrong with one eve.json line; empty when it is valid. */
  public List<String> problems(String line) {
    List<String> out = new ArrayList<>();
    JsonNode event;
    try {
      event = JSON.readTree(line);
    } catch (IOException e) {
      out.add("not JSON: " + e.getMessage());
      return out;
    }
    if (!(event instanceof ObjectNode o)) {
      out.add("not a JSON object");
      return out;
    }
    ObjectNode envelope = o.deepCopy();
    JsonNode ext = envelope.remove("vigil");
    for (Error e : suricata.validate(envelope)) {
      out.add("suricata: " + e);
    }
    if (ext == null) {
      out.add("vigil: missing");
      return out;
    }
    for (Error e : vigil.validate(ext)) {
      out.add("vigil: " + e);
    }
    String type = o.path("event_type").asText("");
    boolean decision = ext.has("decision");
    if ("alert".equals(type)) {
      if (decision) {
        out.add("event_type: an alert with a decision under vigil");
      }
    } else if (DecisionEvent.EVENT_TYPE.equals(type)) {
      if (!decision) {
        out.add("event_type: a decision event without vigil.decision");
      }
    } else {
      out.add("event_type: '" + type + "' is neither alert nor " + DecisionEvent.EVENT_TYPE);
    }
    return out;
  }

  /** The outcome of checking a file. */
  public record Report(int lines, int alerts, int decisions, List<String> invalid) {}

  /** Checks every line of {@code file}; an invalid line is reported with its number and errors. */
  public Report check(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<String> invalid = new ArrayList<>();
    int alerts = 0;
    int decisions = 0;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      List<String> p = problems(line);
      if (!p.isEmpty()) {
        invalid.add(
            file.getFileName() + ":" + (i + 1) + ": " + line + "\n  " + String.join("\n  ", p));
      } else if ("alert".equals(JSON.readTree(line).path("event_type").asText())) {
        alerts++;
      } else {
        decisions++;
      }
    }
    return new Report(lines.size(), alerts, decisions, invalid);
  }

  /**
   * Checks the eve.json files named; exits 0 when every line is valid, 1 when one is not, 2 when it
   * cannot check. {@code --schema FILE} names Suricata's schema (default: found as the tests find
   * the shared folder, or {@code -Dvigil.shared.schemas=DIR}); {@code --allow-empty} accepts a file
   * without events.
   */
  public static void main(String[] args) throws IOException {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs the command on {@code args}, printing to {@code out} and {@code err}; returns its exit
   * code.
   */
  public static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
    Path schema = null;
    boolean allowEmpty = false;
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--schema" -> {
          if (i + 1 == args.length) {
            err.println("check-eve: --schema needs a file");
            return 2;
          }
          schema = Path.of(args[++i]);
        }
        case "--allow-empty" -> allowEmpty = true;
        default -> files.add(Path.of(args[i]));
      }
    }
    if (files.isEmpty()) {
      err.println("usage: check-eve [--schema suricata-eve.schema.json] [--allow-empty] FILE...");
      return 2;
    }
    if (schema == null) {
      Optional<Path> found = suricataSchema();
      if (found.isEmpty()) {
        err.println(
            "check-eve: "
                + SURICATA_SCHEMA
                + " not found (../shared/schemas); pass --schema FILE or -D"
                + SharedData.SCHEMAS_PROPERTY
                + "=DIR");
        return 2;
      }
      schema = found.get();
    }
    EveCheck check = load(schema);
    int rc = 0;
    for (Path f : files) {
      if (!Files.isRegularFile(f)) {
        err.println("check-eve: " + f + ": no such file");
        rc = Math.max(rc, 2);
        continue;
      }
      Report r = check.check(f);
      r.invalid().forEach(err::println);
      out.printf(
          "check-eve: %s: %d event(s), %d alert(s), %d decision event(s), %d invalid%n",
          f, r.lines(), r.alerts(), r.decisions(), r.invalid().size());
      if (!r.invalid().isEmpty()) {
        rc = Math.max(rc, 1);
      } else if (r.lines() == 0 && !allowEmpty) {
        err.println("check-eve: " + f + ": no events");
        rc = Math.max(rc, 2);
      }
    }
    return rc;
  }
}
