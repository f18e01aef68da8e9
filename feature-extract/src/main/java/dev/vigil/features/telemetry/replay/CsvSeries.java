package dev.vigil.features.telemetry.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * One device's telemetry time series read from a CSV file, in time order, ready to replay.
 *
 * <p>The file has a header row; one column holds the time and every other column, apart from the
 * excluded ones ({@link Options#exclude}, by default the data sets' ground truth {@code label} and
 * {@code type}), is a telemetry field. Two layouts of the time are recognised:
 *
 * <ul>
 *   <li>a {@code timestamp} column (also {@code ts}, {@code datetime}, or {@code time} when there
 *       is no {@code date} column) as in the Numenta Anomaly Benchmark ({@code timestamp,value},
 *       {@code 2013-07-04 00:00:00}): ISO-8601 date and time with a space or {@code T}, optional
 *       seconds, fraction and offset, or an epoch number (seconds, milliseconds, microseconds or
 *       nanoseconds, told apart by magnitude);
 *   <li>{@code date} and {@code time} columns as in TON_IoT ({@code 25-Apr-19} and {@code
 *       19:19:40}, either may be padded with blanks); the date may also be {@code yyyy-MM-dd}.
 * </ul>
 *
 * Times without an offset are read in {@link Options#zone}. Values are numbers, or states that are
 * read as 1 and 0: {@code true}/{@code false}, {@code on}/{@code off}, {@code open}/{@code closed},
 * {@code high}/{@code low}, {@code yes}/{@code no} (any case, blanks around any value ignored, as
 * TON_IoT's {@code 'high '} and {@code ' on'} need). An empty cell is a missing value: that field
 * is left out of the row's message. The file may be plain, {@code .xz} or {@code .gz}, with or
 * without a UTF-8 byte-order mark and with LF or CRLF line ends; fields may be double-quoted.
 *
 * <p>A row that cannot be read (wrong number of fields, unreadable time, a value that is neither a
 * number nor a known state, no value at all) is counted and skipped; the first {@link
 * Options#maxProblems} problems are kept with their line. Rows are then sorted by time, stably
 * (TON_IoT files are time-ordered only in segments; rows with equal times keep their file order).
 *
 * @param file the file read
 * @param device the device name the rows are published as
 * @param fields names of the telemetry columns, in header order
 * @param rows the good rows, sorted by time
 * @param badRows rows skipped because they could not be read
 * @param problems the first problems found, in file order
 * @param backwardJumps rows whose time was earlier than the previous good row's in the file (what
 *     the sort put right)
 * @param missingValues empty cells in telemetry columns of good rows
 */
public record CsvSeries(
    Path file,
    String device,
    List<String> fields,
    List<Row> rows,
    long badRows,
    List<Problem> problems,
    long backwardJumps,
    long missingValues) {

  /** Time column names of the single-column layout, in order of preference. */
  private static final List<String> TIME_COLUMNS = List.of("timestamp", "ts", "datetime");

  /**
   * One row.
   *
   * @param line the row's line number in the file (the header is line 1)
   * @param timestampMillis the row's time, epoch milliseconds
   * @param values one value per {@link CsvSeries#fields() field}, {@link Double#NaN} where the cell
   *     was empty; not copied (do not modify)
   */
  public record Row(long line, long timestampMillis, double[] values) {}

  /**
   * A row that was skipped.
   *
   * @param file the file
   * @param line the line number (the header is line 1)
   * @param reason what is wrong with it
   */
  public record Problem(Path file, long line, String reason) {
    @Override
    public String toString() {
      return file + " line " + line + ": " + reason;
    }
  }

  /**
   * How files are read.
   *
   * @param exclude column names that are not telemetry (compared ignoring case and surrounding
   *     blanks); the time columns are never telemetry
   * @param zone the zone of times written without an offset
   * @param maxProblems how many problems to keep for reporting (all are counted)
   */
  public record Options(Set<String> exclude, ZoneId zone, int maxProblems) {
    /** Validates and normalises the excluded names to lower case. */
    public Options {
      Objects.requireNonNull(exclude, "exclude");
      Objects.requireNonNull(zone, "zone");
      Set<String> lower = new HashSet<>();
      for (String e : exclude) {
        if (e == null || e.isBlank()) {
          throw new IllegalArgumentException("exclude must not hold a blank column name");
        }
        lower.add(e.strip().toLowerCase(Locale.ROOT));
      }
      exclude = Set.copyOf(lower);
      if (maxProblems < 0) {
        throw new IllegalArgumentException("maxProblems must be at least 0, was " + maxProblems);
      }
    }

    /** Excludes {@code label} and {@code type}; UTC; keeps 20 problems. */
    public static Options defaults() {
      return new Options(Set.of("label", "type"), ZoneId.of("UTC"), 20);
    }

    /** Returns a copy that also excludes {@code columns}. */
    public Options excluding(Set<String> columns) {
      Set<String> all = new HashSet<>(exclude);
      all.addAll(columns);
      return new Options(all, zone, maxProblems);
    }

    /** Returns a copy reading offset-less times in {@code z}. */
    public Options withZone(ZoneId z) {
      return new Options(exclude, z, maxProblems);
    }
  }

  /** Validates and copies. */
  public CsvSeries {
    Objects.requireNonNull(file, "file");
    checkDevice(device);
    fields = List.copyOf(fields);
    rows = List.copyOf(rows);
    problems = List.copyOf(problems);
    for (Row r : rows) {
      if (r.values().length != fields.size()) {
        throw new IllegalArgumentException(
            "line " + r.line() + " has " + r.values().length + " values for " + fields.size());
      }
    }
  }

  /**
   * Returns the device name derived from a file name: without the directory and the {@code .xz},
   * {@code .gz} and {@code .csv} extensions, characters MQTT does not allow in a topic level
   * ({@code / + #}, NUL) replaced by {@code _}.
   */
  public static String deviceName(Path file) {
    String n = file.getFileName().toString();
    for (String ext : List.of(".xz", ".gz", ".csv")) {
      if (n.toLowerCase(Locale.ROOT).endsWith(ext) && n.length() > ext.length()) {
        n = n.substring(0, n.length() - ext.length());
      }
    }
    return n.replaceAll("[/+#\\x00]", "_");
  }

  /**
   * Checks that {@code device} can be one MQTT topic level.
   *
   * @throws IllegalArgumentException naming the device and what is wrong
   */
  public static void checkDevice(String device) {
    Objects.requireNonNull(device, "device");
    if (device.isEmpty()) {
      throw new IllegalArgumentException("device name must not be empty");
    }
    for (char c : new char[] {'/', '+', '#', '\0'}) {
      if (device.indexOf(c) >= 0) {
        throw new IllegalArgumentException(
            "device name '"
                + device
                + "' must not contain '"
                + (c == 0 ? "NUL" : String.valueOf(c))
                + "' (it is one MQTT topic level)");
      }
    }
  }

  /** Reads {@code file} as the device named after it ({@link #deviceName}). */
  public static CsvSeries read(Path file, Options options) throws IOException {
    return read(file, deviceName(file), options);
  }

  /**
   * Reads {@code file} as {@code device}.
   *
   * @throws NoSuchFileException if the file does not exist
   * @throws IOException naming the file (and line) if it cannot be read, its header names no time
   *     column or no telemetry column, or it holds no good row
   */
  public static CsvSeries read(Path file, String device, Options options) throws IOException {
    Objects.requireNonNull(options, "options");
    checkDevice(device);
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString(), null, "no such file");
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IOException(file + ": not a readable file");
    }
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(open(file), StandardCharsets.UTF_8), 1 << 16)) {
      return parse(file, device, options, in);
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(file.toString())) {
        throw e;
      }
      throw new IOException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static InputStream open(Path file) throws IOException {
    InputStream in = Files.newInputStream(file);
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    try {
      if (name.endsWith(".xz")) {
        return new XZInputStream(new java.io.BufferedInputStream(in, 1 << 16));
      }
      if (name.endsWith(".gz")) {
        return new GZIPInputStream(in, 1 << 16);
      }
    } catch (IOException e) {
      in.close();
      throw e;
    }
    return in;
  }

  private static CsvSeries parse(Path file, String device, Options options, BufferedReader in)
      throws IOException {
    String headerLine = in.readLine();
    if (headerLine == null) {
      throw new IOException(file + ": empty file (a header row is expected)");
    }
    if (!headerLine.isEmpty() && headerLine.charAt(0) == '\uFEFF') {
      headerLine = headerLine.substring(1);
    }
    String[] header;
    try {
      header = split(headerLine);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + " line 1: " + e.getMessage());
    }
    Layout layout = layout(file, header, options);
    TimeParser time = new TimeParser(options.zone());
    List<Row> rows = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    long bad = 0;
    long backward = 0;
    long missing = 0;
    long previous = Long.MIN_VALUE;
    long lineNo = 1;
    String line;
    while ((line = in.readLine()) != null) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      String reason = null;
      long ts = 0;
      double[] values = new double[layout.fieldColumns.length];
      int present = 0;
      try {
        String[] cells = split(line);
        if (cells.length != header.length) {
          reason = "expected " + header.length + " fields, found " + cells.length;
        } else {
          ts =
              layout.dateColumn < 0
                  ? time.dateTime(cells[layout.timeColumn])
                  : time.dateAndTime(cells[layout.dateColumn], cells[layout.timeColumn]);
          for (int i = 0; i < values.length; i++) {
            String cell = cells[layout.fieldColumns[i]];
            double v = CellValueParser.parse(cell);
            if (Double.isNaN(v) && !cell.isBlank()) {
              reason =
                  "column "
                      + layout.fields.get(i)
                      + ": '"
                      + abbreviate(cell)
                      + "' is neither a finite number nor a known state ("
                      + CellValueParser.STATES
                      + ")";
              break;
            }
            values[i] = v;
            if (!Double.isNaN(v)) {
              present++;
            }
          }
          if (reason == null && present == 0) {
            reason = "no value in any of the columns " + layout.fields;
          }
        }
      } catch (IllegalArgumentException e) {
        reason = e.getMessage();
      }
      if (reason != null) {
        bad++;
        if (problems.size() < options.maxProblems()) {
          problems.add(new Problem(file, lineNo, reason));
        }
        continue;
      }
      missing += values.length - present;
      if (ts < previous) {
        backward++;
      }
      previous = ts;
      rows.add(new Row(lineNo, ts, values));
    }
    if (rows.isEmpty()) {
      throw new IOException(
          file
              + ": no readable data row"
              + (bad == 0 ? "" : " (" + bad + " bad, first: " + problems.get(0) + ")"));
    }
    rows.sort(Comparator.comparingLong(Row::timestampMillis)); // stable
    return new CsvSeries(file, device, layout.fields, rows, bad, problems, backward, missing);
  }

  /** Where the time and the telemetry are. */
  private record Layout(int dateColumn, int timeColumn, int[] fieldColumns, List<String> fields) {}

  private static Layout layout(Path file, String[] header, Options options) throws IOException {
    String[] names = new String[header.length];
    for (int i = 0; i < header.length; i++) {
      names[i] = header[i].strip().toLowerCase(Locale.ROOT);
    }
    List<String> lower = Arrays.asList(names);
    int date = lower.indexOf("date");
    int time = date >= 0 ? lower.indexOf("time") : -1;
    if (time < 0) {
      date = -1;
      for (String n : TIME_COLUMNS) {
        if (lower.contains(n)) {
          time = lower.indexOf(n);
          break;
        }
      }
      if (time < 0) {
        time = lower.indexOf("time");
      }
    }
    if (time < 0) {
      throw new IOException(
          file
              + " line 1: no time column in the header "
              + Arrays.toString(header)
              + ": expected 'timestamp' (as NAB's timestamp,value) or 'date' and 'time' (as"
              + " TON_IoT's)");
    }
    List<Integer> cols = new ArrayList<>();
    List<String> fields = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < header.length; i++) {
      if (i == time || i == date || options.exclude().contains(names[i])) {
        continue;
      }
      String name = header[i].strip();
      if (name.isEmpty()) {
        throw new IOException(file + " line 1: column " + (i + 1) + " has no name");
      }
      if (!seen.add(name)) {
        throw new IOException(file + " line 1: column '" + name + "' appears twice");
      }
      cols.add(i);
      fields.add(name);
    }
    if (cols.isEmpty()) {
      throw new IOException(
          file
              + " line 1: no telemetry column in the header "
              + Arrays.toString(header)
              + " (excluded: "
              + options.exclude().stream().sorted().toList()
              + ")");
    }
    return new Layout(date, time, cols.stream().mapToInt(Integer::intValue).toArray(), fields);
  }

  /**
   * Splits a CSV line at commas; a field may be double-quoted, with {@code ""} for a quote inside.
   *
   * @throws IllegalArgumentException for an unterminated quote or text after a closing quote
   */
  public static String[] split(String line) {
    if (line.indexOf('"') < 0) {
      return line.split(",", -1);
    }
    List<String> out = new ArrayList<>();
    StringBuilder b = new StringBuilder();
    int i = 0;
    int n = line.length();
    while (true) {
      b.setLength(0);
      int start = i;
      while (i < n && line.charAt(i) == ' ') {
        i++;
      }
      if (i < n && line.charAt(i) == '"') {
        i++;
        while (true) {
          if (i >= n) {
            throw new IllegalArgumentException("unterminated quoted field");
          }
          char c = line.charAt(i++);
          if (c == '"') {
            if (i < n && line.charAt(i) == '"') {
              b.append('"');
              i++;
            } else {
              break;
            }
          } else {
            b.append(c);
          }
        }
        while (i < n && line.charAt(i) == ' ') {
          i++;
        }
        if (i < n && line.charAt(i) != ',') {
          throw new IllegalArgumentException("text after a closing quote");
        }
      } else {
        i = start;
        while (i < n && line.charAt(i) != ',') {
          b.append(line.charAt(i++));
        }
      }
      out.add(b.toString());
      if (i >= n) {
        return out.toArray(new String[0]);
      }
      i++; // the comma
    }
  }

  static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }
}
