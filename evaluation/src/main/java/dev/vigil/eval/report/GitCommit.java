package dev.vigil.eval.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Names the git commit a folder is checked out at, for benchmark records. */
public final class GitCommit {
  private GitCommit() {}

  /**
   * Returns the short commit of the repository holding {@code dir}, with {@code -dirty} appended
   * when tracked files other than {@code ignored} differ from it; empty when {@code dir} is not in
   * a git repository or git is not installed.
   */
  public static Optional<String> of(Path dir, Path ignored) {
    Optional<String> head = git(dir, "rev-parse", "--short", "HEAD");
    Optional<String> top = git(dir, "rev-parse", "--show-toplevel");
    Optional<String> status = git(dir, "status", "--porcelain", "--untracked-files=no");
    if (head.isEmpty() || top.isEmpty() || status.isEmpty()) {
      return head;
    }
    Path root = Path.of(top.get().trim());
    Path skip = ignored.toAbsolutePath().normalize();
    boolean dirty =
        status
            .get()
            .lines()
            .filter(l -> l.length() > 3)
            .map(l -> root.resolve(l.substring(3).trim()).normalize())
            .anyMatch(p -> !p.equals(skip));
    return Optional.of(head.get().trim() + (dirty ? "-dirty" : ""));
  }

  private static Optional<String> git(Path dir, String... args) {
    List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
    cmd.addAll(List.of(args));
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.empty();
      }
      return p.exitValue() == 0
          ? Optional.of(new String(out, StandardCharsets.UTF_8))
          : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
