package dev.vigil.mitigate.api;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads one mapping of a configuration strictly: unknown keys, wrong types and out-of-range values
 * are recorded as problems (each with its key's path) instead of thrown, so that every problem in a
 * file is reported at once by {@link #check}. Getters return the default after recording a problem,
 * so parsing can go on; the caller must call {@link #check} before using anything read.
 *
 * <p>A root and the sections read from it share one problem list. Not thread-safe.
 */
public final class Settings {
  private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

  private final String source;
  private final String path;
  private final Map<String, Object> values;
  private final List<String> problems;

  private Settings(String source, String path, Map<String, Object> values, List<String> problems) {
    this.source = source;
    this.path = path;
    this.values = values;
    this.problems = problems;
  }

  /**
   * Parses YAML text with SnakeYAML's {@link SafeConstructor} (plain maps, lists and scalars only;
   * duplicate keys refused; aliases limited) and returns its top-level mapping; an empty document
   * is an empty mapping.
   *
   * @throws InvalidConfigException if the text is not YAML or its top level is not a mapping
   */
  public static Settings parseYaml(String source, String text, Set<String> allowed)
      throws InvalidConfigException {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(10);
    options.setCodePointLimit(1 << 20);
    Object root;
    try {
      root = new Yaml(new SafeConstructor(options)).load(text);
    } catch (YAMLException e) {
      throw new InvalidConfigException(
          source, List.of("not valid YAML: " + String.valueOf(e.getMessage()).replace('\n', ' ')));
    }
    if (root == null) {
      root = Map.of();
    }
    if (!(root instanceof Map<?, ?>)) {
      throw new InvalidConfigException(
          source, List.of("the top level must be a mapping, got " + describe(root)));
    }
    return of(source, root, allowed);
  }

  /**
   * Wraps an already parsed mapping (e.g. one section of the daemon's configuration), checking its
   * keys against {@code allowed}. A {@code null} mapping reads as empty.
   */
  public static Settings of(String source, Object mapping, Set<String> allowed) {
    List<String> problems = new ArrayList<>();
    Settings s = new Settings(source, "", Map.of(), problems);
    return s.wrap("", mapping, allowed);
  }

  private Settings wrap(String p, Object v, Set<String> allowed) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (v instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getKey() instanceof String k)) {
          problems.add(
              (p.isEmpty() ? "" : p + ": ") + "keys must be strings, got " + describe(e.getKey()));
          continue;
        }
        m.put(k, e.getValue());
      }
    } else if (v != null) {
      problems.add((p.isEmpty() ? "(top level)" : p) + ": expected a mapping, got " + describe(v));
    }
    Settings s = new Settings(source, p, m, problems);
    for (String k : m.keySet()) {
      if (!allowed.contains(k)) {
        problems.add(
            s.key(k)
                + ": unknown key (allowed here: "
                + String.join(", ", allowed.stream().sorted().toList())
                + ")");
      }
    }
    return s;
  }

  /** Returns where the configuration came from. */
  public String source() {
    return source;
  }

  /** Returns the full path of {@code k} in this section, such as {@code rules[2].match.kind}. */
  public String key(String k) {
    return path.isEmpty() ? k : path + "." + k;
  }

  /** Records a problem with key {@code k}. */
  public void problem(String k, String message) {
    problems.add(key(k) + ": " + message);
  }

  /** Returns whether problems have been recorded so far (in this section or any other). */
  public boolean hasProblems() {
    return !problems.isEmpty();
  }

  /**
   * Throws if any problem has been recorded.
   *
   * @throws InvalidConfigException listing them all
   */
  public void check() throws InvalidConfigException {
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(source, problems);
    }
  }

  /** Returns whether {@code k} is present (even with a null value). */
  public boolean has(String k) {
    return values.containsKey(k);
  }

  /** Returns the raw value of {@code k}, or null. */
  public Object raw(String k) {
    return values.get(k);
  }

  /** Returns the keys present, in file order. */
  public Set<String> keys() {
    return values.keySet();
  }

  /** Returns the mapping under {@code k} (empty if absent), checking its keys. */
  public Settings section(String k, Set<String> allowed) {
    return wrap(key(k), values.get(k), allowed);
  }

  /** Returns the mappings in the list under {@code k} (empty if absent), checking their keys. */
  public List<Settings> sections(String k, Set<String> allowed) {
    Object v = values.get(k);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> list)) {
      problem(k, "expected a list, got " + describe(v));
      return List.of();
    }
    List<Settings> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      out.add(wrap(key(k) + "[" + i + "]", list.get(i), allowed));
    }
    return out;
  }

  /** Returns the boolean under {@code k}, or {@code def}. */
  public boolean bool(String k, boolean def) {
    Object v = values.get(k);
    if (v == null) {
      return def;
    }
    if (!(v instanceof Boolean b)) {
      problem(k, "expected true or false, got " + describe(v));
      return def;
    }
    return b;
  }

  /** Returns the non-blank string under {@code k}, or {@code def}. */
  public String string(String k, String def) {
    Object v = values.get(k);
    if (v == null) {
      return def;
    }
    if (!(v instanceof String s) || s.isBlank()) {
      problem(k, "expected a non-empty string, got " + describe(v) + quoteHint(v));
      return def;
    }
    return s;
  }

  /** Returns the non-blank string under {@code k}, recording a problem (and null) if absent. */
  public String requiredString(String k) {
    if (values.get(k) == null) {
      problem(k, "required");
      return null;
    }
    return string(k, null);
  }

  /** Returns the integer under {@code k} in {@code [min, max]}, or {@code def}. */
  public int integer(String k, int def, int min, int max) {
    Object v = values.get(k);
    if (v == null) {
      return def;
    }
    if (!(v instanceof Integer i)) {
      problem(k, "expected an integer, got " + describe(v));
      return def;
    }
    if (i < min || i > max) {
      problem(k, "must be between " + min + " and " + max + ", was " + i);
      return def;
    }
    return i;
  }

  /** Returns the number under {@code k} in {@code [min, max]}, or {@code def}. */
  public double number(String k, double def, double min, double max) {
    Object v = values.get(k);
    if (v == null) {
      return def;
    }
    if (!(v instanceof Integer || v instanceof Double)) {
      problem(k, "expected a number, got " + describe(v));
      return def;
    }
    double d = ((Number) v).doubleValue();
    if (!(d >= min && d <= max)) {
      problem(k, "must be between " + min + " and " + max + ", was " + d);
      return def;
    }
    return d;
  }

  /**
   * Returns the duration under {@code k} (such as {@code 500ms}, {@code 10s}, {@code 5m}, {@code
   * 2h}, {@code 7d} or ISO-8601 {@code PT10S}) in {@code [min, max]}, or {@code def}.
   */
  public Duration duration(String k, Duration def, Duration min, Duration max) {
    Object v = values.get(k);
    if (v == null) {
      return def;
    }
    Duration d = v instanceof String s ? parseDuration(s.trim()) : null;
    if (d == null) {
      problem(k, "expected a duration such as 500ms, 10s, 5m, 2h, 7d or PT10S, got " + describe(v));
      return def;
    }
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      problem(k, "must be between " + human(min) + " and " + human(max) + ", was " + human(d));
      return def;
    }
    return d;
  }

  /**
   * Returns the list of non-blank strings under {@code k}: empty if absent; a single string is read
   * as a list of one.
   */
  public List<String> strings(String k) {
    Object v = values.get(k);
    if (v == null) {
      return List.of();
    }
    if (v instanceof String s && !s.isBlank()) {
      return List.of(s);
    }
    if (!(v instanceof List<?> list)) {
      problem(k, "expected a list of strings, got " + describe(v) + quoteHint(v));
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      Object x = list.get(i);
      if (!(x instanceof String s) || s.isBlank()) {
        problems.add(
            key(k) + "[" + i + "]: expected a non-empty string, got " + describe(x) + quoteHint(x));
        continue;
      }
      out.add(s);
    }
    return out;
  }

  /** Returns {@code 1h30m}-style text for a duration, for messages. */
  public static String human(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    if (d.toMillis() % 1000 != 0 || d.compareTo(Duration.ofSeconds(1)) < 0) {
      return d.toMillis() + "ms";
    }
    long s = d.getSeconds();
    StringBuilder b = new StringBuilder();
    long[] units = {86_400, 3_600, 60, 1};
    String[] names = {"d", "h", "m", "s"};
    for (int i = 0; i < units.length; i++) {
      if (s >= units[i]) {
        b.append(s / units[i]).append(names[i]);
        s %= units[i];
      }
    }
    return b.toString();
  }

  /**
   * Parses {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 7d} or ISO-8601; null if not.
   */
  public static Duration parseDuration(String s) {
    Matcher m = SIMPLE_DURATION.matcher(s);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    if (s.startsWith("P") || s.startsWith("p")) {
      try {
        Duration d = Duration.parse(s.toUpperCase(Locale.ROOT));
        return d.isNegative() ? null : d;
      } catch (DateTimeParseException e) {
        return null;
      }
    }
    return null;
  }

  /** Describes a parsed YAML value for a message: its type and (cut short) text. */
  public static String describe(Object v) {
    if (v == null) {
      return "nothing";
    }
    String type =
        v instanceof String
            ? "string"
            : v instanceof Boolean
                ? "boolean"
                : v instanceof Integer || v instanceof Long || v instanceof java.math.BigInteger
                    ? "integer"
                    : v instanceof Double
                        ? "number"
                        : v instanceof Map<?, ?>
                            ? "mapping"
                            : v instanceof List<?>
                                ? "list"
                                : v instanceof java.util.Date ? "timestamp" : "value";
    String text = Objects.toString(v);
    return type + " [" + Targets.quote(text) + "]";
  }

  /** YAML 1.1 reads {@code 10:00:00} (a time, or a MAC) as a base-60 number: say so. */
  private static String quoteHint(Object v) {
    return v instanceof Integer || v instanceof Long || v instanceof Double
        ? " (quote it: YAML reads 10:30 or 10:00:00:00:00:01 as a base-60 number)"
        : "";
  }
}
