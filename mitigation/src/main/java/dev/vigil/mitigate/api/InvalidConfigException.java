package dev.vigil.mitigate.api;

import dev.vigil.common.settings.StrictSettings;
import java.util.List;

/**
 * Thrown when a configuration (a policy file, a mitigator's settings) is invalid; lists every
 * problem found, each starting with the path of its key, so that one run shows them all.
 */
public final class InvalidConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final List<String> problems;

  /**
   * Creates one for {@code source} (a file name or a section) with at least one problem.
   *
   * @throws IllegalArgumentException if {@code problems} is empty
   */
  public InvalidConfigException(String source, List<String> problems) {
    super(message(source, problems));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("no problems given");
    }
    this.source = source;
    this.problems = List.copyOf(problems);
  }

  private static String message(String source, List<String> problems) {
    return "invalid configuration ["
        + source
        + "], "
        + problems.size()
        + (problems.size() == 1 ? " problem:" : " problems:")
        + "\n  "
        + String.join("\n  ", problems);
  }

  /**
   * Throws one for {@code settings}' source if it has recorded problems (in any of its sections).
   *
   * @throws InvalidConfigException listing them all
   */
  public static void check(StrictSettings settings) throws InvalidConfigException {
    settings.check(p -> new InvalidConfigException(settings.source(), p));
  }

  /** Returns where the configuration came from. */
  public String source() {
    return source;
  }

  /** Returns the problems, each starting with its key's path. */
  public List<String> problems() {
    return problems;
  }
}
