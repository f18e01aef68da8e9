package dev.vigil.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.daemon.alerts.AlertStore;
import dev.vigil.daemon.config.ConfigLoader;
import dev.vigil.daemon.mitigation.BearerToken;
import dev.vigil.daemon.mitigation.MitigationService;
import dev.vigil.daemon.pipeline.ComponentHealth;
import dev.vigil.daemon.pipeline.HealthState;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real daemon reloads its configuration: what can change live does (policy and dry run, the
 * REST token, alerts kept), an invalid file changes nothing and makes the {@code config} component
 * DEGRADED until a good reload, and a real SIGHUP sent to the process reloads.
 */
class ReloadDaemonTest {
  @TempDir Path tmp;
  private ApplicationContext ctx;

  @AfterEach
  void stop() {
    if (ctx != null) {
      ctx.close();
    }
  }

  private Path write(boolean dryRun, String token, int keep) throws Exception {
    Files.writeString(
        tmp.resolve("policy.yaml"),
        "dry-run: "
            + dryRun
            + "\nrules:\n  - name: q\n    match: {kind: packet}\n"
            + "    action: quarantine\n    duration: 1h\n");
    Files.writeString(tmp.resolve("token"), token + "\n");
    Files.setPosixFilePermissions(
        tmp.resolve("token"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Path cfg = tmp.resolve("vigil.yaml");
    Files.writeString(
        cfg,
        String.join(
            "\n",
            "api: {host: 127.0.0.1, port: 0}",
            "capture: {pcap: classpath:demo/demo-attack.pcap}",
            "model:",
            "  bundle: " + tmp.resolve("model.vigil"),
            "  train-pcaps: [classpath:demo/demo-benign.pcap]",
            "  autoencoder: {hidden: 16, bottleneck: 4, epochs: 5}",
            "  lstm: {enabled: false}",
            "  forest: {trees: 30}",
            "alerts: {keep: " + keep + "}",
            "mitigation:",
            "  policy: policy.yaml",
            "  store: " + tmp.resolve("vigil.db"),
            "  token-file: token",
            "  actions: {quarantine: [log]}",
            ""));
    return cfg;
  }

  private double reloads(String result) {
    return ctx.getBean(MeterRegistry.class)
        .find("vigil.config.reloads")
        .tag("result", result)
        .counter()
        .count();
  }

  @Test
  void reloadAppliesWhatCanChangeLiveAndRefusesABadFileWhole() throws Exception {
    Path cfg = write(true, "first-token", 100);
    ctx = VigilDaemon.start(ConfigLoader.load(cfg));
    MitigationService m = ctx.getBean(MitigationService.class);
    BearerToken token = ctx.getBean(BearerToken.class);
    Reloader r = ctx.getBean(Reloader.class);
    HealthState health = ctx.getBean(HealthState.class);
    assertThat(m.dryRun()).isTrue();
    assertThat(token.check("Bearer first-token")).isNull();

    write(false, "second-token", 5);
    assertThat(r.reload()).isEqualTo("ok");
    assertThat(m.dryRun()).isFalse();
    assertThat(token.check("Bearer first-token")).isNotNull();
    assertThat(token.check("Bearer second-token")).isNull();
    assertThat(ctx.getBean(AlertStore.class).newest(1000).size()).isLessThanOrEqualTo(5);
    assertThat(health.snapshot().get(Reloader.COMPONENT).status()).isEqualTo(ComponentHealth.UP);
    assertThat(reloads("ok")).isEqualTo(1);

    // an invalid configuration changes nothing, not even the parts of it that were valid
    Files.writeString(
        tmp.resolve("policy.yaml"), "dry-run: true\nrules: [{name: x, action: nuke}]\n");
    assertThat(r.reload()).isEqualTo("invalid");
    assertThat(m.dryRun()).isFalse();
    assertThat(token.check("Bearer second-token")).isNull();
    assertThat(health.snapshot().get(Reloader.COMPONENT).status())
        .isEqualTo(ComponentHealth.DEGRADED);
    assertThat(health.snapshot().get(Reloader.COMPONENT).details().get("last_error").toString())
        .contains("policy");
    assertThat(reloads("invalid")).isEqualTo(1);

    // a token file others may read is refused whole too, and the token in force stays
    write(true, "leaked-token", 5);
    Files.setPosixFilePermissions(
        tmp.resolve("token"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(r.reload()).isEqualTo("invalid");
    assertThat(m.dryRun()).isFalse();
    assertThat(token.check("Bearer leaked-token")).isNotNull();
    assertThat(token.check("Bearer second-token")).isNull();
    assertThat(health.snapshot().get(Reloader.COMPONENT).details().get("last_error").toString())
        .contains("mitigation.token-file")
        .contains("chmod 600");
    assertThat(reloads("invalid")).isEqualTo(2);

    // a real SIGHUP to this process reloads the (fixed) file
    write(true, "third-token", 5);
    Process kill =
        new ProcessBuilder("kill", "-HUP", Long.toString(ProcessHandle.current().pid()))
            .inheritIO()
            .start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (reloads("ok") < 2 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(reloads("ok")).isEqualTo(2);
    assertThat(m.dryRun()).isTrue();
    assertThat(token.check("Bearer third-token")).isNull();
    assertThat(health.snapshot().get(Reloader.COMPONENT).status()).isEqualTo(ComponentHealth.UP);
  }

  @Test
  void sectionsThatNeedARestartAreNamed() throws Exception {
    Path cfg = write(true, "t", 100);
    var a = ConfigLoader.load(cfg);
    Files.writeString(
        cfg,
        Files.readString(cfg).replace("port: 0", "port: 8799").replace("epochs: 5", "epochs: 6"));
    var b = ConfigLoader.load(cfg);
    assertThat(Reloader.needsRestart(a, b))
        .anyMatch(s -> s.startsWith("api"))
        .anyMatch(s -> s.startsWith("model"));
    assertThat(Reloader.needsRestart(a, a)).isEmpty();
  }
}
