package dev.vigil.daemon.bench;

import java.io.IOException;
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
 * A Mosquitto broker started for a benchmark: a child process listening on a free loopback port,
 * with a config file written into a folder the caller owns, stopped (by its own process id) on
 * {@link #close}. The same launch as the test suites' {@code dev.vigil.testsupport.Mosquitto},
 * which the runnable artifact does not carry.
 */
public final class MosquittoProcess implements AutoCloseable {
  /** What to say when the broker is not installed. */
  public static final String MISSING =
      "mosquitto is not installed (Debian: apt-get install mosquitto; scripts/bench installs it"
          + " when run as root)";

  private static final long START_TIMEOUT_MILLIS = 10_000;

  private final Process process;
  private final int port;
  private final String version;
  private final Path dir;

  private MosquittoProcess(Process process, int port, String version, Path dir) {
    this.process = process;
    this.port = port;
    this.version = version;
    this.dir = dir;
  }

  /**
   * Returns the {@code mosquitto} executable: on {@code PATH}, else in {@code /usr/sbin} or {@code
   * /usr/local/sbin} (where Debian installs it, outside a normal user's {@code PATH}).
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
   * Starts a broker on a free loopback port with anonymous access and {@code extraConfig}, and
   * waits (at most 10 s) until it accepts connections.
   *
   * @param dir a folder the caller owns (config and log go there)
   * @throws IOException if Mosquitto is missing, exits, or does not listen in time (with its log)
   */
  public static MosquittoProcess start(Path dir, List<String> extraConfig) throws IOException {
    Path bin = binary().orElseThrow(() -> new IOException(MISSING));
    int port = freePort();
    Path config = dir.resolve("mosquitto.conf");
    Path log = dir.resolve("mosquitto.log");
    List<String> lines = new ArrayList<>();
    // as root Mosquitto would switch to the user "mosquitto", who cannot read the caller's folder
    lines.add("user " + System.getProperty("user.name"));
    lines.add("listener " + port + " 127.0.0.1");
    lines.add("allow_anonymous true");
    lines.add("persistence false");
    lines.add("log_dest file " + log);
    lines.add("log_type error");
    lines.add("log_type warning");
    lines.addAll(extraConfig);
    Files.write(config, lines, StandardCharsets.UTF_8);
    String version = version(bin);
    Process p =
        new ProcessBuilder(bin.toString(), "-c", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("stdout.log").toFile())
            .start();
    MosquittoProcess m = new MosquittoProcess(p, port, version, dir);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
    while (!accepts(port)) {
      if (!p.isAlive()) {
        throw new IOException(
            "mosquitto exited with " + p.exitValue() + " at start; log:\n" + m.log());
      }
      if (System.nanoTime() - deadline > 0) {
        m.close();
        throw new IOException("mosquitto did not listen on port " + port + " in 10 s:\n" + m.log());
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        m.close();
        throw new IOException("interrupted while starting mosquitto", e);
      }
    }
    return m;
  }

  /** Returns the first line {@code mosquitto -h} prints ("mosquitto version 2.0.11"), or "?". */
  private static String version(Path bin) {
    try {
      Process p = new ProcessBuilder(bin.toString(), "-h").redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      p.waitFor(5, TimeUnit.SECONDS);
      String first = new String(out, StandardCharsets.UTF_8).lines().findFirst().orElse("?");
      return first.strip();
    } catch (IOException e) {
      return "?";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return s.getLocalPort();
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

  /** Returns {@code tcp://127.0.0.1:PORT}. */
  public String uri() {
    return "tcp://127.0.0.1:" + port;
  }

  /** Returns the broker's version line, e.g. "mosquitto version 2.0.11". */
  public String version() {
    return version;
  }

  /** Returns the broker's log so far. */
  public String log() {
    StringBuilder b = new StringBuilder();
    for (Path f : List.of(dir.resolve("mosquitto.log"), dir.resolve("stdout.log"))) {
      try {
        if (Files.exists(f)) {
          b.append(Files.readString(f, StandardCharsets.UTF_8));
        }
      } catch (IOException e) {
        b.append("(").append(f).append(" unreadable: ").append(e.getMessage()).append(")\n");
      }
    }
    return b.toString();
  }

  /** Stops the broker (SIGTERM, then SIGKILL after 5 s). */
  @Override
  public void close() {
    process.destroy();
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
}
