package dev.vigil.mitigate.policy;

import java.time.LocalTime;
import java.time.format.DateTimeParseException;

/**
 * A daily time-of-day window {@code [from, to)} in the policy's time zone; when {@code to} is
 * before {@code from} it spans midnight ({@code 22:00-06:00}).
 *
 * @param from first minute inside
 * @param to first minute outside; differs from {@code from}
 */
public record TimeWindow(LocalTime from, LocalTime to) {
  /** Validates. */
  public TimeWindow {
    if (from.equals(to)) {
      throw new IllegalArgumentException("from and to must differ (omit the window for all day)");
    }
  }

  /**
   * Parses {@code HH:MM-HH:MM}.
   *
   * @throws IllegalArgumentException if {@code text} is not such a window
   */
  public static TimeWindow parse(String text) {
    String[] p = text.trim().split("-", -1);
    if (p.length != 2) {
      throw new IllegalArgumentException("expected HH:MM-HH:MM, such as 22:00-06:00");
    }
    try {
      return new TimeWindow(time(p[0]), time(p[1]));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("expected HH:MM-HH:MM, such as 22:00-06:00");
    }
  }

  private static LocalTime time(String s) {
    if (!s.matches("\\d\\d:\\d\\d")) {
      throw new DateTimeParseException("not HH:MM", s, 0);
    }
    return LocalTime.parse(s);
  }

  /** Returns whether {@code t} lies inside. */
  public boolean contains(LocalTime t) {
    return from.isBefore(to)
        ? !t.isBefore(from) && t.isBefore(to)
        : !t.isBefore(from) || t.isBefore(to);
  }

  @Override
  public String toString() {
    return from + "-" + to;
  }
}
