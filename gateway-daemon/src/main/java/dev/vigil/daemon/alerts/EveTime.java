package dev.vigil.daemon.alerts;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The one time format of Vigil's eve.json events, Suricata's own: microseconds and a numeric offset
 * ({@code 2026-12-07T00:15:25.079630+0000}), always in UTC. Every time in an event is written so,
 * {@code vigil}'s included, and read back by {@link #parse}, which also takes the ISO-8601 form
 * ({@code …Z}) that alerts stored before this format carry.
 *
 * <p>Stateless and thread-safe.
 */
public final class EveTime {
  private static final DateTimeFormatter FORMAT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSxx").withZone(ZoneOffset.UTC);

  private EveTime() {}

  /** Returns an epoch time in microseconds as eve.json text. */
  public static String format(long epochMicros) {
    return format(
        Instant.ofEpochSecond(
            Math.floorDiv(epochMicros, 1_000_000L),
            Math.floorMod(epochMicros, 1_000_000L) * 1000L));
  }

  /** Returns {@code t} as eve.json text (sub-microsecond digits are cut). */
  public static String format(Instant t) {
    return FORMAT.format(t);
  }

  /**
   * Reads a time written by {@link #format} or as ISO-8601 ({@link Instant#toString()}).
   *
   * @throws DateTimeParseException if it is neither
   */
  public static Instant parse(String text) {
    try {
      return OffsetDateTime.parse(text, FORMAT).toInstant();
    } catch (DateTimeParseException e) {
      return Instant.parse(text);
    }
  }
}
