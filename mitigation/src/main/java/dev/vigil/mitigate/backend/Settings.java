package dev.vigil.mitigate.backend;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a backend's settings map (as decoded from YAML) strictly: unknown keys and values of the
 * wrong type are errors that name the key and the value.
 */
final class Settings {
  private final String owner;
  private final Map<String, Object> map;

  /**
   * Wraps {@code map} for backend {@code owner}.
   *
   * @throws IllegalArgumentException if it holds a key not in {@code known}
   */
  Settings(String owner, Map<String, ?> map, Set<String> known) {
    this.owner = owner;
    this.map = Map.copyOf(map);
    Set<String> unknown = new TreeSet<>(map.keySet());
    unknown.removeAll(known);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          owner + ": unknown setting(s) " + unknown + ", known: " + new TreeSet<>(known));
    }
  }

  /** Returns the string at {@code key}, or {@code dflt} when absent. */
  String string(String key, String dflt) {
    Object v = map.get(key);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof String s)) {
      throw bad(key, v, "must be a string");
    }
    return s;
  }

  /** Returns the integer at {@code key} within [{@code min}, {@code max}], or {@code dflt}. */
  int integer(String key, int dflt, int min, int max) {
    Object v = map.get(key);
    if (v == null) {
      return dflt;
    }
    long n;
    if (v instanceof Integer || v instanceof Long || v instanceof Short) {
      n = ((Number) v).longValue();
    } else if (v instanceof String s && s.matches("-?\\d{1,10}")) {
      n = Long.parseLong(s);
    } else {
      throw bad(key, v, "must be an integer");
    }
    if (n < min || n > max) {
      throw bad(key, v, "must be between " + min + " and " + max);
    }
    return (int) n;
  }

  /** Returns the boolean at {@code key}, or {@code dflt}. */
  boolean bool(String key, boolean dflt) {
    Object v = map.get(key);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Boolean b)) {
      throw bad(key, v, "must be true or false");
    }
    return b;
  }

  /** Returns the list of strings at {@code key}, or an empty list. */
  List<String> strings(String key) {
    Object v = map.get(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> l)) {
      throw bad(key, v, "must be a list");
    }
    List<String> out = new ArrayList<>();
    for (Object o : l) {
      if (!(o instanceof String s)) {
        throw bad(key, o, "entries must be strings");
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  /** Wraps a value error of {@code key} with the owner's name. */
  IllegalArgumentException bad(String key, Object value, String why) {
    return new IllegalArgumentException(
        owner + ": " + key + " [" + NetValues.printable(String.valueOf(value)) + "] " + why);
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
