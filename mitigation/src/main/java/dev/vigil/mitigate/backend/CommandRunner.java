package dev.vigil.mitigate.backend;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one external command from an argument list, never through a shell: the first element is an
 * absolute program path, every other element is passed to it as one argument, whatever it holds.
 * Output is captured (up to {@value #MAX_OUTPUT} bytes per stream), the run is bounded by a
 * timeout, and every run is logged at debug.
 *
 * <p>Thread-safe: each call starts its own process. Tests replace it with a recording fake.
 */
class CommandRunner {
  private static final Logger LOG = LoggerFactory.getLogger(CommandRunner.class);
  static final int MAX_OUTPUT = 1 << 20;

  /** What a finished command gave back. */
  record Result(List<String> argv, int exit, String stdout, String stderr) {
    /** Returns whether it exited with status 0. */
    boolean ok() {
      return exit == 0;
    }
  }

  /** Thrown when a command exits with a non-zero status, cannot start, or runs past its timeout. */
  static final class CommandException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Result result;

    CommandException(String message, Result result) {
      super(message);
      this.result = result;
    }

    /** Returns the failed run, or {@code null} when it never finished. */
    Result result() {
      return result;
    }
  }

  private final Duration timeout;

  /** Creates a runner whose commands may run for at most {@code timeout}. */
  CommandRunner(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, was " + timeout);
    }
    this.timeout = timeout;
  }

  /**
   * Runs {@code argv}, feeding it {@code stdin} (may be {@code null} for none), and returns its
   * result whatever the exit status.
   *
   * @throws CommandException if it cannot start or runs past the timeout (then it is killed)
   */
  Result exec(List<String> argv, String stdin) throws IOException, InterruptedException {
    List<String> args = List.copyOf(argv);
    if (args.isEmpty() || !args.get(0).startsWith("/")) {
      throw new IllegalArgumentException("program must be an absolute path: " + args);
    }
    Path out = Files.createTempFile("vigil-cmd", ".out");
    Path err = Files.createTempFile("vigil-cmd", ".err");
    try {
      ProcessBuilder pb = new ProcessBuilder(args);
      Map<String, String> env = pb.environment();
      // Stable, untranslated messages and output formats.
      env.put("LC_ALL", "C");
      pb.redirectOutput(out.toFile()).redirectError(err.toFile());
      if (stdin == null) {
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      }
      long t0 = System.nanoTime();
      Process p;
      try {
        p = pb.start();
      } catch (IOException e) {
        throw new CommandException("cannot start " + args + ": " + e.getMessage(), null);
      }
      if (stdin != null) {
        try (OutputStream os = p.getOutputStream()) {
          os.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
          // The program closed its input early; its exit status says what went wrong.
          LOG.debug("writing stdin of {} failed: {}", args, e.toString());
        }
      }
      boolean exited;
      try {
        exited = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        p.destroyForcibly(); // abandoned at the manager's deadline
        throw e;
      }
      if (!exited) {
        p.destroyForcibly();
        p.waitFor(1, TimeUnit.SECONDS);
        throw new CommandException(args + " ran past its timeout of " + timeout, null);
      }
      Result r = new Result(args, p.exitValue(), read(out), read(err));
      if (LOG.isDebugEnabled()) {
        LOG.debug(
            "ran {} in {} ms: exit [{}]{}{}",
            args,
            (System.nanoTime() - t0) / 1_000_000,
            r.exit(),
            stdin == null ? "" : ", stdin [" + stdin.strip() + "]",
            r.stderr().isBlank() ? "" : ", stderr [" + r.stderr().strip() + "]");
      }
      return r;
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /**
   * Runs {@code argv} like {@link #exec} and checks that it exited with status 0.
   *
   * @throws CommandException if it did not, with its stderr in the message
   */
  Result run(List<String> argv, String stdin) throws IOException, InterruptedException {
    Result r = exec(argv, stdin);
    if (!r.ok()) {
      throw new CommandException(
          r.argv() + " exited with status " + r.exit() + ": " + r.stderr().strip(), r);
    }
    return r;
  }

  private static String read(Path p) throws IOException {
    long size = Files.size(p);
    byte[] b;
    if (size <= MAX_OUTPUT) {
      b = Files.readAllBytes(p);
    } else {
      try (var in = Files.newInputStream(p)) {
        b = in.readNBytes(MAX_OUTPUT);
      }
    }
    return new String(b, StandardCharsets.UTF_8);
  }
}
