package dev.vigil.eval.nab;

import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One NAB data file: its rows' timestamps and values, and its anomaly windows resolved to row
 * numbers.
 *
 * <p>NAB's data files are not strictly ordered in time (a few repeat a timestamp or step back at a
 * clock change), so rows are addressed by position, as NAB's scorer does. NAB's label loader
 * demands that every window boundary names exactly one row of its file; so does this class. The
 * scorer walks the rows in order and enters a window at its start row and leaves it at its end row,
 * so windows must also be in row order and must not overlap: window {@code k} covers rows {@link
 * #windowFirstRow(int) windowFirstRow(k)} to {@link #windowLastRow(int) windowLastRow(k)}, both
 * included, and the next window starts after that.
 */
public final class NabDataFile {
  private final String name;
  private final LocalDateTime[] timestamps;
  private final double[] values;
  private final List<NabWindow> windows;
  private final int[] firstRows;
  private final int[] lastRows;

  /**
   * Creates a data file.
   *
   * @param name the file's path relative to NAB's {@code data} folder, e.g. {@code
   *     realKnownCause/nyc_taxi.csv}: the key of {@code combined_windows.json}
   * @param timestamps the rows' timestamps, at least one
   * @param values the rows' values, as many as timestamps (the scorer does not read them)
   * @param windows the anomaly windows, in row order, not overlapping
   * @throws IllegalArgumentException if a window boundary is not the timestamp of exactly one row,
   *     or the windows are out of order or overlap
   */
  public NabDataFile(
      String name, List<LocalDateTime> timestamps, double[] values, List<NabWindow> windows) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(timestamps, "timestamps");
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(windows, "windows");
    if (name.isBlank()) {
      throw new IllegalArgumentException("data file name must not be blank");
    }
    if (timestamps.isEmpty()) {
      throw new IllegalArgumentException(name + ": a data file needs at least one row");
    }
    if (values.length != timestamps.size()) {
      throw new IllegalArgumentException(
          name
              + ": "
              + timestamps.size()
              + " timestamps but "
              + values.length
              + " values; they must be as many");
    }
    this.name = name;
    this.timestamps = timestamps.toArray(new LocalDateTime[0]);
    for (int i = 0; i < this.timestamps.length; i++) {
      Objects.requireNonNull(this.timestamps[i], () -> name + ": null timestamp");
    }
    this.values = values.clone();
    this.windows = List.copyOf(windows);
    this.firstRows = new int[this.windows.size()];
    this.lastRows = new int[this.windows.size()];
    if (!this.windows.isEmpty()) {
      resolveWindows();
    }
  }

  private void resolveWindows() {
    // Row of each timestamp, or -2 where a timestamp occurs more than once.
    Map<LocalDateTime, Integer> rowOf = new HashMap<>(timestamps.length * 2);
    for (int i = 0; i < timestamps.length; i++) {
      rowOf.merge(timestamps[i], i, (a, b) -> -2);
    }
    for (int k = 0; k < windows.size(); k++) {
      NabWindow w = windows.get(k);
      firstRows[k] = uniqueRow(rowOf, w.start(), k, "start");
      lastRows[k] = uniqueRow(rowOf, w.end(), k, "end");
      if (lastRows[k] < firstRows[k]) {
        throw new IllegalArgumentException(
            name
                + ": window "
                + k
                + " "
                + w
                + " ends at row "
                + lastRows[k]
                + ", before its start row "
                + firstRows[k]);
      }
      if (k > 0 && firstRows[k] <= lastRows[k - 1]) {
        throw new IllegalArgumentException(
            name
                + ": window "
                + k
                + " "
                + w
                + " starts at row "
                + firstRows[k]
                + ", not after window "
                + (k - 1)
                + " "
                + windows.get(k - 1)
                + " ends (row "
                + lastRows[k - 1]
                + "); windows must be in order and must not overlap");
      }
    }
  }

  private int uniqueRow(Map<LocalDateTime, Integer> rowOf, LocalDateTime t, int k, String which) {
    Integer row = rowOf.get(t);
    if (row == null) {
      throw new IllegalArgumentException(
          name
              + ": the "
              + which
              + " "
              + t
              + " of window "
              + k
              + " is not a timestamp of the file");
    }
    if (row < 0) {
      throw new IllegalArgumentException(
          name
              + ": the "
              + which
              + " "
              + t
              + " of window "
              + k
              + " is the timestamp of more than one row");
    }
    return row;
  }

  /**
   * Returns the file's path relative to the data folder, e.g. {@code realTraffic/speed_6005.csv}.
   */
  public String name() {
    return name;
  }

  /** Returns the number of rows. */
  public int length() {
    return timestamps.length;
  }

  /** Returns the timestamp of row {@code row} (0-based). */
  public LocalDateTime timestamp(int row) {
    return timestamps[row];
  }

  /** Returns all timestamps, in row order (an unmodifiable view). */
  public List<LocalDateTime> timestamps() {
    return Collections.unmodifiableList(Arrays.asList(timestamps));
  }

  /** Returns the value of row {@code row} (0-based). */
  public double value(int row) {
    return values[row];
  }

  /** Returns a copy of the values, in row order. */
  public double[] values() {
    return values.clone();
  }

  /** Returns the anomaly windows, in row order. */
  public List<NabWindow> windows() {
    return windows;
  }

  /** Returns the first row (0-based, included) of window {@code k}. */
  public int windowFirstRow(int k) {
    return firstRows[k];
  }

  /** Returns the last row (0-based, included) of window {@code k}. */
  public int windowLastRow(int k) {
    return lastRows[k];
  }

  @Override
  public String toString() {
    return "NabDataFile[" + name + ", " + length() + " rows, " + windows.size() + " windows]";
  }
}
