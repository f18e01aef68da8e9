package dev.vigil.mitigate.backend;

import dev.vigil.common.settings.Durations;
import dev.vigil.common.settings.StrictSettings;
import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.DecisionJson;
import dev.vigil.mitigate.api.InvalidConfigException;
import dev.vigil.mitigate.api.Mitigator;
import dev.vigil.mitigate.api.Targets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a configured program to apply and to revoke decisions: an argument vector, started with
 * {@link ProcessBuilder} directly, never through a shell. Elements may hold placeholders, replaced
 * by the decision's fields after validation: {@code {value}} (canonicalised by {@link Targets}),
 * {@code {scope}}, {@code {action}}, {@code {id}} (letters, digits, {@code . _ -} only) and {@code
 * {ttl_seconds}}; the program itself ({@code argv[0]}, an absolute path) takes none. The program
 * must exit 0 within the timeout, else the call fails (the process is killed on timeout).
 *
 * <p>Settings ({@code mitigators.exec}): {@code apply} (required, a list), {@code revoke} (a list;
 * without it revoking does nothing), {@code timeout} (default 10s). Thread-safe once configured.
 */
public final class ExecMitigator implements Mitigator {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z_]+)}");
  private static final Set<String> NAMES = Set.of("value", "scope", "action", "id", "ttl_seconds");
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final int OUTPUT_TAIL = 2048;

  /**
   * Exec settings.
   *
   * @param apply the argument vector run to apply
   * @param revoke the argument vector run to revoke; empty for none
   * @param timeout how long the program may run
   */
  public record Config(List<String> apply, List<String> revoke, Duration timeout) {
    /** Copies. */
    public Config {
      apply = List.copyOf(apply);
      revoke = List.copyOf(revoke);
    }
  }

  private volatile Config config;

  /** Creates an unconfigured instance (as {@link java.util.ServiceLoader} does). */
  public ExecMitigator() {}

  /** Creates a configured instance. */
  public ExecMitigator(Config config) {
    this.config = config;
  }

  @Override
  public String type() {
    return "exec";
  }

  @Override
  public void configure(Map<String, Object> settings) throws InvalidConfigException {
    StrictSettings s =
        StrictSettings.of("mitigators.exec", settings, Set.of("apply", "revoke", "timeout"));
    List<String> apply = argv(s, "apply", true);
    List<String> revoke = argv(s, "revoke", false);
    Duration timeout =
        s.duration(
            "timeout", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofMinutes(5));
    InvalidConfigException.check(s);
    config = new Config(apply, revoke, timeout);
  }

  private static List<String> argv(StrictSettings s, String k, boolean required) {
    if (s.raw(k) == null) {
      if (required) {
        s.problem(k, "required, the program and its arguments as a list");
      }
      return List.of();
    }
    if (!(s.raw(k) instanceof List<?>)) {
      s.problem(k, "expected a list (the program and its arguments), got " + s.describe(s.raw(k)));
      return List.of();
    }
    List<String> argv = s.strings(k);
    if (argv.isEmpty()) {
      s.problem(k, "must name a program");
      return List.of();
    }
    if (!argv.get(0).startsWith("/") || argv.get(0).contains("{")) {
      s.problem(k + "[0]", "the program must be an absolute path without placeholders");
    }
    for (int i = 0; i < argv.size(); i++) {
      Matcher m = PLACEHOLDER.matcher(argv.get(i));
      while (m.find()) {
        if (!NAMES.contains(m.group(1))) {
          s.problem(
              k + "[" + i + "]",
              "unknown placeholder {"
                  + m.group(1)
                  + "} (known: "
                  + String.join(", ", NAMES.stream().sorted().toList())
                  + ")");
        }
      }
    }
    return argv;
  }

  @Override
  public void apply(Decision d) throws IOException, InterruptedException {
    Config c = require();
    run(c, c.apply(), d);
  }

  @Override
  public void revoke(Decision d) throws IOException, InterruptedException {
    Config c = require();
    if (!c.revoke().isEmpty()) {
      run(c, c.revoke(), d);
    }
  }

  @Override
  public String preflight() {
    return health();
  }

  @Override
  public String health() {
    Config c = config;
    if (c == null) {
      return "exec: not configured (mitigators.exec.apply is required)";
    }
    Path program = Path.of(c.apply().get(0));
    return Files.isExecutable(program) ? null : "exec: [" + program + "] is not executable";
  }

  private Config require() {
    Config c = config;
    if (c == null) {
      throw new IllegalStateException("exec mitigator is not configured");
    }
    return c;
  }

  /** Returns the argument vector for {@code d}, every value validated before substitution. */
  static List<String> substitute(List<String> template, Decision d) {
    String value = Targets.canonical(d.scope(), d.value());
    if (!ID.matcher(d.id()).matches()) {
      throw new IllegalArgumentException("decision id [" + Targets.quote(d.id()) + "] is not safe");
    }
    List<String> out = new ArrayList<>(template.size());
    for (String t : template) {
      Matcher m = PLACEHOLDER.matcher(t);
      StringBuilder b = new StringBuilder();
      while (m.find()) {
        String v =
            switch (m.group(1)) {
              case "value" -> value;
              case "scope" -> d.scope().name().toLowerCase(Locale.ROOT);
              case "action" -> d.action().name().toLowerCase(Locale.ROOT);
              case "id" -> d.id();
              case "ttl_seconds" -> Long.toString(DecisionJson.ttlSeconds(d));
              default -> throw new IllegalStateException("unknown placeholder " + m.group());
            };
        m.appendReplacement(b, Matcher.quoteReplacement(v));
      }
      m.appendTail(b);
      out.add(b.toString());
    }
    return out;
  }

  private static void run(Config c, List<String> template, Decision d)
      throws IOException, InterruptedException {
    List<String> argv = substitute(template, d);
    Path out = Files.createTempFile("vigil-exec", ".out");
    try {
      Process p =
          new ProcessBuilder(argv)
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      boolean exited;
      try {
        exited = p.waitFor(c.timeout().toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        // abandoned at the manager's deadline: leave no program running behind it
        p.destroyForcibly();
        throw e;
      }
      if (!exited) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        throw new IOException(argv.get(0) + " timed out after " + Durations.format(c.timeout()));
      }
      if (p.exitValue() != 0) {
        throw new IOException(argv.get(0) + " exited with " + p.exitValue() + ": " + tail(out));
      }
    } finally {
      Files.deleteIfExists(out);
    }
  }

  private static String tail(Path f) throws IOException {
    byte[] b = Files.readAllBytes(f);
    int from = Math.max(0, b.length - OUTPUT_TAIL);
    return new String(b, from, b.length - from, StandardCharsets.UTF_8).strip();
  }
}
