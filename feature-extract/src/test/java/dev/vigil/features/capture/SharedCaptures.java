package dev.vigil.features.capture;

import dev.vigil.testsupport.SharedData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Finds the shared public captures and their {@code labels.csv} rows, for tests. */
final class SharedCaptures {
  private SharedCaptures() {}

  /** Returns the {@code pcap/} folder of the shared data sets. */
  static Path root() {
    return SharedData.file("pcap");
  }

  /** Returns every {@code .pcap}/{@code .pcapng} under {@link #root}, relative to it, sorted. */
  static List<String> list() {
    Path root = root();
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile)
          .map(p -> root.relativize(p).toString())
          .filter(n -> n.endsWith(".pcap") || n.endsWith(".pcapng"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Returns the {@code packets} column of {@code labels.csv} (capinfos counts) by file. */
  static Map<String, Long> labelledPacketCounts() {
    List<String> lines;
    try {
      lines = Files.readAllLines(root().resolve("labels.csv"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> header = csvFields(lines.get(0));
    int file = header.indexOf("file");
    int packets = header.indexOf("packets");
    if (file < 0 || packets < 0) {
      throw new IllegalStateException("labels.csv lacks a file or packets column: " + header);
    }
    Map<String, Long> counts = new TreeMap<>();
    for (String line : lines.subList(1, lines.size())) {
      if (line.isBlank()) {
        continue;
      }
      List<String> row = csvFields(line);
      if (counts.put(row.get(file), Long.parseLong(row.get(packets))) != null) {
        throw new IllegalStateException("labels.csv lists [" + row.get(file) + "] twice");
      }
    }
    return counts;
  }

  /** Splits one RFC 4180 line: fields may be quoted, with {@code ""} for a quote inside. */
  static List<String> csvFields(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    fields.add(field.toString());
    return fields;
  }
}
