package dev.vigil.features.telemetry.replay;

import java.util.Locale;
import java.util.Map;

/** Reads one CSV cell as a telemetry value: a number or an on/off state. */
final class CellValueParser {
  /** The states read as 1 and 0, for messages. */
  static final String STATES = "true/false, on/off, open/closed, high/low, yes/no";

  private static final Map<String, Double> STATE_VALUES =
      Map.of(
          "true", 1.0, "false", 0.0, "on", 1.0, "off", 0.0, "open", 1.0, "closed", 0.0, "high", 1.0,
          "low", 0.0, "yes", 1.0, "no", 0.0);

  private CellValueParser() {}

  /**
   * Returns the cell's value: a finite decimal number ({@code -1.5}, {@code 2e-3}), or 1/0 for a
   * known state; NaN for a blank cell (missing) and for anything else (bad: the caller tells the
   * two apart by {@link String#isBlank}). Blanks around the value are ignored.
   */
  static double parse(String cell) {
    String s = cell.strip();
    if (s.isEmpty()) {
      return Double.NaN;
    }
    if (isDecimal(s)) {
      double v = Double.parseDouble(s);
      return Double.isFinite(v) ? v : Double.NaN;
    }
    Double state = STATE_VALUES.get(s.toLowerCase(Locale.ROOT));
    return state == null ? Double.NaN : state;
  }

  /**
   * Returns whether {@code s} is a plain decimal number: sign, digits with at most one point, an
   * optional exponent. (Double.parseDouble alone would also take {@code NaN}, {@code 0x1p3} and
   * {@code 1d}.)
   */
  static boolean isDecimal(String s) {
    int i = 0;
    int n = s.length();
    if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
      i++;
    }
    int digits = 0;
    while (i < n && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) {
      i++;
      digits++;
    }
    if (i < n && s.charAt(i) == '.') {
      i++;
      while (i < n && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) {
        i++;
        digits++;
      }
    }
    if (digits == 0) {
      return false;
    }
    if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      int exp = 0;
      while (i < n && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) {
        i++;
        exp++;
      }
      if (exp == 0) {
        return false;
      }
    }
    return i == n;
  }
}
