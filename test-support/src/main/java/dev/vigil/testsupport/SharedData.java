package dev.vigil.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.tukaani.xz.XZInputStream;

/**
 * Locates the shared public data sets ({@code ../shared/datasets} beside the checkout) and shared
 * schemas ({@code ../shared/schemas}) for tests.
 *
 * <p>The folder is taken from the system property {@code vigil.shared.datasets}, else found by
 * walking up from the working directory. A test that needs it fails with a message saying where it
 * looked: a missing data set must never turn into a silently skipped test.
 */
public final class SharedData {
  /** System property overriding the data-set folder. */
  public static final String PROPERTY = "vigil.shared.datasets";

  /** System property overriding the schema folder. */
  public static final String SCHEMAS_PROPERTY = "vigil.shared.schemas";

  private SharedData() {}

  /** Returns the data-set root folder. */
  public static Path root() {
    String p = System.getProperty(PROPERTY);
    if (p != null && Files.isDirectory(Path.of(p))) {
      return Path.of(p).toAbsolutePath().normalize();
    }
    Path dir = Path.of("").toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      Path candidate = d.resolve("shared").resolve("datasets");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
      Path sibling = d.resolveSibling("shared").resolve("datasets");
      if (d.getParent() != null && Files.isDirectory(sibling)) {
        return sibling;
      }
    }
    throw new IllegalStateException(
        "shared data sets not found: set -D"
            + PROPERTY
            + " or place them at ../shared/datasets (looked up from "
            + dir
            + ")");
  }

  /**
   * Returns the shared schema folder, or empty if there is none: the system property {@value
   * #SCHEMAS_PROPERTY}, else {@code schemas} beside the data-set folder ({@value #PROPERTY}, which
   * the build sets), else {@code shared/schemas} found by walking up from the working directory. A
   * caller decides whether its absence skips (a developer's machine) or fails (CI).
   */
  public static Optional<Path> schemas() {
    String p = System.getProperty(SCHEMAS_PROPERTY);
    if (p != null) {
      return Files.isDirectory(Path.of(p))
          ? Optional.of(Path.of(p).toAbsolutePath().normalize())
          : Optional.empty();
    }
    String data = System.getProperty(PROPERTY);
    if (data != null) {
      Path beside = Path.of(data).toAbsolutePath().normalize().resolveSibling("schemas");
      if (Files.isDirectory(beside)) {
        return Optional.of(beside);
      }
    }
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path inside = d.resolve("shared").resolve("schemas");
      if (Files.isDirectory(inside)) {
        return Optional.of(inside);
      }
      Path sibling = d.resolveSibling("shared").resolve("schemas");
      if (d.getParent() != null && Files.isDirectory(sibling)) {
        return Optional.of(sibling);
      }
    }
    return Optional.empty();
  }

  /** Returns a file under the data-set root, failing if it does not exist. */
  public static Path file(String relative) {
    Path f = root().resolve(relative);
    if (!Files.exists(f)) {
      throw new IllegalStateException("shared data file missing: " + f);
    }
    return f;
  }

  /** Opens a file, decompressing it if its name ends in {@code .xz}. */
  public static InputStream open(String relative) {
    Path f = file(relative);
    try {
      InputStream in = Files.newInputStream(f);
      return f.getFileName().toString().endsWith(".xz") ? new XZInputStream(in) : in;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
