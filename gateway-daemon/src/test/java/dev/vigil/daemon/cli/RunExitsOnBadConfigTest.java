package dev.vigil.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The systemd unit relies on this: {@code vigil run} on an invalid configuration exits 78 (which
 * {@code RestartPreventExitStatus=78} does not retry) with every problem on stderr, before it binds
 * or opens anything.
 */
class RunExitsOnBadConfigTest {
  @TempDir Path dir;

  @Test
  void runExits78BeforeBindingAnything() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path config = dir.resolve("vigil.yaml");
    Files.writeString(
        config,
        "api: {host: 127.0.0.1, port: "
            + port
            + "}\n"
            + "capture: {interface: eth0, snaplen: 1}\n"
            + "features: {window: 0s}\n"
            + "model: {no-such-key: 1}\n");
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new VigilCli());
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute("run", "--config", config.toString());
    assertThat(code).isEqualTo(78);
    assertThat(err.toString())
        .contains("capture.snaplen")
        .contains("features.window")
        .contains("no-such-key");
    // nothing was left bound: the port is free
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      assertThat(s.getLocalPort()).isEqualTo(port);
    }
  }
}
