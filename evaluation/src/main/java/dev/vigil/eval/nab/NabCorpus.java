package dev.vigil.eval.nab;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The NAB corpus: the data files named in a windows file, each with its anomaly windows.
 *
 * <p>{@link #load(Path)} reads a NAB checkout's layout: {@code data/<category>/<file>.csv} (header
 * {@code timestamp,value}) and {@code labels/combined_windows.json} ({@code
 * {"<category>/<file>.csv": [[start, end], ...]}}, timestamps {@code YYYY-MM-DD HH:MM:SS.ffffff}).
 * The corpus holds exactly the files the windows file names (NAB scores no file without labels);
 * files keep the names' sorted order.
 */
public final class NabCorpus {
  /** The data folder under a NAB root. */
  public static final String DATA_DIR = "data";

  /** The windows file under a NAB root, the one NAB's scorer uses. */
  public static final String WINDOWS_FILE = "labels/combined_windows.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final NavigableMap<String, NabDataFile> files;

  /**
   * Creates a corpus of the given files.
   *
   * @throws IllegalArgumentException if two files have the same name
   */
  public NabCorpus(Collection<NabDataFile> files) {
    Objects.requireNonNull(files, "files");
    TreeMap<String, NabDataFile> m = new TreeMap<>();
    for (NabDataFile f : files) {
      Objects.requireNonNull(f, "data file");
      if (m.put(f.name(), f) != null) {
        throw new IllegalArgumentException("two data files are named " + f.name());
      }
    }
    this.files = Collections.unmodifiableNavigableMap(m);
  }

  /**
   * Loads the corpus of a NAB root folder: {@code <root>/data} and {@code
   * <root>/labels/combined_windows.json}.
   *
   * @throws IOException if a file is missing or malformed; the message names the file (and the line
   *     or window)
   */
  public static NabCorpus load(Path nabRoot) throws IOException {
    return load(nabRoot.resolve(DATA_DIR), nabRoot.resolve(WINDOWS_FILE));
  }

  /**
   * Loads the data files that {@code windowsFile} names from {@code dataDir}.
   *
   * @throws IOException if a file is missing or malformed, or a window does not fit its data file;
   *     the message names the file (and the line or window)
   */
  public static NabCorpus load(Path dataDir, Path windowsFile) throws IOException {
    Map<String, List<NabWindow>> windows = readWindows(windowsFile);
    Path root = dataDir.toAbsolutePath().normalize();
    if (!Files.isDirectory(root)) {
      throw new IOException("NAB data folder not found: " + root);
    }
    List<NabDataFile> files = new ArrayList<>(windows.size());
    for (Map.Entry<String, List<NabWindow>> e : windows.entrySet()) {
      String name = e.getKey();
      Path csv = root.resolve(name).normalize();
      if (!csv.startsWith(root) || !Files.isRegularFile(csv)) {
        throw new IOException(
            windowsFile + ": labels name data file " + name + ", which is not in " + root);
      }
      try {
        files.add(readDataFile(csv, name, e.getValue()));
      } catch (IllegalArgumentException ex) {
        throw new IOException(windowsFile + ": windows do not fit " + csv + ": " + ex.getMessage());
      }
    }
    return new NabCorpus(files);
  }

  /**
   * Reads a windows file ({@code combined_windows.json}): for each data file name, its windows in
   * the file's order.
   *
   * @throws IOException if the file is not such JSON; the message names the file and the entry
   */
  public static Map<String, List<NabWindow>> readWindows(Path windowsFile) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(windowsFile.toFile());
    } catch (JsonProcessingException e) {
      throw new IOException(windowsFile + ": not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IOException(windowsFile + ": expected a JSON object of data file name to windows");
    }
    Map<String, List<NabWindow>> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = e.getKey();
      if (name.isBlank() || !name.endsWith(".csv")) {
        throw new IOException(windowsFile + ": key '" + name + "' is not a data file name (*.csv)");
      }
      JsonNode list = e.getValue();
      if (!list.isArray()) {
        throw new IOException(windowsFile + ": windows of " + name + " are not a JSON array");
      }
      List<NabWindow> ws = new ArrayList<>(list.size());
      for (int k = 0; k < list.size(); k++) {
        JsonNode w = list.get(k);
        if (!w.isArray() || w.size() != 2 || !w.get(0).isTextual() || !w.get(1).isTextual()) {
          throw new IOException(
              windowsFile
                  + ": window "
                  + k
                  + " of "
                  + name
                  + " is not a pair of timestamp strings: "
                  + w);
        }
        try {
          ws.add(NabWindow.parse(w.get(0).asText(), w.get(1).asText()));
        } catch (IllegalArgumentException ex) {
          throw new IOException(
              windowsFile + ": window " + k + " of " + name + ": " + ex.getMessage(), ex);
        }
      }
      out.put(name, ws);
    }
    return out;
  }

  /**
   * Reads one data file (header {@code timestamp,value}; other columns are allowed and ignored) and
   * attaches its windows.
   *
   * @param csv the file
   * @param name the name the corpus knows it by (relative to the data folder)
   * @param windows its anomaly windows
   * @throws IOException if the file is malformed; the message names the file and line
   * @throws IllegalArgumentException if a window does not fit the file (see {@link NabDataFile})
   */
  public static NabDataFile readDataFile(Path csv, String name, List<NabWindow> windows)
      throws IOException {
    List<LocalDateTime> timestamps = new ArrayList<>();
    double[] values = new double[1024];
    try (BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
      String header = in.readLine();
      if (header == null) {
        throw new IOException(csv + ": empty file (expected header timestamp,value)");
      }
      String[] columns = CsvLines.split(CsvLines.stripBom(header));
      int tsCol = CsvLines.column(columns, "timestamp");
      int valueCol = CsvLines.column(columns, "value");
      if (tsCol != 0 || valueCol < 0) {
        throw new IOException(
            csv + ":1: header must start with timestamp and have a value column, was: " + header);
      }
      String line;
      int lineNo = 1;
      while ((line = in.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue; // pandas skips blank lines too
        }
        String[] f = CsvLines.split(line);
        if (f.length != columns.length) {
          throw new IOException(
              csv + ":" + lineNo + ": expected " + columns.length + " fields, found " + f.length);
        }
        LocalDateTime t;
        try {
          t = NabTimestamps.parse(f[tsCol]);
        } catch (IllegalArgumentException e) {
          throw new IOException(csv + ":" + lineNo + ": " + e.getMessage());
        }
        double v;
        try {
          v = Double.parseDouble(f[valueCol].strip());
        } catch (NumberFormatException e) {
          throw new IOException(
              csv + ":" + lineNo + ": value is not a number: '" + f[valueCol] + "'");
        }
        if (timestamps.size() == values.length) {
          values = Arrays.copyOf(values, values.length * 2);
        }
        values[timestamps.size()] = v;
        timestamps.add(t);
      }
    }
    if (timestamps.isEmpty()) {
      throw new IOException(csv + ": no data rows");
    }
    return new NabDataFile(name, timestamps, Arrays.copyOf(values, timestamps.size()), windows);
  }

  /** Returns the files, in name order. */
  public List<NabDataFile> files() {
    return List.copyOf(files.values());
  }

  /** Returns the file names, in order. */
  public Set<String> names() {
    return files.keySet();
  }

  /**
   * Returns the file of that name.
   *
   * @throws IllegalArgumentException if the corpus has no such file
   */
  public NabDataFile file(String name) {
    NabDataFile f = files.get(name);
    if (f == null) {
      throw new IllegalArgumentException("no data file " + name + " in the corpus");
    }
    return f;
  }

  /** Returns whether the corpus has a file of that name. */
  public boolean contains(String name) {
    return files.containsKey(name);
  }

  /** Returns the number of files. */
  public int fileCount() {
    return files.size();
  }

  /** Returns the number of anomaly windows over all files. */
  public int windowCount() {
    int n = 0;
    for (NabDataFile f : files.values()) {
      n += f.windows().size();
    }
    return n;
  }

  /** Returns the number of rows over all files. */
  public long rowCount() {
    long n = 0;
    for (NabDataFile f : files.values()) {
      n += f.length();
    }
    return n;
  }

  @Override
  public String toString() {
    return "NabCorpus[" + fileCount() + " files, " + windowCount() + " windows]";
  }
}
