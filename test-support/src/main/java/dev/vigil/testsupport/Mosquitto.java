package dev.vigil.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real Eclipse Mosquitto broker on loopback for tests and benchmarks ({@code vigil bench mqtt}):
 * started as a child process with a config file written into a caller-owned folder, on a free port,
 * and stopped (by its own process id) on {@link #close}.
 *
 * <p>{@link #kill} and {@link #start} (again) restart the broker on the same port and config, to
 * test reconnection. Every wait is bounded. The broker's log is kept in the folder ({@link #log})
 * so that a failing test can show it.
 */
public final class Mosquitto implements AutoCloseable {
  /** The message a test gives when it is skipped because Mosquitto is not installed. */
  public static final String MISSING =
      "mosquitto is not installed (Debian: apt-get install mosquitto; scripts/test installs it"
          + " when run as root): the tests that need a real MQTT broker are skipped";

  /** Longest wait for the broker to accept connections after a start. */
  private static final long START_TIMEOUT_MILLIS = 10_000;

  private final Path binary;
  private final Path dir;
  private final Path config;
  private final Path logFile;
  private final int port;
  private final List<Integer> extraPorts;
  private Process process;

  private Mosquitto(Path binary, Path dir, int port, List<String> extraLines, List<Integer> ports)
      throws IOException {
    this.binary = binary;
    this.dir = dir;
    this.port = port;
    this.extraPorts = List.copyOf(ports);
    this.config = dir.resolve("mosquitto.conf");
    this.logFile = dir.resolve("mosquitto.log");
    List<String> lines = new ArrayList<>();
    // Run as the current user: as root, Mosquitto would otherwise switch to the user "mosquitto",
    // which cannot read a test's private folder (ignored when not run as root).
    lines.add("user " + System.getProperty("user.name"));
    lines.add("listener " + port + " 127.0.0.1");
    lines.add("allow_anonymous true");
    lines.add("log_dest file " + logFile);
    lines.add("log_type error");
    lines.add("log_type warning");
    lines.add("log_type notice");
    lines.add("log_type information");
    lines.add("connection_messages true");
    lines.addAll(extraLines);
    Files.write(config, lines, StandardCharsets.UTF_8);
  }

  /**
   * Returns the {@code mosquitto} executable: found on {@code PATH}, else in {@code /usr/sbin} or
   * {@code /usr/local/sbin} (where Debian installs it, outside a normal user's {@code PATH}).
   */
  public static Optional<Path> binary() {
    List<Path> candidates = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(":")) {
        if (!d.isEmpty()) {
          candidates.add(Path.of(d, "mosquitto"));
        }
      }
    }
    candidates.add(Path.of("/usr/sbin/mosquitto"));
    candidates.add(Path.of("/usr/local/sbin/mosquitto"));
    return candidates.stream().filter(Files::isExecutable).findFirst();
  }

  /**
   * Returns whether tests needing a broker must run: true where Mosquitto is installed; in CI
   * ({@code CI=true}) a missing Mosquitto throws instead, so it can never be skipped silently
   * there.
   */
  public static boolean requiredOrAvailable() {
    boolean present = binary().isPresent();
    if (!present && "true".equals(System.getenv("CI"))) {
      throw new IllegalStateException("mosquitto is required in CI and was not found");
    }
    return present;
  }

  /** Returns a TCP port that was free on loopback a moment ago. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes a config into {@code dir} and starts a broker listening on a free loopback port, with
   * anonymous access.
   *
   * @param dir a folder the test owns (config, log and any persistence file go there)
   * @param extraConfig more config lines, e.g. {@code persistence true} or a second listener
   * @param extraPorts ports of listeners in {@code extraConfig}, waited for like the main one
   */
  public static Mosquitto start(Path dir, List<String> extraConfig, List<Integer> extraPorts)
      throws IOException {
    Path bin = binary().orElseThrow(() -> new IllegalStateException(MISSING));
    Mosquitto m = new Mosquitto(bin, dir, freePort(), extraConfig, extraPorts);
    m.start();
    return m;
  }

  /** Starts a plain broker (anonymous, no persistence) in {@code dir}. */
  public static Mosquitto start(Path dir) throws IOException {
    return start(dir, List.of(), List.of());
  }

  /**
   * Starts the broker process (again, after {@link #kill} or {@link #stop}) and waits until every
   * listener accepts connections.
   */
  public synchronized void start() throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("broker already running");
    }
    process =
        new ProcessBuilder(binary.toString(), "-c", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile()))
            .start();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
    List<Integer> all = new ArrayList<>(extraPorts);
    all.add(0, port);
    for (int p : all) {
      while (!accepts(p)) {
        if (!process.isAlive()) {
          throw new IOException(
              "mosquitto exited with " + process.exitValue() + " at start; log:\n" + log());
        }
        if (System.nanoTime() > deadline) {
          close();
          throw new IOException(
              "mosquitto did not listen on port " + p + " in time; log:\n" + log());
        }
        sleep(20);
      }
    }
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Kills the broker at once (SIGKILL): nothing is saved, clients see the connection drop. */
  public synchronized void kill() {
    if (process != null) {
      process.destroyForcibly();
      waitExit();
    }
  }

  /**
   * Stops the broker cleanly (SIGTERM): with {@code persistence true} it saves its sessions and
   * queued messages first.
   */
  public synchronized void stop() {
    if (process != null) {
      process.destroy();
      waitExit();
    }
  }

  private void waitExit() {
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** Returns the main listener's port. */
  public int port() {
    return port;
  }

  /** Returns the main listener's URI, {@code tcp://127.0.0.1:PORT}. */
  public String uri() {
    return "tcp://127.0.0.1:" + port;
  }

  /** Returns the first line {@code mosquitto -h} prints ("mosquitto version 2.0.11"), or "?". */
  public String version() {
    try {
      Process p = new ProcessBuilder(binary.toString(), "-h").redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      p.waitFor(5, TimeUnit.SECONDS);
      return new String(out, StandardCharsets.UTF_8).lines().findFirst().orElse("?").strip();
    } catch (IOException e) {
      return "?";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }

  /** Returns whether the broker process is running. */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Returns the broker's log so far (empty if none was written). */
  public String log() {
    try {
      StringBuilder b = new StringBuilder();
      for (Path f : List.of(logFile, dir.resolve("stdout.log"))) {
        if (Files.exists(f)) {
          b.append(Files.readString(f, StandardCharsets.UTF_8));
        }
      }
      return b.toString();
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** Stops the broker (SIGTERM, then SIGKILL if it does not exit within 5 s). */
  @Override
  public synchronized void close() {
    stop();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
