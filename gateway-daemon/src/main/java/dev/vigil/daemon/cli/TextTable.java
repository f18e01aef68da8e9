package dev.vigil.daemon.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain text table for the terminal: a header row, columns padded to their widest cell, the last
 * column left unpadded; cells longer than {@link #MAX_CELL} characters are cut with an ellipsis.
 *
 * <p>Not thread-safe.
 */
final class TextTable {
  static final int MAX_CELL = 60;
  private final List<String[]> rows = new ArrayList<>();

  TextTable(String... header) {
    rows.add(header);
  }

  /** Adds a row; null cells print as {@code -}. */
  void add(String... cells) {
    String[] r = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      String c = cells[i] == null || cells[i].isEmpty() ? "-" : cells[i].replaceAll("\\s+", " ");
      r[i] = c.length() > MAX_CELL ? c.substring(0, MAX_CELL - 1) + "…" : c;
    }
    rows.add(r);
  }

  /** Returns how many rows were added (the header not counted). */
  int size() {
    return rows.size() - 1;
  }

  void print(PrintWriter out) {
    int cols = rows.get(0).length;
    int[] width = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        line.append(i < cols - 1 ? String.format("%-" + width[i] + "s  ", r[i]) : r[i]);
      }
      out.println(line.toString().stripTrailing());
    }
    out.flush();
  }
}
