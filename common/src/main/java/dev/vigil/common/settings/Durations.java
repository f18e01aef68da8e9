package dev.vigil.common.settings;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and writes durations as Vigil's configuration, policy, command line and HTTP API write
 * them: a whole number and a unit ({@code 500ms}, {@code 30s}, {@code 10m}, {@code 2h}, {@code 1d})
 * or ISO-8601 ({@code PT10S}, {@code P1DT2H}, any letter case).
 *
 * <p>Stateless and thread-safe.
 */
public final class Durations {
  private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  private Durations() {}

  /**
   * Parses {@code text}; returns null if it is null, negative, too large for a {@link Duration}, or
   * none of the forms above. Surrounding white space is not accepted: strip it first.
   */
  public static Duration parse(String text) {
    if (text == null) {
      return null;
    }
    try {
      Matcher m = SIMPLE.matcher(text);
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
      if (text.startsWith("P") || text.startsWith("p")) {
        Duration d = Duration.parse(text.toUpperCase(Locale.ROOT));
        return d.isNegative() ? null : d;
      }
      return null;
    } catch (DateTimeParseException | NumberFormatException | ArithmeticException e) {
      return null;
    }
  }

  /**
   * Returns {@code 1h30m}-style text for {@code d}, for messages: days, hours, minutes and seconds,
   * or milliseconds when {@code d} is under a second or not whole seconds; {@code 0s} for zero.
   *
   * @throws NullPointerException if {@code d} is null
   */
  public static String format(Duration d) {
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
}
