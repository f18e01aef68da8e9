package dev.vigil.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.detect.model.Precision;
import dev.vigil.features.telemetry.DecoderOptions;
import dev.vigil.features.telemetry.MqttOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private static final Path CONFIG = projectRoot().resolve("config");

  static Path projectRoot() {
    Path p = Path.of("").toAbsolutePath();
    return Files.isDirectory(p.resolve("config")) ? p : p.getParent();
  }

  @Test
  void load_documentedExampleIsValid() throws ConfigException {
    VigilConfig c = ConfigLoader.load(CONFIG.resolve("vigil.yaml"));
    assertThat(c.api().host()).isEqualTo("127.0.0.1");
    assertThat(c.api().port()).isEqualTo(8787);
    assertThat(c.capture().pcap()).isRegularFile();
    assertThat(c.model().trainPcaps()).hasSize(1).allSatisfy(p -> assertThat(p).isRegularFile());
    assertThat(c.features().window()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.alerts().eveLog()).contains(Path.of("/var/log/vigil/eve.json"));
    assertThat(c.alerts().host()).isEqualTo("gateway-1");
    var b = c.features().beacon();
    assertThat(b).isNotNull();
    assertThat(b.learnMicros()).isEqualTo(600_000_000L);
    assertThat(b.minRepeats()).isEqualTo(8);
    assertThat(b.maxJitter()).isEqualTo(0.2);
    assertThat(b.minPeriodMicros()).isEqualTo(2_000_000L);
    assertThat(b.maxPeriodMicros()).isEqualTo(3_600_000_000L);
  }

  /** The example states the defaults: an operator who copies it gets what the code documents. */
  @Test
  void load_documentedExampleStatesTheStreamingDetectorsDefaults() throws ConfigException {
    VigilConfig c = ConfigLoader.load(CONFIG.resolve("vigil.yaml"));
    assertThat(c.features().flood())
        .isEqualTo(dev.vigil.features.flow.FloodDetector.Options.defaults());
    assertThat(c.features().scan())
        .isEqualTo(dev.vigil.features.flow.ScanDetector.Options.defaults());
  }

  @Test
  void beacon_learnsAsLongAsTheModel_andCanBeTurnedOff(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path pcap = CONFIG.resolve("../gateway-daemon/src/main/resources/demo/demo-attack.pcap");
    Path on = dir.resolve("on.yaml");
    Files.writeString(
        on,
        "capture: {pcap: "
            + pcap.toAbsolutePath().normalize()
            + "}\nmodel: {learn: {duration: 3m}}\nfeatures: {beacon: {min-repeats: 5}}\n");
    VigilConfig c = ConfigLoader.load(on);
    assertThat(c.features().beacon().learnMicros()).isEqualTo(180_000_000L);
    assertThat(c.features().beacon().minRepeats()).isEqualTo(5);
    Path off = dir.resolve("off.yaml");
    Files.writeString(
        off,
        "capture: {pcap: "
            + pcap.toAbsolutePath().normalize()
            + "}\nmodel: {learn: {duration: 3m}}\nfeatures: {beacon: {enabled: false}}\n");
    assertThat(ConfigLoader.load(off).features().beacon()).isNull();
  }

  @Test
  void loadResource_embeddedDemoIsValid() throws ConfigException {
    VigilConfig c = ConfigLoader.loadResource(ConfigLoader.DEMO_RESOURCE);
    assertThat(c.capture().pcap()).isRegularFile();
    assertThat(c.model().trainPcaps()).isNotEmpty().allSatisfy(p -> assertThat(p).isRegularFile());
  }

  /**
   * Each file in config/invalid/ must fail with the message its first line announces ("# expect:
   * ...").
   */
  @TestFactory
  Stream<DynamicTest> load_invalidFixturesFailWithTheirMessage() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(CONFIG.resolve("invalid"))) {
      files = s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(8);
    return files.stream()
        .map(
            f ->
                DynamicTest.dynamicTest(
                    f.getFileName().toString(),
                    () -> {
                      String first = Files.readAllLines(f).get(0);
                      assertThat(first).startsWith("# expect: ");
                      String expected = first.substring("# expect: ".length());
                      assertThatThrownBy(() -> ConfigLoader.load(f))
                          .isInstanceOf(ConfigException.class)
                          .hasMessageContaining(expected)
                          .hasMessageContaining(f.toString());
                    }));
  }

  @Test
  void continual_isOffUnlessGiven_hasDefaults_andIsBounded() throws ConfigException {
    String base = "capture: {pcap: ../gateway-daemon/src/main/resources/demo/demo-attack.pcap}\n";
    VigilConfig off =
        ConfigLoader.parse("inline", CONFIG, base + "model: {learn: {duration: 1h}}\n");
    assertThat(off.model().continual()).isNull();
    VigilConfig on =
        ConfigLoader.parse(
            "inline", CONFIG, base + "model: {learn: {duration: 1h}, continual: {}}\n");
    assertThat(on.model().continual())
        .isEqualTo(
            new VigilConfig.Continual(
                Duration.ofHours(24), 1000, 256, 200_000, Duration.ofHours(1), 64));
    VigilConfig noGrace =
        ConfigLoader.parse(
            "inline",
            CONFIG,
            base + "model: {learn: {duration: 1h}, continual: {grace: 0s, grace-hosts: 8}}\n");
    assertThat(noGrace.model().continual().grace()).isZero();
    assertThat(noGrace.model().continual().graceHosts()).isEqualTo(8);
    String bad =
        base
            + "model: {learn: {duration: 1h}, continual: {every: 10s, per-entity: 8, often: 1,"
            + " grace: 60d, grace-hosts: 0}}\n";
    assertThatThrownBy(() -> ConfigLoader.parse("inline", CONFIG, bad))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(String.join("\n", e.problems()))
                    .contains("model.continual.every")
                    .contains("model.continual.per-entity")
                    .contains("model.continual.grace")
                    .contains("model.continual.grace-hosts")
                    .contains("model.continual.often: unknown key"));
  }

  @Test
  void alertsHost_defaultsToTheMachinesName() throws ConfigException {
    VigilConfig c =
        ConfigLoader.parse(
            "inline",
            CONFIG,
            "capture: {pcap: ../gateway-daemon/src/main/resources/demo/demo-attack.pcap}\n"
                + "model: {train-pcaps: [../gateway-daemon/src/main/resources/demo]}\n");
    assertThat(c.alerts().host()).isNotBlank().isEqualTo(AlertsSection.localHostName());
    assertThat(c.alerts().eveLog()).isEmpty();
  }

  @Test
  void parse_reportsEveryProblemAtOnce() {
    String yaml = "api:\n  port: -1\n  colour: red\nmodel:\n  forest:\n    trees: 0\n";
    assertThatThrownBy(() -> ConfigLoader.parse("inline", Path.of("."), yaml))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .anyMatch(p -> p.startsWith("api.port:"))
                    .anyMatch(p -> p.startsWith("api.colour: unknown key"))
                    .anyMatch(p -> p.startsWith("model.forest.trees:"))
                    .anyMatch(p -> p.startsWith("capture: set exactly one of pcap"))
                    .anyMatch(p -> p.startsWith("model: no way to get a model")));
  }

  @Test
  void load_documentedTelemetrySectionIsValidWhenUncommented(@TempDir Path tmp) throws Exception {
    List<String> lines = Files.readAllLines(CONFIG.resolve("vigil.yaml"));
    int from = lines.indexOf("# telemetry:");
    assertThat(from).as("the example's telemetry section").isPositive();
    int to =
        lines.subList(from, lines.size()).indexOf("") + from; // the section ends at a blank line
    StringBuilder yaml = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      yaml.append(i >= from && i < to && l.startsWith("# ") ? l.substring(2) : l).append('\n');
    }
    Path cfg = tmp.resolve("vigil.yaml");
    Files.writeString(
        cfg, yaml.toString().replace("../gateway-daemon", CONFIG + "/../gateway-daemon"));
    VigilConfig c = ConfigLoader.load(cfg);
    assertThat(c.packetPath()).isTrue();
    VigilConfig.Telemetry t = c.telemetry().orElseThrow();
    assertThat(t.mqtt().serverUris()).containsExactly("tcp://127.0.0.1:1883");
    assertThat(t.mqtt().clientId()).isEqualTo("vigil-gw-1");
    assertThat(t.mqtt().protocol()).isEqualTo(MqttOptions.Protocol.V3_1_1);
    assertThat(t.mqtt().qos()).isEqualTo(1);
    assertThat(t.topics())
        .containsExactly("devices/{device}/telemetry", "sensors/{device}/{metric}");
    assertThat(t.decoder().format()).isEqualTo(DecoderOptions.Format.AUTO);
    assertThat(t.decoder().timestampField()).isEqualTo("ts");
    assertThat(t.step()).isEqualTo(Duration.ofSeconds(10));
    assertThat(t.model().bundle()).isEqualTo(Path.of("/var/lib/vigil/telemetry.vigil"));
    assertThat(t.model().learn().duration()).isEqualTo(Duration.ofHours(24));
    assertThat(t.model().training().targetFpr()).isEqualTo(0.01);
    assertThat(t.continual()).as("the example's telemetry.model.continual").isTrue();
  }

  @Test
  void parse_telemetryContinualDefaultsOnAndCanBeSwitchedOff(@TempDir Path tmp) throws Exception {
    String base = "telemetry:\n  mqtt: {brokers: ['tcp://b']}\n  model: {learn: {duration: 1h}";
    assertThat(
            ConfigLoader.parse("inline", tmp, base + "}\n").telemetry().orElseThrow().continual())
        .isTrue();
    assertThat(
            ConfigLoader.parse("inline", tmp, base + ", continual: false}\n")
                .telemetry()
                .orElseThrow()
                .continual())
        .isFalse();
    // the packet path's model.continual is a section of its own (retraining), not this switch
    assertThatThrownBy(
            () -> ConfigLoader.parse("inline", tmp, "model: {continual: true}\n" + base + "}\n"))
        .hasMessageContaining("model.continual");
  }

  @Test
  void parse_telemetryOnlyGatewayNeedsNoCaptureNorPacketModel(@TempDir Path tmp) throws Exception {
    Path pw = tmp.resolve("pw");
    Files.writeString(pw, "s3cret\n");
    String yaml =
        String.join(
            "\n",
            "telemetry:",
            "  mqtt:",
            "    brokers: ['tcp://broker.lan', 'tcp://backup.lan:1884']",
            "    client-id: gw-7",
            "    version: 5",
            "    username: vigil",
            "    password-file: pw",
            "    qos: 2",
            "    clean-session: false",
            "    reconnect: {min-delay: 50ms, max-delay: 2s}",
            "  topics: ['site/{device}/{metric}']",
            "  payload: {format: number, timestamp-field: none, allowed-devices: [a, b],"
                + " max-name-length: 32}",
            "  step: 500ms",
            "  allowed-lateness: 0ms",
            "  denoise: true",
            "  max-devices: 10",
            "  max-series: 20",
            "  max-series-per-device: 5",
            "  series-idle: 10m",
            "  queue-size: 1024",
            "  model:",
            "    learn: {duration: 30s, min-vectors: 60}",
            "    precision: float",
            "    autoencoder: {hidden: 8, bottleneck: 4, epochs: 3}",
            "    lstm: {enabled: false}",
            "");
    VigilConfig c = ConfigLoader.parse("inline", tmp, yaml);
    assertThat(c.packetPath()).isFalse();
    assertThat(c.capture()).isNull();
    VigilConfig.Telemetry t = c.telemetry().orElseThrow();
    MqttOptions m = t.mqtt();
    assertThat(m.serverUris()).containsExactly("tcp://broker.lan:1883", "tcp://backup.lan:1884");
    assertThat(m.clientId()).isEqualTo("gw-7");
    assertThat(m.protocol()).isEqualTo(MqttOptions.Protocol.V5);
    assertThat(m.username()).isEqualTo("vigil");
    assertThat(m.password()).isEqualTo("s3cret");
    assertThat(m.qos()).isEqualTo(2);
    assertThat(m.cleanSession()).isFalse();
    assertThat(m.sessionExpirySeconds()).isEqualTo(86_400);
    assertThat(m.minReconnectDelay()).isEqualTo(Duration.ofMillis(50));
    assertThat(m.maxReconnectDelay()).isEqualTo(Duration.ofSeconds(2));
    assertThat(t.topics()).containsExactly("site/{device}/{metric}");
    assertThat(t.decoder().format()).isEqualTo(DecoderOptions.Format.NUMBER);
    assertThat(t.decoder().timestampField()).isEmpty();
    assertThat(t.decoder().allowedDevices()).containsExactlyInAnyOrder("a", "b");
    assertThat(t.step()).isEqualTo(Duration.ofMillis(500));
    assertThat(t.lateness()).isZero();
    assertThat(t.denoise()).isTrue();
    assertThat(t.maxDevices()).isEqualTo(10);
    assertThat(t.maxSeries()).isEqualTo(20);
    assertThat(t.maxSeriesPerDevice()).isEqualTo(5);
    assertThat(t.seriesIdle()).isEqualTo(Duration.ofMinutes(10));
    assertThat(t.decoder().maxNameLength()).isEqualTo(32);
    // by default an hour, or 4 steps plus the allowed lateness when that is longer
    String longSteps =
        "telemetry:\n  mqtt: {brokers: ['tcp://b']}\n  step: 20m\n  model: {learn: {duration: 1h}}\n";
    VigilConfig.Telemetry slow =
        ConfigLoader.parse("inline", tmp, longSteps).telemetry().orElseThrow();
    assertThat(slow.seriesIdle()).isEqualTo(Duration.ofMinutes(80).plusSeconds(1));
    assertThat(slow.maxSeriesPerDevice()).isEqualTo(64);
    assertThat(t.queueSize()).isEqualTo(1024);
    assertThat(t.model().learn().minVectors()).isEqualTo(60);
    assertThat(t.model().precision()).isEqualTo(Precision.FLOAT);
    assertThat(t.model().training().autoencoder().hidden()).isEqualTo(8);
    assertThat(t.model().training().lstm()).isNull();
    assertThat(t.model().training().scaling().log1p()).isFalse();
    assertThat(t.model().trainPcaps()).isEmpty();
    assertThat(m.toString()).doesNotContain("s3cret");
  }

  @Test
  void parse_telemetryDisabledIsOffButStillChecked() {
    String disabled =
        "capture: {pcap: x.pcap}\nmodel: {learn: {duration: 1h}}\n"
            + "telemetry:\n  enabled: false\n  mqtt: {client-id: gw}\n";
    assertThatThrownBy(() -> ConfigLoader.parse("inline", CONFIG, disabled))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .containsExactly(
                        "capture.pcap: [" + CONFIG.resolve("x.pcap") + "] does not exist"));
    String typo =
        "capture: {pcap: vigil.yaml}\nmodel: {learn: {duration: 1h}}\n"
            + "telemetry:\n  enabled: false\n  stepp: 10s\n";
    assertThatThrownBy(() -> ConfigLoader.parse("inline", CONFIG, typo))
        .hasMessageContaining("telemetry.stepp: unknown key");
    String off = "model: {learn: {duration: 1h}}\ntelemetry:\n  enabled: false\n";
    assertThatThrownBy(() -> ConfigLoader.parse("inline", CONFIG, off))
        .hasMessageContaining("capture: set exactly one of pcap");
  }

  /** Every telemetry problem at once, each with its key; no configuration comes back. */
  @Test
  void parse_telemetryReportsEveryProblemAtOnce() {
    String yaml =
        String.join(
            "\n",
            "telemetry:",
            "  mqtt:",
            "    brokers: ['tcp://ok', 'mqtt://bad']",
            "    qos: 3",
            "    keep-alive: 1500ms",
            "    reconnect: {min-delay: 5s, max-delay: 1s}",
            "    subscriptions: ['a/#/b']",
            "  topics: ['x/{device}/{device}']",
            "  payload: {max-depth: 99}",
            "  queue-size: 1000",
            "  max-devices: 100",
            "  max-series: 10",
            "  model: {train-pcaps: [x.pcap]}",
            "");
    assertThatThrownBy(() -> ConfigLoader.parse("inline", CONFIG, yaml))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .anyMatch(
                        p -> p.startsWith("telemetry.mqtt.brokers[1]: server URI 'mqtt://bad'"))
                    .anyMatch(p -> p.startsWith("telemetry.mqtt.qos: must be between 0 and 2"))
                    .anyMatch(p -> p.startsWith("telemetry.mqtt.keep-alive: must be whole seconds"))
                    .anyMatch(
                        p -> p.startsWith("telemetry.mqtt.reconnect.max-delay: must be at least"))
                    .anyMatch(
                        p -> p.startsWith("telemetry.mqtt.subscriptions[0]: subscription 'a/#/b'"))
                    .anyMatch(p -> p.startsWith("telemetry.topics[0]: topic template"))
                    .anyMatch(
                        p -> p.startsWith("telemetry.payload.max-depth: must be between 1 and 32"))
                    .anyMatch(p -> p.startsWith("telemetry.queue-size: must be a power of two"))
                    .anyMatch(
                        p -> p.startsWith("telemetry.max-series: must be at least max-devices"))
                    .anyMatch(p -> p.startsWith("telemetry.model.train-pcaps: unknown key"))
                    .anyMatch(p -> p.startsWith("telemetry.model: no way to get a model"))
                    .noneMatch(p -> p.startsWith("capture")));
  }

  @Test
  void load_documentedMitigationSectionIsValidWhenUncommented(@TempDir Path tmp) throws Exception {
    List<String> lines = Files.readAllLines(CONFIG.resolve("vigil.yaml"));
    int from = lines.indexOf("# mitigation:");
    assertThat(from).as("the example's mitigation section").isPositive();
    Path token = tmp.resolve("api-token");
    Files.writeString(token, "t0ken");
    StringBuilder yaml = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      yaml.append(i >= from && l.startsWith("# ") ? l.substring(2) : l).append('\n');
    }
    Files.copy(CONFIG.resolve("policy.yaml"), tmp.resolve("policy.yaml"));
    Path cfg = tmp.resolve("vigil.yaml");
    Files.writeString(
        cfg,
        yaml.toString()
            .replace("../gateway-daemon", CONFIG + "/../gateway-daemon")
            .replace("/etc/vigil/api-token", token.toString()));
    VigilConfig.Mitigation m = ConfigLoader.load(cfg).mitigation().orElseThrow();
    assertThat(m.policy().rules()).isNotEmpty();
    assertThat(m.store()).isEqualTo(Path.of("/var/lib/vigil/vigil.db"));
    assertThat(m.tokenFile()).contains(token);
    assertThat(m.actions().get(dev.vigil.mitigate.api.Decision.Action.QUARANTINE))
        .containsExactly("nftables", "log");
    assertThat(m.mitigators()).containsOnlyKeys("nftables", "iproute2");
  }

  private static final String DEMO_PACKETS =
      String.join(
          "\n",
          "capture: {pcap: classpath:demo/demo-attack.pcap}",
          "model: {train-pcaps: [classpath:demo/demo-benign.pcap]}",
          "");

  @Test
  void mitigation_absentMeansNone() throws ConfigException {
    assertThat(ConfigLoader.parse("inline", CONFIG, DEMO_PACKETS).mitigation()).isEmpty();
  }

  @Test
  void mitigation_readsEverySettingAndLoadsThePolicy(@TempDir Path tmp) throws Exception {
    Path token = tmp.resolve("token");
    Files.writeString(token, "s3cret\n");
    String yaml =
        DEMO_PACKETS
            + String.join(
                "\n",
                "mitigation:",
                "  policy: policy.yaml",
                "  store: " + tmp.resolve("state/vigil.db"),
                "  token-file: " + token,
                "  actions:",
                "    quarantine: [nftables, log]",
                "    reroute: []",
                "  mitigators:",
                "    nftables: {inetTable: vigil, bridge: false}",
                "    exec: {apply: [/bin/true, '{value}']}",
                "  sweep: 2s",
                "  reconcile: 1m",
                "  max-manual-ttl: 1h",
                "  queue-size: 64",
                "");
    VigilConfig.Mitigation m =
        ConfigLoader.parse("inline", CONFIG, yaml).mitigation().orElseThrow();
    assertThat(m.policyFile()).isEqualTo(CONFIG.resolve("policy.yaml"));
    assertThat(m.policy().rules()).hasSize(8);
    assertThat(m.store()).isEqualTo(tmp.resolve("state/vigil.db"));
    assertThat(m.tokenFile()).contains(token);
    assertThat(m.actions())
        .containsEntry(
            dev.vigil.mitigate.api.Decision.Action.QUARANTINE, List.of("nftables", "log"))
        .containsEntry(dev.vigil.mitigate.api.Decision.Action.REROUTE, List.of())
        .containsEntry(dev.vigil.mitigate.api.Decision.Action.ALERT, List.of("log"));
    assertThat(m.mitigators()).containsOnlyKeys("nftables", "exec");
    assertThat(m.sweep()).isEqualTo(Duration.ofSeconds(2));
    assertThat(m.reconcile()).isEqualTo(Duration.ofMinutes(1));
    assertThat(m.maxManualTtl()).isEqualTo(Duration.ofHours(1));
    assertThat(m.queueSize()).isEqualTo(64);
  }

  @Test
  void mitigation_defaults() throws ConfigException {
    String yaml = DEMO_PACKETS + "mitigation: {policy: policy.yaml, store: /tmp/x/vigil.db}\n";
    VigilConfig.Mitigation m =
        ConfigLoader.parse("inline", CONFIG, yaml).mitigation().orElseThrow();
    assertThat(m.tokenFile()).isEmpty();
    assertThat(m.actions().values()).allSatisfy(l -> assertThat(l).containsExactly("log"));
    assertThat(m.sweep()).isEqualTo(Duration.ofSeconds(5));
    assertThat(m.reconcile()).isEqualTo(Duration.ofMinutes(5));
    assertThat(m.maxManualTtl()).isEqualTo(Duration.ofDays(7));
  }

  @Test
  void mitigation_reportsEveryProblemAtOnce() {
    String yaml =
        DEMO_PACKETS
            + String.join(
                "\n",
                "mitigation:",
                "  policy: invalid-policy/rules-empty.yaml",
                "  token-file: /nonexistent/token",
                "  actions: {quarantine: [nft], alert: log}",
                "  mitigators: {log: {level: debug}, exec: {apply: [x]}, ufw: {}}",
                "  reconcile: 0s",
                "  queue-size: 1",
                "");
    assertThatThrownBy(() -> ConfigLoader.parse("inline", CONFIG, yaml))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .anyMatch(
                        p -> p.startsWith("mitigation.policy: [") && p.contains("rules-empty"))
                    .anyMatch(p -> p.endsWith("rules: must hold at least one rule"))
                    .anyMatch(p -> p.equals("mitigation.store: required"))
                    .anyMatch(p -> p.startsWith("mitigation.token-file: [/nonexistent/token]"))
                    .anyMatch(
                        p -> p.startsWith("mitigation.actions.quarantine[0]: unknown mitigator"))
                    .anyMatch(
                        p -> p.startsWith("mitigation.actions.alert: expected a non-empty list"))
                    .anyMatch(p -> p.startsWith("mitigation.mitigators.log.level: unknown key"))
                    .anyMatch(p -> p.startsWith("mitigation.mitigators.exec.apply[0]:"))
                    .anyMatch(p -> p.startsWith("mitigation.mitigators.ufw: unknown mitigator"))
                    .anyMatch(p -> p.startsWith("mitigation.reconcile: must be between"))
                    .anyMatch(p -> p.startsWith("mitigation.queue-size: must be between"))
                    .noneMatch(p -> p.startsWith("capture") || p.startsWith("model")));
  }
}
