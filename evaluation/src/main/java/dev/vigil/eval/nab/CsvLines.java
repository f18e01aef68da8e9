package dev.vigil.eval.nab;

/** The little CSV handling NAB's files need: unquoted comma-separated fields. */
final class CsvLines {
  private CsvLines() {}

  /** Splits a line at commas, keeping empty trailing fields. */
  static String[] split(String line) {
    return line.split(",", -1);
  }

  /** Removes a UTF-8 byte-order mark from the start of a header line. */
  static String stripBom(String line) {
    return !line.isEmpty() && line.charAt(0) == '\uFEFF' ? line.substring(1) : line;
  }

  /** Returns the index of the column named {@code name} (surrounding blanks ignored), or -1. */
  static int column(String[] header, String name) {
    for (int i = 0; i < header.length; i++) {
      if (header[i].strip().equals(name)) {
        return i;
      }
    }
    return -1;
  }
}
