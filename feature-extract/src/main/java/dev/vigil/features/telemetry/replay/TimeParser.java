package dev.vigil.features.telemetry.replay;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;

/** Reads the times of CSV rows as epoch milliseconds; not thread-safe (one per file). */
final class TimeParser {
  /** ISO-8601 date and time, space or T between, optional seconds, fraction and offset. */
  private static final DateTimeFormatter DATE_TIME =
      new DateTimeFormatterBuilder()
          .parseCaseInsensitive()
          .append(DateTimeFormatter.ISO_LOCAL_DATE)
          .optionalStart()
          .appendLiteral('T')
          .optionalEnd()
          .optionalStart()
          .appendLiteral(' ')
          .optionalEnd()
          .append(time())
          .optionalStart()
          .appendOffsetId()
          .optionalEnd()
          .toFormatter(Locale.ROOT);

  /** TON_IoT's {@code 25-Apr-19}, or ISO {@code 2019-04-25}. */
  private static final DateTimeFormatter DATE =
      new DateTimeFormatterBuilder()
          .parseCaseInsensitive()
          .optionalStart()
          .appendPattern("d-MMM-")
          .appendValueReduced(ChronoField.YEAR, 2, 4, 2000)
          .optionalEnd()
          .optionalStart()
          .append(DateTimeFormatter.ISO_LOCAL_DATE)
          .optionalEnd()
          .toFormatter(Locale.ENGLISH);

  private static final DateTimeFormatter TIME =
      new DateTimeFormatterBuilder().append(time()).toFormatter(Locale.ROOT);

  private final ZoneId zone;

  TimeParser(ZoneId zone) {
    this.zone = zone;
  }

  private static DateTimeFormatter time() {
    return new DateTimeFormatterBuilder()
        .appendValue(ChronoField.HOUR_OF_DAY, 1, 2, java.time.format.SignStyle.NOT_NEGATIVE)
        .appendLiteral(':')
        .appendValue(ChronoField.MINUTE_OF_HOUR, 2)
        .optionalStart()
        .appendLiteral(':')
        .appendValue(ChronoField.SECOND_OF_MINUTE, 2)
        .optionalStart()
        .appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true)
        .optionalEnd()
        .optionalEnd()
        .toFormatter(Locale.ROOT);
  }

  /**
   * Reads a single time cell: ISO date and time (offset optional) or an epoch number.
   *
   * @throws IllegalArgumentException naming the cell
   */
  long dateTime(String cell) {
    String s = cell.strip();
    if (!s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9' || c == '.')) {
      long ms = epochMillis(s);
      if (ms != Long.MIN_VALUE) {
        return ms;
      }
    }
    try {
      TemporalAccessor t = DATE_TIME.parse(s);
      if (t.isSupported(ChronoField.OFFSET_SECONDS)) {
        return OffsetDateTime.from(t).toInstant().toEpochMilli();
      }
      return LocalDateTime.from(t).atZone(zone).toInstant().toEpochMilli();
    } catch (DateTimeException | ArithmeticException e) {
      throw new IllegalArgumentException(
          "cannot read the time '"
              + CsvSeries.abbreviate(s)
              + "' (expected e.g. 2013-07-04 00:00:00, ISO-8601 or epoch seconds/milliseconds)");
    }
  }

  /**
   * Reads a date cell and a time cell (blanks around either ignored).
   *
   * @throws IllegalArgumentException naming the cells
   */
  long dateAndTime(String dateCell, String timeCell) {
    String d = dateCell.strip();
    String t = timeCell.strip();
    try {
      LocalDate date = LocalDate.from(DATE.parse(d));
      LocalTime time = LocalTime.from(TIME.parse(t));
      return LocalDateTime.of(date, time).atZone(zone).toInstant().toEpochMilli();
    } catch (DateTimeException | ArithmeticException e) {
      throw new IllegalArgumentException(
          "cannot read the date and time '"
              + CsvSeries.abbreviate(d)
              + "' '"
              + CsvSeries.abbreviate(t)
              + "' (expected e.g. 25-Apr-19 and 19:19:40, or 2019-04-25 and 19:19:40)");
    }
  }

  /** Epoch seconds, milliseconds, microseconds or nanoseconds told apart by magnitude. */
  private static long epochMillis(String s) {
    double v;
    try {
      v = Double.parseDouble(s);
    } catch (NumberFormatException e) {
      return Long.MIN_VALUE;
    }
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
    return v < 9.2e18 ? Math.round(v / 1_000_000.0) : Long.MIN_VALUE;
  }
}
