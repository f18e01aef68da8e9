package dev.vigil.daemon.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SdNotify} and {@link Watchdog} against a real unix datagram socket, received by python3 as
 * systemd would: READY=1 arrives, WATCHDOG=1 arrives while progress is reported and stops when it
 * is not.
 */
class WatchdogTest {
  private static final String RECEIVER =
      """
      import socket, sys, time
      s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
      name = sys.argv[1]
      s.bind("\\0" + name[1:] if name.startswith("@") else name)
      print("bound", flush=True)
      s.settimeout(0.5)
      end = time.time() + 30
      while time.time() < end:
          try:
              print(s.recv(4096).decode().replace("\\n", "|"), flush=True)
          except socket.timeout:
              pass
      """;

  @TempDir Path dir;
  private Process receiver;
  private final List<String> received = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws Exception {
    if (receiver != null) {
      receiver.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  private void receive(String socket) throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is needed");
    Path script = dir.resolve("receiver.py");
    Files.writeString(script, RECEIVER);
    receiver =
        new ProcessBuilder("/usr/bin/python3", script.toString(), socket)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    BufferedReader r =
        new BufferedReader(
            new InputStreamReader(receiver.getInputStream(), StandardCharsets.UTF_8));
    assertThat(r.readLine()).isEqualTo("bound");
    Thread t =
        new Thread(
            () -> {
              try {
                for (String l; (l = r.readLine()) != null; ) {
                  received.add(l);
                }
              } catch (java.io.IOException ignored) {
                // receiver gone
              }
            });
    t.setDaemon(true);
    t.start();
  }

  private long count(String message) {
    return received.stream().filter(message::equals).count();
  }

  private static void waitFor(Duration limit, BooleanSupplier ok) throws InterruptedException {
    long end = System.nanoTime() + limit.toNanos();
    while (!ok.getAsBoolean() && System.nanoTime() < end) {
      Thread.sleep(20);
    }
  }

  @Test
  void send_readyArrivesOnAPathSocket() throws Exception {
    String socket = dir.resolve("notify.sock").toString();
    receive(socket);
    SdNotify n = SdNotify.to(socket);

    assertThat(n.send("READY=1\nSTATUS=serving")).isTrue();

    waitFor(Duration.ofSeconds(5), () -> count("READY=1|STATUS=serving") == 1);
    assertThat(received).containsExactly("READY=1|STATUS=serving");
  }

  @Test
  void send_readyArrivesOnAnAbstractSocket() throws Exception {
    String socket = "@vigil-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    receive(socket);

    assertThat(SdNotify.to(socket).send("READY=1")).isTrue();

    waitFor(Duration.ofSeconds(5), () -> count("READY=1") == 1);
    assertThat(received).containsExactly("READY=1");
  }

  @Test
  void watchdog_pingsWhileProgressingAndStopsWhenStalled() throws Exception {
    String socket = dir.resolve("notify.sock").toString();
    receive(socket);
    AtomicBoolean progressing = new AtomicBoolean(true);
    Duration period = Duration.ofMillis(300);
    try (Watchdog w =
        Watchdog.start(SdNotify.to(socket), (now, stale) -> progressing.get(), period)) {
      waitFor(Duration.ofSeconds(5), () -> count("WATCHDOG=1") >= 3);
      assertThat(count("WATCHDOG=1")).isGreaterThanOrEqualTo(3);

      progressing.set(false);
      Thread.sleep(period.toMillis()); // a ping already on its way may still land
      long atStall = count("WATCHDOG=1");
      Thread.sleep(period.toMillis() * 4);
      assertThat(count("WATCHDOG=1")).isEqualTo(atStall);

      progressing.set(true);
      waitFor(Duration.ofSeconds(5), () -> count("WATCHDOG=1") > atStall);
      assertThat(count("WATCHDOG=1")).isGreaterThan(atStall);
      assertThat(w.pings()).isGreaterThanOrEqualTo(count("WATCHDOG=1"));
    }
  }

  @Test
  void watchdog_aThrowingProgressCheckIsAStall() throws Exception {
    String socket = dir.resolve("notify.sock").toString();
    receive(socket);
    try (Watchdog w =
        Watchdog.start(
            SdNotify.to(socket),
            (now, stale) -> {
              throw new IllegalStateException("boom");
            },
            Duration.ofMillis(150))) {
      Thread.sleep(600);
      assertThat(count("WATCHDOG=1")).isZero();
      assertThat(w.pings()).isZero();
    }
  }

  @Test
  void period_readsWatchdogUsecForThisProcessOnly() {
    assertThat(Watchdog.period("30000000", null, 42)).contains(Duration.ofSeconds(30));
    assertThat(Watchdog.period("30000000", "42", 42)).contains(Duration.ofSeconds(30));
    assertThat(Watchdog.period("30000000", "7", 42)).isEmpty();
    assertThat(Watchdog.period(null, null, 42)).isEmpty();
    assertThat(Watchdog.period("soon", null, 42)).isEmpty();
    assertThat(Watchdog.period("0", null, 42)).isEmpty();
  }

  @Test
  void sdNotify_withoutASocketIsANoOp() {
    SdNotify n = SdNotify.fromEnvironment();
    assumeTrue(!n.enabled(), "NOTIFY_SOCKET is set for this test run");
    assertThat(n.send("READY=1")).isTrue();
  }
}
