package dev.vigil.eval.nab;

import java.time.LocalDateTime;
import java.util.Objects;

/**
 * One labelled anomaly window of a NAB data file, as {@code combined_windows.json} gives it: the
 * timestamps of its first and last rows, both included. A {@link NabDataFile} resolves them to row
 * numbers.
 *
 * @param start timestamp of the window's first row
 * @param end timestamp of the window's last row, not before {@code start}
 */
public record NabWindow(LocalDateTime start, LocalDateTime end) {
  /** Validates the window. */
  public NabWindow {
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(end, "end");
    if (end.isBefore(start)) {
      throw new IllegalArgumentException(
          "window end " + end + " is before its start " + start + " (not chronological)");
    }
  }

  /**
   * Parses a window from NAB's label-file timestamps ({@code YYYY-MM-DD HH:MM:SS.ffffff}).
   *
   * @throws IllegalArgumentException if a timestamp does not parse or the end precedes the start
   */
  public static NabWindow parse(String start, String end) {
    return new NabWindow(NabTimestamps.parse(start), NabTimestamps.parse(end));
  }

  @Override
  public String toString() {
    return "[" + start + ", " + end + "]";
  }
}
