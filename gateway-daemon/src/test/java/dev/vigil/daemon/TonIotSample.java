package dev.vigil.daemon;

import dev.vigil.testsupport.SharedData;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * One TON_IoT "Train_Test" IoT telemetry file of the shared sample ({@code ton_iot_sample/}, see
 * its MANIFEST.md), read as the files really are: UTF-8 with a byte-order mark, CRLF line ends,
 * times padded with spaces, categorical values with stray spaces and mixed spellings ({@code 'high
 * '}, {@code ' on'}, {@code 'false '} beside {@code 0}), and rows out of time order. Rows are
 * returned sorted by time (stable: rows with equal times keep their file order), each sensor value
 * as a number (categoricals mapped to 1 and 0).
 */
final class TonIotSample {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("d-MMM-yy H:mm:ss", Locale.ENGLISH);

  /**
   * One row.
   *
   * @param epochMillis the row's time (UTC as written)
   * @param values the sensor columns, as numbers
   * @param attack the label
   * @param type {@code normal} or the attack type, trimmed and lower case
   */
  record Row(long epochMillis, double[] values, boolean attack, String type) {}

  final String device;
  final List<String> columns;
  final List<Row> rows;

  private TonIotSample(String device, List<String> columns, List<Row> rows) {
    this.device = device;
    this.columns = columns;
    this.rows = rows;
  }

  /**
   * Reads {@code ton_iot_sample/Train_Test_IoT_<name>.csv.xz}; the device is named in lower case.
   */
  static TonIotSample read(String name) throws IOException {
    String file = "ton_iot_sample/Train_Test_IoT_" + name + ".csv.xz";
    try (InputStream in = SharedData.open(file);
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String header = r.readLine();
      if (header == null) {
        throw new IOException(file + " is empty");
      }
      if (header.startsWith("\ufeff")) {
        header = header.substring(1);
      }
      String[] h = split(header);
      if (h.length < 5
          || !h[0].equals("date")
          || !h[1].equals("time")
          || !h[h.length - 2].equals("label")
          || !h[h.length - 1].equals("type")) {
        throw new IOException(file + ": unexpected header " + header);
      }
      List<String> columns = List.of(h).subList(2, h.length - 2);
      List<Row> rows = new ArrayList<>();
      String line;
      int n = 1;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        String[] f = split(line);
        if (f.length != h.length) {
          throw new IOException(
              file + " line " + n + ": " + f.length + " fields, expected " + h.length);
        }
        long t;
        try {
          t =
              LocalDateTime.parse(f[0].strip() + " " + f[1].strip(), TIME)
                  .toInstant(ZoneOffset.UTC)
                  .toEpochMilli();
        } catch (DateTimeParseException e) {
          throw new IOException(file + " line " + n + ": " + e.getMessage(), e);
        }
        double[] v = new double[columns.size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = value(f[2 + i], file, n);
        }
        String label = f[h.length - 2].strip();
        if (!label.equals("0") && !label.equals("1")) {
          throw new IOException(file + " line " + n + ": label '" + label + "'");
        }
        rows.add(
            new Row(t, v, label.equals("1"), f[h.length - 1].strip().toLowerCase(Locale.ROOT)));
      }
      rows.sort(Comparator.comparingLong(Row::epochMillis));
      return new TonIotSample(name.toLowerCase(Locale.ROOT), columns, List.copyOf(rows));
    }
  }

  // BufferedReader.readLine drops the CR of CRLF; the fields hold no quoted commas
  private static String[] split(String line) {
    return line.split(",", -1);
  }

  private static double value(String raw, String file, int line) throws IOException {
    String s = raw.strip().toLowerCase(Locale.ROOT);
    switch (s) {
      case "high", "open", "on", "true" -> {
        return 1;
      }
      case "low", "closed", "off", "false" -> {
        return 0;
      }
      default -> {
        try {
          return Double.parseDouble(s);
        } catch (NumberFormatException e) {
          throw new IOException(file + " line " + line + ": value '" + raw + "'", e);
        }
      }
    }
  }

  /** Returns the index of the first attack row (rows before it are all normal). */
  int firstAttack() {
    for (int i = 0; i < rows.size(); i++) {
      if (rows.get(i).attack()) {
        return i;
      }
    }
    return rows.size();
  }

  /**
   * Returns a copy with every normal row and, of each attack segment (a run of rows of one type in
   * time order), only its first {@code perSegment} rows.
   */
  TonIotSample sliced(int perSegment) {
    List<Row> out = new ArrayList<>();
    String type = null;
    int inRun = 0;
    for (Row r : rows) {
      if (!r.type().equals(type)) {
        type = r.type();
        inRun = 0;
      }
      if (!r.attack() || inRun++ < perSegment) {
        out.add(r);
      }
    }
    return new TonIotSample(device, columns, List.copyOf(out));
  }
}
