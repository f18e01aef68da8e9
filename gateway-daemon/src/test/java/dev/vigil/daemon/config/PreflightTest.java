package dev.vigil.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pcap4j.packet.namednumber.DataLinkType;

class PreflightTest {
  @TempDir Path tmp;

  private Path write(String yaml) throws Exception {
    Path f = tmp.resolve("vigil.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  @Test
  void aConfigurationThatCannotRunHereGetsEveryProblemWithItsKey() throws Exception {
    Path sys = Files.createDirectories(tmp.resolve("sys"));
    Files.createDirectories(sys.resolve("eth0"));
    Path token = tmp.resolve("token");
    Files.writeString(token, "t\n");
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));
    Files.writeString(
        tmp.resolve("policy.yaml"),
        "rules: [{name: q, match: {kind: packet}, action: quarantine, duration: 1h}]\n");
    VigilConfig c =
        ConfigLoader.load(
            write(
                String.join(
                    "\n",
                    "api: {host: 192.0.2.77, port: 8787}",
                    "capture: {interface: nosuchif0}",
                    "model: {learn: {duration: 1h}}",
                    "alerts: {eve-log: /proc/nope/eve.json}",
                    "mitigation:",
                    "  policy: policy.yaml",
                    "  store: " + tmp.resolve("db/vigil.db"),
                    "  token-file: token",
                    "")));
    List<String> p = new Preflight(sys).check(c);
    assertThat(p)
        .anyMatch(
            s -> s.startsWith("capture.interface: no interface [nosuchif0]") && s.contains("eth0"))
        .anyMatch(s -> s.startsWith("alerts.eve-log: [/proc/nope/eve.json] cannot be created"))
        .anyMatch(s -> s.startsWith("api.host: [192.0.2.77] is not an address of this machine"))
        .anyMatch(s -> s.startsWith("mitigation.token-file:") && s.contains("chmod 600"))
        .noneMatch(s -> s.startsWith("mitigation.store"));
  }

  @Test
  void aBpfFilterIsCompiledByLibpcap() {
    assertThat(
            Preflight.compileFilter("tcp port 80 and not host 10.0.0.1", DataLinkType.EN10MB, 256))
        .isNull();
    assertThat(Preflight.compileFilter("tcp port ((( bogus", DataLinkType.EN10MB, 256))
        .contains("syntax error");
  }

  @Test
  void writableFilesAreCheckedWithoutCreatingAnything() throws Exception {
    List<String> p = new ArrayList<>();
    Preflight.writableFile("k", tmp.resolve("a/b/c.json"), p);
    assertThat(p).isEmpty();
    assertThat(tmp.resolve("a")).doesNotExist();
    Preflight.writableFile("k", Path.of("/proc/nope/x"), p);
    assertThat(p).singleElement().asString().startsWith("k: [/proc/nope/x] cannot be created");
  }

  @Test
  void theSummaryIsReadable() throws Exception {
    Files.writeString(
        tmp.resolve("policy.yaml"),
        "dry-run: true\nrules: [{name: q, match: {kind: packet}, action: quarantine, duration: 1h}]\n");
    Files.writeString(tmp.resolve("token"), "t\n");
    VigilConfig c =
        ConfigLoader.load(
            write(
                "capture: {interface: auto}\nmodel: {learn: {duration: 24h}}\nmitigation:\n"
                    + "  policy: policy.yaml\n  store: /var/lib/vigil/vigil.db\n  token-file: token\n"
                    + "  actions: {quarantine: [nftables, log]}\n"));
    assertThat(Preflight.summary(c))
        .contains("capture interface auto, learned on the device for 24h")
        .contains("mitigation 1 rule(s) in dry run (quarantine by nftables and log")
        .doesNotContain("{")
        .doesNotContain("=");
  }
}
