package dev.vigil.features.telemetry;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Strict number and timestamp parsing for payload text: JSON's number grammar (plus a leading
 * {@code +}), so that Java's extras ({@code 1f}, {@code 0x1p3}, {@code 1_0}) are not numbers.
 */
final class PayloadNumberParser {
  /** Parse outcome: a finite number was parsed. */
  static final int OK = 0;

  /** Parse outcome: not a number. */
  static final int NOT_A_NUMBER = 1;

  /** Parse outcome: NaN, an infinity, or beyond the double range. */
  static final int NAN_OR_INFINITE = 2;

  /** Longest number text accepted (more digits than a double can tell apart, many times over). */
  private static final int MAX_LENGTH = 400;

  private PayloadNumberParser() {}

  /**
   * Parses {@code s[from, to)} (surrounding ASCII whitespace ignored) into {@code out[0]}; returns
   * {@link #OK}, {@link #NOT_A_NUMBER} or {@link #NAN_OR_INFINITE}.
   */
  static int parse(CharSequence s, int from, int to, double[] out) {
    while (from < to && isSpace(s.charAt(from))) {
      from++;
    }
    while (to > from && isSpace(s.charAt(to - 1))) {
      to--;
    }
    if (from == to || to - from > MAX_LENGTH) {
      return NOT_A_NUMBER;
    }
    int i = from;
    char c = s.charAt(i);
    if (c == '+' || c == '-') {
      i++;
    }
    if (isNonFinite(s, i, to)) {
      return NAN_OR_INFINITE;
    }
    int digits = 0;
    while (i < to && isDigit(s.charAt(i))) {
      i++;
      digits++;
    }
    if (i < to && s.charAt(i) == '.') {
      i++;
      while (i < to && isDigit(s.charAt(i))) {
        i++;
        digits++;
      }
    }
    if (digits == 0) {
      return NOT_A_NUMBER;
    }
    if (i < to && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < to && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      int exp = 0;
      while (i < to && isDigit(s.charAt(i))) {
        i++;
        exp++;
      }
      if (exp == 0) {
        return NOT_A_NUMBER;
      }
    }
    if (i != to) {
      return NOT_A_NUMBER;
    }
    double v = Double.parseDouble(s.subSequence(from, to).toString());
    if (!Double.isFinite(v)) {
      return NAN_OR_INFINITE;
    }
    out[0] = v;
    return OK;
  }

  /** Parses a whole string; see {@link #parse(CharSequence, int, int, double[])}. */
  static int parse(CharSequence s, double[] out) {
    return parse(s, 0, s.length(), out);
  }

  // NaN, Inf, Infinity in any case (after an optional sign).
  private static boolean isNonFinite(CharSequence s, int from, int to) {
    String t = s.subSequence(from, Math.min(to, from + 9)).toString();
    int n = to - from;
    return (n == 3 && (t.equalsIgnoreCase("nan") || t.equalsIgnoreCase("inf")))
        || (n == 8 && t.equalsIgnoreCase("infinity"));
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  /**
   * Converts an epoch number of unknown unit to milliseconds by its magnitude: below 1e11 seconds
   * (fractions kept), below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds. Returns
   * {@link Long#MIN_VALUE} for a value that is not positive and finite.
   */
  static long epochToMillis(double v) {
    if (!(v > 0) || !Double.isFinite(v)) {
      return Long.MIN_VALUE;
    }
    if (v < 1e11) {
      return Math.round(v * 1000.0);
    }
    if (v < 1e14) {
      return Math.round(v);
    }
    if (v < 1e17) {
      return Math.round(v / 1000.0);
    }
    if (v < 9.2e18) {
      return Math.round(v / 1_000_000.0);
    }
    return Long.MIN_VALUE;
  }

  /** {@link #epochToMillis(double)} for an exact integer (EdgeX origins are int64 nanoseconds). */
  static long epochToMillis(long v) {
    if (v <= 0) {
      return Long.MIN_VALUE;
    }
    if (v < 100_000_000_000L) {
      return v * 1000L;
    }
    if (v < 100_000_000_000_000L) {
      return v;
    }
    if (v < 100_000_000_000_000_000L) {
      return v / 1000L;
    }
    return v / 1_000_000L;
  }

  /**
   * Parses an ISO-8601 instant ({@code 2024-05-01T12:00:00Z}, with any offset) or an epoch number
   * in text; returns milliseconds or {@link Long#MIN_VALUE}.
   */
  static long textToMillis(String s, double[] scratch) {
    if (parse(s, scratch) == OK) {
      return epochToMillis(scratch[0]);
    }
    if (s.length() > 64) {
      return Long.MIN_VALUE;
    }
    try {
      return Instant.parse(s).toEpochMilli();
    } catch (DateTimeException | ArithmeticException e) {
      try {
        return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
            .toInstant()
            .toEpochMilli();
      } catch (DateTimeException | ArithmeticException e2) {
        return Long.MIN_VALUE;
      }
    }
  }
}
