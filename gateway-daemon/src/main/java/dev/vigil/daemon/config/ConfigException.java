package dev.vigil.daemon.config;

import java.util.List;

/** Reports every problem found in a configuration file; nothing of that file has been applied. */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient List<String> problems;

  /** Creates an exception for {@code source} with one line per problem. */
  public ConfigException(String source, List<String> problems) {
    super("invalid configuration " + source + ":\n  - " + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  /** Returns the problems, one per entry, each naming the key. */
  public List<String> problems() {
    return problems;
  }
}
