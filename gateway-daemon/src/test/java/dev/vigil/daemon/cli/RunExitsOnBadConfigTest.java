package dev.vigil.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

  @Test
  void runExits78OnSecretFilesOthersMayRead() throws Exception {
    Files.writeString(
        dir.resolve("policy.yaml"),
        "rules: [{name: q, match: {kind: packet}, action: alert, duration: 1m}]\n");
    Path token = dir.resolve("token");
    Files.writeString(token, "s3cret\n");
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r-----"));
    Path password = dir.resolve("mqtt-password");
    Files.writeString(password, "pw\n");
    Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw----r--"));
    Path config = dir.resolve("vigil.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "api: {host: 127.0.0.1, port: 0}",
            "capture: {pcap: classpath:demo/demo-attack.pcap}",
            "model: {train-pcaps: [classpath:demo/demo-benign.pcap]}",
            "telemetry:",
            "  mqtt: {brokers: ['tcp://127.0.0.1:1'], username: u, password-file: mqtt-password}",
            "  topics: ['site/{device}/{metric}']",
            "  model: {learn: {duration: 1h}}",
            "mitigation:",
            "  policy: policy.yaml",
            "  store: " + dir.resolve("vigil.db"),
            "  token-file: token",
            ""));
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new VigilCli());
    cl.setErr(new PrintWriter(err, true));

    int code = cl.execute("run", "--config", config.toString());

    assertThat(code).isEqualTo(78);
    assertThat(err.toString())
        .contains("mitigation.token-file: [" + token + "] holds a secret")
        .contains("telemetry.mqtt.password-file: [" + password + "] holds a secret")
        .contains("chmod 600");

    // owner-only files pass this check (what else the configuration needs is not under test)
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
    Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("r--------"));
    assertThat(dev.vigil.daemon.config.ConfigLoader.loadToRun(config).secretFiles()).hasSize(2);
  }
}
