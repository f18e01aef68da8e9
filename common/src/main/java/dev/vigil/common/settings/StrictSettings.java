package dev.vigil.common.settings;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads one mapping of a configuration strictly, as a YAML parser such as SnakeYAML produces it
 * (maps with string keys, lists, {@link String}, {@link Boolean}, {@link Integer}, {@link Long},
 * {@link BigInteger}, {@link Double}): unknown keys, wrong types and out-of-range values are
 * recorded as problems, each prefixed with the full path of its key (such as {@code
 * mitigation.backends[0].table: ...}), instead of thrown, so that every problem in a file can be
 * reported at once. Getters return the default after recording a problem, so reading can go on; the
 * caller checks {@link #problems()} (or calls {@link #check}) before using anything read.
 *
 * <p>A root and every section read from it share one problem list. A {@code null} value reads as
 * absent; a {@code null} mapping reads as empty. Instances are not thread-safe: read a
 * configuration on one thread.
 */
public final class StrictSettings {
  /** How messages write the values and durations they quote. */
  public enum Notation {
    /**
     * Values in apostrophes ({@code got string 'ten'}), type names as the value's class, durations
     * in ISO-8601 ({@code PT10S}): the daemon configuration's wording.
     */
    ISO,
    /**
     * Values in brackets ({@code got string [ten]}), durations written {@code 1h30m}, and a hint to
     * quote what YAML read as a base-60 number: the policy's and the mitigators' wording.
     */
    SHORT
  }

  private static final int MAX_QUOTED = 64;

  private final String source;
  private final String path;
  private final Map<String, Object> values;
  private final List<String> problems;
  private final Notation notation;

  private StrictSettings(
      String source,
      String path,
      Map<String, Object> values,
      List<String> problems,
      Notation notation) {
    this.source = source;
    this.path = path;
    this.values = values;
    this.problems = problems;
    this.notation = notation;
  }

  /**
   * Wraps a parsed mapping with {@link Notation#SHORT} wording, checking its keys against {@code
   * allowed}; see {@link #of(String, Object, Set, Notation)}.
   */
  public static StrictSettings of(String source, Object mapping, Set<String> allowed) {
    return of(source, mapping, allowed, Notation.SHORT);
  }

  /**
   * Wraps a parsed mapping (a whole file, or one section of one), checking its keys against {@code
   * allowed}. A {@code null} mapping reads as empty; anything else that is not a {@link Map} is a
   * problem.
   *
   * @param source where the configuration came from, for the caller's messages
   * @param notation how messages quote values and durations
   */
  public static StrictSettings of(
      String source, Object mapping, Set<String> allowed, Notation notation) {
    StrictSettings root = new StrictSettings(source, "", Map.of(), new ArrayList<>(), notation);
    return root.wrap("", mapping, allowed);
  }

  private StrictSettings wrap(String p, Object v, Set<String> allowed) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (v instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getKey() instanceof String k)) {
          problems.add((p.isEmpty() ? "" : p + ".") + e.getKey() + ": keys must be strings");
          continue;
        }
        m.put(k, e.getValue());
      }
    } else if (v != null) {
      problems.add((p.isEmpty() ? "(top level)" : p) + ": expected a mapping, got " + describe(v));
    }
    StrictSettings s = new StrictSettings(source, p, m, problems, notation);
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

  /** Returns this section's full key path ({@code ""} for the root). */
  public String path() {
    return path;
  }

  /** Returns the full path of {@code k} in this section, such as {@code rules[2].match.kind}. */
  public String key(String k) {
    return path.isEmpty() ? k : path + "." + k;
  }

  /** Records a problem with key {@code k} of this section. */
  public void problem(String k, String message) {
    problems.add(key(k) + ": " + message);
  }

  /** Records a problem written in full, such as one about this section as a whole. */
  public void problem(String text) {
    problems.add(text);
  }

  /** Returns whether problems have been recorded so far (in this section or any other). */
  public boolean hasProblems() {
    return !problems.isEmpty();
  }

  /** Returns the problems recorded so far, in order, as an unmodifiable view. */
  public List<String> problems() {
    return Collections.unmodifiableList(problems);
  }

  /**
   * Throws the exception {@code failure} makes of the problems if any were recorded.
   *
   * @throws X listing them all
   */
  public <X extends Exception> void check(Function<List<String>, X> failure) throws X {
    if (!problems.isEmpty()) {
      throw failure.apply(List.copyOf(problems));
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
    return Collections.unmodifiableSet(values.keySet());
  }

  /** Returns the mapping under {@code k} (empty if absent), checking its keys. */
  public StrictSettings section(String k, Set<String> allowed) {
    return wrap(key(k), values.get(k), allowed);
  }

  /** Returns the mappings in the list under {@code k} (empty if absent), checking their keys. */
  public List<StrictSettings> sections(String k, Set<String> allowed) {
    Object v = values.get(k);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> list)) {
      problem(k, "expected a list, got " + describe(v));
      return List.of();
    }
    List<StrictSettings> out = new ArrayList<>();
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

  /** Returns the non-blank string under {@code k}, or {@code def} (which may be null). */
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

  /**
   * Returns the integer under {@code k} in {@code [min, max]}, or {@code def}. A YAML integer too
   * large for an {@code int} is out of range, not of the wrong type.
   */
  public int integer(String k, int def, int min, int max) {
    Object v = values.get(k);
    if (v == null) {
      return def;
    }
    if (!(v instanceof Integer || v instanceof Long || v instanceof Short)) {
      problem(k, "expected an integer, got " + describe(v));
      return def;
    }
    long i = ((Number) v).longValue();
    if (i < min || i > max) {
      problem(k, "must be between " + min + " and " + max + ", was " + i);
      return def;
    }
    return (int) i;
  }

  /**
   * Returns the number (integer or decimal) under {@code k} in {@code [min, max]}, or {@code def}.
   */
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
   * Returns the duration under {@code k} (any form {@link Durations#parse} reads, surrounding white
   * space ignored) in {@code [min, max]}, or {@code def}.
   */
  public Duration duration(String k, Duration def, Duration min, Duration max) {
    Object v = values.get(k);
    if (v == null) {
      return def;
    }
    Duration d = v instanceof String s ? Durations.parse(s.strip()) : null;
    if (d == null) {
      problem(
          k,
          (notation == Notation.ISO
                  ? "expected a duration such as 500ms, 10s, 5m or PT10S, got "
                  : "expected a duration such as 500ms, 10s, 5m, 2h, 7d or PT10S, got ")
              + describe(v));
      return def;
    }
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      problem(k, "must be between " + text(min) + " and " + text(max) + ", was " + text(d));
      return def;
    }
    return d;
  }

  /**
   * Returns the list of non-blank strings under {@code k}: empty if absent; a single string reads
   * as a list of one. Each bad entry is a problem of its own ({@code k[i]}).
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
    return entries(k, list);
  }

  /**
   * Returns the non-empty list of non-blank strings under {@code k}, or null if absent; a value
   * that is not such a list is a problem (and null), a bad entry a problem of its own.
   */
  public List<String> nonEmptyStrings(String k) {
    Object v = values.get(k);
    if (v == null) {
      return null;
    }
    if (!(v instanceof List<?> list) || list.isEmpty()) {
      problem(k, "expected a non-empty list of strings, got " + describe(v));
      return null;
    }
    return entries(k, list);
  }

  private List<String> entries(String k, List<?> list) {
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

  /** Writes {@code d} for a message in this reader's notation. */
  public String text(Duration d) {
    return notation == Notation.ISO ? d.toString() : Durations.format(d);
  }

  /**
   * Describes a parsed value for a message in this reader's notation: its type and its text, cut
   * short, with control and non-ASCII characters escaped; {@code nothing} for null.
   */
  public String describe(Object v) {
    if (v == null) {
      return "nothing";
    }
    String type =
        v instanceof Map<?, ?>
            ? "mapping"
            : v instanceof List<?>
                ? "list"
                : notation == Notation.ISO
                    ? v.getClass().getSimpleName().toLowerCase(Locale.ROOT)
                    : v instanceof String
                        ? "string"
                        : v instanceof Boolean
                            ? "boolean"
                            : v instanceof Integer || v instanceof Long || v instanceof BigInteger
                                ? "integer"
                                : v instanceof Double
                                    ? "number"
                                    : v instanceof java.util.Date ? "timestamp" : "value";
    String text = quote(String.valueOf(v));
    return notation == Notation.ISO ? type + " '" + text + "'" : type + " [" + text + "]";
  }

  /**
   * Returns {@code text} cut to 64 characters (then {@code ...}), with control and non-ASCII
   * characters written as {@code \\uXXXX}, so a message cannot forge log lines; "null" for null.
   */
  public static String quote(String text) {
    if (text == null) {
      return "null";
    }
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < text.length() && s.length() < MAX_QUOTED; i++) {
      char c = text.charAt(i);
      if (c >= 0x20 && c < 0x7f) {
        s.append(c);
      } else {
        s.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      }
    }
    if (s.length() >= MAX_QUOTED || text.length() > MAX_QUOTED) {
      s.setLength(Math.min(s.length(), MAX_QUOTED));
      s.append("...");
    }
    return s.toString();
  }

  /** YAML 1.1 reads {@code 10:00:00} (a time, or a MAC) as a base-60 number: say so. */
  private String quoteHint(Object v) {
    return notation == Notation.SHORT
            && (v instanceof Integer || v instanceof Long || v instanceof Double)
        ? " (quote it: YAML reads 10:30 or 10:00:00:00:00:01 as a base-60 number)"
        : "";
  }
}
