package dev.vigil.mitigate.backend;

import dev.vigil.common.settings.StrictSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Glue between the command-running backends' {@code Config.fromMap} (which throw {@link
 * IllegalArgumentException}) and {@link StrictSettings}: the key check in their wording, the
 * problems as one exception, and where their programs are. Stateless and thread-safe.
 */
final class BackendConfig {
  private BackendConfig() {}

  /**
   * Wraps backend {@code owner}'s settings map (null reads as empty) for strict reading.
   *
   * @throws IllegalArgumentException if it holds a key not in {@code known}, naming them all
   */
  static StrictSettings read(String owner, Map<String, ?> map, Set<String> known) {
    Map<String, ?> m = map == null ? Map.of() : map;
    Set<String> unknown = new TreeSet<>(m.keySet());
    unknown.removeAll(known);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          owner + ": unknown setting(s) " + unknown + ", known: " + new TreeSet<>(known));
    }
    return StrictSettings.of(owner, m, known);
  }

  /**
   * Throws if reading {@code s} recorded problems.
   *
   * @throws IllegalArgumentException naming {@code s}' owner and every problem
   */
  static void check(StrictSettings s) {
    s.check(p -> new IllegalArgumentException(s.source() + ": " + String.join("; ", p)));
  }

  /**
   * Returns the absolute path of program {@code name}: {@code configured} if given (it must be an
   * absolute path to an executable), else the first of /usr/sbin, /sbin, /usr/bin, /bin that holds
   * it. $PATH is not consulted: a daemon running as root must not run whatever it points at.
   */
  static String program(String owner, String key, String configured, String name) {
    if (configured != null) {
      Path p = Path.of(configured);
      if (!p.isAbsolute() || !Files.isExecutable(p)) {
        throw new IllegalArgumentException(
            owner + ": " + key + " [" + configured + "] must be an absolute path to a program");
      }
      return configured;
    }
    for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    // Not installed: health() says so; apply fails with "cannot start".
    return "/usr/sbin/" + name;
  }
}
