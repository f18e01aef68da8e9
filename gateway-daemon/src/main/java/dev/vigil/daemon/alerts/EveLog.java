package dev.vigil.daemon.alerts;

import io.micronaut.serde.ObjectMapper;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends alerts to a JSON-lines file, one {@link Alert} per line, flushed per alert so that a
 * tailing shipper sees it at once.
 *
 * <p>Thread-safe.
 */
public final class EveLog implements Closeable {
  private final Path file;
  private final ObjectMapper mapper;
  private final BufferedWriter out;

  /** Opens {@code file} for appending, creating it and its folder if needed. */
  public EveLog(Path file, ObjectMapper mapper) throws IOException {
    this.file = file;
    this.mapper = mapper;
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    this.out =
        Files.newBufferedWriter(
            file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** Writes one alert line. */
  public synchronized void write(Alert a) throws IOException {
    out.write(mapper.writeValueAsString(a));
    out.write('\n');
    out.flush();
  }

  /** Returns the file written. */
  public Path file() {
    return file;
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }
}
