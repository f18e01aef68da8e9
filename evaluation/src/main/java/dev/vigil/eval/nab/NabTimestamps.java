package dev.vigil.eval.nab;

import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;

/**
 * Parses the timestamps of NAB files: {@code YYYY-MM-DD HH:MM:SS} in the data and results files,
 * {@code YYYY-MM-DD HH:MM:SS.ffffff} in the label files; also a bare date, {@code HH:MM} without
 * seconds and a {@code T} separator (NAB reads them with pandas and dateutil, which accept these).
 */
final class NabTimestamps {
  private static final DateTimeFormatter FLEXIBLE =
      new DateTimeFormatterBuilder()
          .append(DateTimeFormatter.ISO_LOCAL_DATE)
          .optionalStart()
          .appendLiteral(' ')
          .appendValue(ChronoField.HOUR_OF_DAY, 2)
          .appendLiteral(':')
          .appendValue(ChronoField.MINUTE_OF_HOUR, 2)
          .optionalStart()
          .appendLiteral(':')
          .appendValue(ChronoField.SECOND_OF_MINUTE, 2)
          .optionalStart()
          .appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true)
          .optionalEnd()
          .optionalEnd()
          .optionalEnd()
          .parseDefaulting(ChronoField.HOUR_OF_DAY, 0)
          .parseDefaulting(ChronoField.MINUTE_OF_HOUR, 0)
          .parseDefaulting(ChronoField.SECOND_OF_MINUTE, 0)
          .parseDefaulting(ChronoField.NANO_OF_SECOND, 0)
          .toFormatter();

  private NabTimestamps() {}

  /**
   * Parses one timestamp.
   *
   * @throws IllegalArgumentException if {@code text} is not a timestamp of a form listed above
   */
  static LocalDateTime parse(String text) {
    String s = text.strip();
    try {
      // Fast path for the two forms NAB's files use; everything else goes through the formatter.
      if ((s.length() == 19 || s.length() == 26) && hasSeparators(s)) {
        int nanos = 0;
        if (s.length() == 26) {
          if (s.charAt(19) != '.') {
            return slow(text, s);
          }
          int micros = digits(s, 20, 26);
          if (micros < 0) {
            return slow(text, s);
          }
          nanos = micros * 1000;
        }
        int y = digits(s, 0, 4);
        int mo = digits(s, 5, 7);
        int d = digits(s, 8, 10);
        int h = digits(s, 11, 13);
        int mi = digits(s, 14, 16);
        int se = digits(s, 17, 19);
        if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0) {
          return slow(text, s);
        }
        return LocalDateTime.of(y, mo, d, h, mi, se, nanos);
      }
      return slow(text, s);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          "not a timestamp: '" + text + "' (" + e.getMessage() + ")");
    }
  }

  private static LocalDateTime slow(String text, String s) {
    try {
      return LocalDateTime.parse(s.replace('T', ' '), FLEXIBLE);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          "not a timestamp: '" + text + "' (expected YYYY-MM-DD HH:MM:SS[.ffffff])");
    }
  }

  private static boolean hasSeparators(String s) {
    return s.charAt(4) == '-'
        && s.charAt(7) == '-'
        && s.charAt(10) == ' '
        && s.charAt(13) == ':'
        && s.charAt(16) == ':';
  }

  /** Returns the decimal number in {@code s[from, to)}, or -1 if a character is not a digit. */
  private static int digits(String s, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }
}
