package dev.vigil.features.telemetry;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A topic pattern that names where the device and the metric are, e.g. {@code
 * devices/{device}/telemetry} or {@code sensors/{device}/{metric}}; compiled to an MQTT
 * subscription filter ({@code devices/+/telemetry}) and a matcher that extracts the names from a
 * received topic.
 *
 * <p>Syntax, level by level ({@code /}-separated):
 *
 * <ul>
 *   <li>a literal level, matched exactly;
 *   <li>a level holding one placeholder {@code {name}}, optionally with a literal prefix and suffix
 *       ({@code dev-{device}.json}); it matches one non-empty topic level. {@code {device}} and
 *       {@code {metric}} capture the device and the metric; any other name ({@code {site}}) matches
 *       any level and is ignored. Each name may occur once;
 *   <li>{@code #} as the last level: any number of further levels, none included (as in MQTT).
 * </ul>
 *
 * <p>{@code +} is not allowed (write {@code {name}} instead), nor {@code #} anywhere but as the
 * whole last level. As in MQTT, a template starting with a placeholder or {@code #} does not match
 * topics starting with {@code $}.
 *
 * <p>Immutable and thread-safe.
 */
public final class TopicTemplate {
  /** Name of the placeholder that captures the device. */
  public static final String DEVICE = "device";

  /** Name of the placeholder that captures the metric. */
  public static final String METRIC = "metric";

  /**
   * What a topic matched.
   *
   * @param template the template that matched
   * @param device the device named by the topic, or null if the template has no {@code {device}}
   * @param metric the metric named by the topic, or null if the template has no {@code {metric}}
   */
  public record Match(TopicTemplate template, String device, String metric) {}

  // One level: literal != null for a literal level; else a placeholder with prefix and suffix.
  private record Level(String literal, String prefix, String suffix, String name) {}

  private final String pattern;
  private final String filter;
  private final Level[] levels;
  private final boolean multiLevelTail;
  private final int deviceLevel;
  private final int metricLevel;

  private TopicTemplate(
      String pattern, String filter, Level[] levels, boolean tail, int device, int metric) {
    this.pattern = pattern;
    this.filter = filter;
    this.levels = levels;
    this.multiLevelTail = tail;
    this.deviceLevel = device;
    this.metricLevel = metric;
  }

  /**
   * Compiles a template.
   *
   * @throws IllegalArgumentException naming the template and what is wrong with it
   */
  public static TopicTemplate compile(String pattern) {
    Objects.requireNonNull(pattern, "pattern");
    if (pattern.isEmpty()) {
      throw new IllegalArgumentException("topic template must not be empty");
    }
    if (pattern.getBytes(StandardCharsets.UTF_8).length > 65_535) {
      throw new IllegalArgumentException("topic template is longer than 65535 bytes");
    }
    if (pattern.indexOf('\0') >= 0) {
      throw bad(pattern, "contains a NUL character");
    }
    String[] parts = pattern.split("/", -1);
    List<Level> levels = new ArrayList<>();
    Set<String> names = new HashSet<>();
    StringBuilder filter = new StringBuilder();
    boolean tail = false;
    int device = -1;
    int metric = -1;
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      if (i > 0) {
        filter.append('/');
      }
      if (p.indexOf('+') >= 0) {
        throw bad(pattern, "contains '+': write {name} for a single-level wildcard");
      }
      if (p.indexOf('#') >= 0) {
        if (!p.equals("#") || i != parts.length - 1) {
          throw bad(pattern, "'#' is allowed only as the whole last level");
        }
        tail = true;
        filter.append('#');
        break;
      }
      int open = p.indexOf('{');
      int close = p.indexOf('}');
      if (open < 0 && close < 0) {
        levels.add(new Level(p, null, null, null));
        filter.append(p);
        continue;
      }
      if (open < 0
          || close < open
          || p.indexOf('{', open + 1) >= 0
          || p.indexOf('}', close + 1) >= 0) {
        throw bad(pattern, "level '" + p + "' must hold exactly one {name} placeholder");
      }
      String name = p.substring(open + 1, close);
      if (!isName(name)) {
        throw bad(
            pattern,
            "placeholder '{"
                + name
                + "}' must be a letter followed by letters, digits or '_', e.g. {device}");
      }
      if (!names.add(name)) {
        throw bad(pattern, "placeholder {" + name + "} occurs more than once");
      }
      if (name.equals(DEVICE)) {
        device = levels.size();
      } else if (name.equals(METRIC)) {
        metric = levels.size();
      }
      levels.add(new Level(null, p.substring(0, open), p.substring(close + 1), name));
      filter.append('+');
    }
    return new TopicTemplate(
        pattern, filter.toString(), levels.toArray(new Level[0]), tail, device, metric);
  }

  /** Compiles each template, in order. */
  public static List<TopicTemplate> compileAll(List<String> patterns) {
    List<TopicTemplate> out = new ArrayList<>(patterns.size());
    for (String p : patterns) {
      out.add(compile(p));
    }
    return List.copyOf(out);
  }

  private static boolean isName(String s) {
    if (s.isEmpty() || !isAsciiLetter(s.charAt(0))) {
      return false;
    }
    for (int i = 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!isAsciiLetter(c) && !(c >= '0' && c <= '9') && c != '_') {
        return false;
      }
    }
    return true;
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static IllegalArgumentException bad(String pattern, String why) {
    return new IllegalArgumentException("topic template '" + pattern + "' " + why);
  }

  /** Returns the template as written. */
  public String pattern() {
    return pattern;
  }

  /** Returns the MQTT subscription filter, e.g. {@code devices/+/telemetry}. */
  public String filter() {
    return filter;
  }

  /** Returns whether the template captures the device. */
  public boolean hasDevice() {
    return deviceLevel >= 0;
  }

  /** Returns whether the template captures the metric. */
  public boolean hasMetric() {
    return metricLevel >= 0;
  }

  /** Returns what {@code topic} matched, or null if it does not match this template. */
  public Match match(String topic) {
    if (topic.startsWith("$") && (levels.length == 0 || levels[0].literal == null)) {
      return null; // MQTT: wildcards at the first level never match $-topics
    }
    String device = null;
    String metric = null;
    int start = 0;
    int n = topic.length();
    for (int i = 0; i < levels.length; i++) {
      if (start > n) {
        return null; // the topic has fewer levels
      }
      int end = topic.indexOf('/', start);
      if (end < 0) {
        end = n;
      }
      Level l = levels[i];
      if (l.literal != null) {
        if (end - start != l.literal.length() || !topic.startsWith(l.literal, start)) {
          return null;
        }
      } else {
        int pre = l.prefix.length();
        int suf = l.suffix.length();
        if (end - start < pre + suf + 1
            || !topic.startsWith(l.prefix, start)
            || !topic.startsWith(l.suffix, end - suf)) {
          return null;
        }
        if (i == deviceLevel) {
          device = topic.substring(start + pre, end - suf);
        } else if (i == metricLevel) {
          metric = topic.substring(start + pre, end - suf);
        }
      }
      start = end + 1;
    }
    if (start <= n && !multiLevelTail) {
      return null; // the topic has more levels
    }
    return new Match(this, device, metric);
  }

  /** Returns the first template in {@code templates} that {@code topic} matches, or null. */
  public static Match firstMatch(List<TopicTemplate> templates, String topic) {
    for (int i = 0, n = templates.size(); i < n; i++) {
      Match m = templates.get(i).match(topic);
      if (m != null) {
        return m;
      }
    }
    return null;
  }

  /** Returns the distinct subscription filters of {@code templates}, in order. */
  public static List<String> filters(List<TopicTemplate> templates) {
    List<String> out = new ArrayList<>();
    for (TopicTemplate t : templates) {
      if (!out.contains(t.filter)) {
        out.add(t.filter);
      }
    }
    return List.copyOf(out);
  }

  @Override
  public String toString() {
    return pattern;
  }
}
