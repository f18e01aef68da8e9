package dev.vigil.mitigate.api;

import java.util.Locale;

/**
 * Writes a decision as one JSON object, the body that the webhook and MQTT backends send: {@code
 * {"event_type":"decision","op":"apply","id":...,"scope":"ip","value":...,"action":
 * "quarantine","reason":...,"score":0.93,"origin":"detector","created":"...Z","expires":"...Z",
 * "ttl_seconds":3600,"simulated":false}}. Enum names are lower case, times ISO-8601 UTC, a NaN
 * score is {@code null}.
 *
 * <p>Stateless and thread-safe.
 */
public final class DecisionJson {
  private DecisionJson() {}

  /** Returns {@code d} as JSON, with {@code op} ({@code apply} or {@code revoke}). */
  public static String of(Decision d, String op) {
    StringBuilder b = new StringBuilder(256);
    b.append("{\"event_type\":\"decision\",\"op\":");
    str(b, op);
    b.append(",\"id\":");
    str(b, d.id());
    b.append(",\"scope\":");
    str(b, d.scope().name().toLowerCase(Locale.ROOT));
    b.append(",\"value\":");
    str(b, d.value());
    b.append(",\"action\":");
    str(b, d.action().name().toLowerCase(Locale.ROOT));
    b.append(",\"reason\":");
    str(b, d.reason());
    b.append(",\"score\":")
        .append(Double.isFinite(d.score()) ? Double.toString(d.score()) : "null");
    b.append(",\"origin\":");
    str(b, d.origin().name().toLowerCase(Locale.ROOT));
    b.append(",\"created\":");
    str(b, d.created().toString());
    b.append(",\"expires\":");
    str(b, d.expires().toString());
    b.append(",\"ttl_seconds\":").append(ttlSeconds(d));
    b.append(",\"simulated\":").append(d.simulated()).append('}');
    return b.toString();
  }

  /** Returns the decision's whole lifetime in seconds, rounded up (at least 1). */
  public static long ttlSeconds(Decision d) {
    long ms = java.time.Duration.between(d.created(), d.expires()).toMillis();
    return Math.max(1, (ms + 999) / 1000);
  }

  /** Appends {@code s} as a JSON string, escaping quotes, backslashes and control characters. */
  public static void str(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
