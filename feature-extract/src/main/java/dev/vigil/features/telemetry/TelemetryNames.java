package dev.vigil.features.telemetry;

/**
 * The one rule for device and metric names, which come from the LAN (topics and payloads) and end
 * up as keys of the series tables, in alerts and in log lines: a name is 1 to {@code maxLength}
 * characters (UTF-16 units), none of them a control character (C0, DEL, C1), a format character
 * (such as the bidirectional overrides, which can make a log line read differently from what it
 * holds), a line or paragraph separator, or half of a surrogate pair. A name that breaks it is
 * counted as {@link BadPayload#BAD_NAME} and goes no further.
 *
 * <p>Checking allocates nothing. Thread-safe (stateless).
 */
public final class TelemetryNames {
  private TelemetryNames() {}

  /** Returns whether {@code name} is a valid device or metric name of at most {@code maxLength}. */
  public static boolean isValid(String name, int maxLength) {
    int n = name.length();
    if (n == 0 || n > maxLength) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = name.charAt(i);
      if (c >= 0x20 && c < 0x7f) {
        continue; // printable ASCII: the common case
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < n && Character.isLowSurrogate(name.charAt(i + 1))) {
          int cp = Character.toCodePoint(c, name.charAt(i + 1));
          if (!isPrintable(Character.getType(cp))) {
            return false;
          }
          i++;
          continue;
        }
        return false;
      }
      if (!isPrintable(Character.getType(c))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isPrintable(int type) {
    return switch (type) {
      case Character.CONTROL,
              Character.FORMAT,
              Character.LINE_SEPARATOR,
              Character.PARAGRAPH_SEPARATOR,
              Character.SURROGATE,
              Character.UNASSIGNED,
              Character.PRIVATE_USE ->
          false;
      default -> true;
    };
  }
}
