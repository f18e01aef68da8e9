package dev.vigil.daemon.config;

import dev.vigil.common.settings.StrictSettings;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the {@code logging} section for {@link ConfigLoader}: log levels (the root's and per
 * package or class) and how many alerts a minute are written to the log.
 */
final class LoggingSection {
  static final Set<String> KEYS = Set.of("level", "alerts-per-minute");
  static final Set<String> LEVELS = Set.of("off", "error", "warn", "info", "debug", "trace");
  private static final Pattern LOGGER =
      Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*");
  private static final int MAX_LEVELS = 64;

  private LoggingSection() {}

  static VigilConfig.Logging parse(StrictSettings logging) {
    Map<String, String> levels = new LinkedHashMap<>();
    Object raw = logging.raw("level");
    if (raw instanceof Map<?, ?> m) {
      if (m.size() > MAX_LEVELS) {
        logging.problem("level", "at most " + MAX_LEVELS + " entries, got " + m.size());
      }
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String name = String.valueOf(e.getKey());
        String level = String.valueOf(e.getValue()).toLowerCase(Locale.ROOT);
        if (!name.equals("root") && !LOGGER.matcher(name).matches()) {
          logging.problem(
              "level." + name,
              "not a logger name (root, a package or a class, e.g. dev.vigil.mitigate)");
        } else if (!LEVELS.contains(level)) {
          logging.problem(
              "level." + name, "expected one of " + LEVELS + ", got [" + e.getValue() + "]");
        } else if (levels.size() < MAX_LEVELS) {
          levels.put(name, level);
        }
      }
    } else if (raw != null && !(raw instanceof String)) {
      logging.problem(
          "level", "expected a level for the root logger or a mapping of logger: level");
    } else if (raw instanceof String s) {
      String level = s.toLowerCase(Locale.ROOT);
      if (LEVELS.contains(level)) {
        levels.put("root", level);
      } else {
        logging.problem("level", "expected one of " + LEVELS + ", got [" + s + "]");
      }
    }
    int perMinute = logging.integer("alerts-per-minute", 60, 0, 100_000);
    return new VigilConfig.Logging(Map.copyOf(levels), perMinute);
  }
}
