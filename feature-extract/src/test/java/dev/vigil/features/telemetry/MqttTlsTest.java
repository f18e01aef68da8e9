package dev.vigil.features.telemetry;

import static dev.vigil.features.telemetry.MqttTestClients.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.features.telemetry.MqttOptions.Protocol;
import dev.vigil.features.telemetry.MqttOptions.Tls;
import dev.vigil.features.telemetry.MqttTestClients.Collector;
import dev.vigil.features.telemetry.MqttTestClients.Publisher;
import dev.vigil.testsupport.Mosquitto;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * TLS to a real Mosquitto: a CA, a server certificate (for {@code localhost} only) and a client
 * certificate made here with {@code openssl}; the broker requires the client certificate.
 */
class MqttTlsTest {
  static final Duration WAIT = Duration.ofSeconds(15);
  static final List<TopicTemplate> TEMPLATES =
      TopicTemplate.compileAll(List.of("sensors/{device}/{metric}"));

  @TempDir static Path dir;
  static Mosquitto broker;
  static int tlsPort;

  @BeforeAll
  static void brokerWithTls() throws Exception {
    assumeTrue(Mosquitto.requiredOrAvailable(), Mosquitto.MISSING);
    boolean openssl = Files.isExecutable(Path.of("/usr/bin/openssl")) || onPath("openssl");
    if (!openssl && "true".equals(System.getenv("CI"))) {
      throw new IllegalStateException("openssl is required in CI (scripts/test installs it)");
    }
    assumeTrue(openssl, "openssl is not installed: the TLS tests are skipped");
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.ec");
    openssl("pkcs8", "-topk8", "-nocrypt", "-in", "ca.ec", "-out", "ca.key");
    openssl(
        "req",
        "-x509",
        "-new",
        "-key",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=Vigil test CA");
    leaf("server", "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n");
    leaf("client", "extendedKeyUsage=clientAuth\n");
    openssl(
        "pkcs12",
        "-export",
        "-in",
        "client.crt",
        "-inkey",
        "client.key",
        "-out",
        "client.p12",
        "-passout",
        "pass:changeit");
    // A second CA that signed nothing here: trusting only it must fail.
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "other.ec");
    openssl(
        "req",
        "-x509",
        "-new",
        "-key",
        "other.ec",
        "-out",
        "other.crt",
        "-days",
        "2",
        "-subj",
        "/CN=Other CA");

    tlsPort = Mosquitto.freePort();
    Path brokerDir = Files.createDirectories(dir.resolve("broker"));
    broker =
        Mosquitto.start(
            brokerDir,
            List.of(
                "listener " + tlsPort + " 127.0.0.1",
                "cafile " + dir.resolve("ca.crt"),
                "certfile " + dir.resolve("server.crt"),
                "keyfile " + dir.resolve("server.key"),
                "require_certificate true"),
            List.of(tlsPort));
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  private static void leaf(String name, String extensions) throws Exception {
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", name + ".ec");
    openssl("pkcs8", "-topk8", "-nocrypt", "-in", name + ".ec", "-out", name + ".key");
    openssl("req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name);
    Files.writeString(dir.resolve(name + ".ext"), extensions);
    openssl(
        "x509",
        "-req",
        "-in",
        name + ".csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        name + ".crt",
        "-days",
        "2",
        "-extfile",
        name + ".ext");
  }

  private static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String d : path.split(":")) {
      if (Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }

  private static void openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add("openssl");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("openssl failed: " + cmd + "\n" + output);
    }
  }

  static MqttOptions options(String host, String id, Protocol protocol, Tls tls) {
    return MqttOptions.defaults("ssl://" + host + ":" + tlsPort, id)
        .withProtocol(protocol)
        .withTls(tls)
        .withReconnectDelays(Duration.ofMillis(50), Duration.ofMillis(500));
  }

  static Tls pemClient() {
    return Tls.trusting(dir.resolve("ca.crt"))
        .withClientCertificate(dir.resolve("client.crt"), dir.resolve("client.key"));
  }

  private void receivesOverTls(MqttOptions o) throws Exception {
    Collector got = new Collector();
    try (MqttTelemetrySource s =
        new MqttTelemetrySource(
            o, new PayloadDecoder(TEMPLATES, DecoderOptions.defaults()), 256, got)) {
      s.start();
      assertThat(s.awaitConnected(WAIT))
          .as("connected over TLS; stats %s; broker log:%n%s", s.stats(), broker.log())
          .isTrue();
      try (Publisher pub = new Publisher(broker.uri())) {
        pub.publish("sensors/tls/t", "8.5", 1);
      }
      await(WAIT, () -> got.size() == 1, () -> "the reading");
      assertThat(got.list().get(0))
          .extracting(Reading::device, Reading::value)
          .containsExactly("tls", 8.5);
    }
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void pemClientCertificate_connectsAndReceives(Protocol protocol) throws Exception {
    receivesOverTls(options("localhost", "tls-pem-" + protocol, protocol, pemClient()));
  }

  @Test
  void pkcs12KeyStore_connectsAndReceives() throws Exception {
    Tls tls =
        new Tls(dir.resolve("ca.crt"), null, null, dir.resolve("client.p12"), "changeit", true);
    receivesOverTls(options("localhost", "tls-p12", Protocol.V5, tls));
  }

  @Test
  void hostnameNotInTheCertificate_refusedUnlessVerificationIsOff() throws Exception {
    // The server certificate names localhost only, not 127.0.0.1.
    try (MqttTelemetrySource s =
        new MqttTelemetrySource(
            options("127.0.0.1", "tls-host", Protocol.V3_1_1, pemClient()),
            new PayloadDecoder(TEMPLATES, DecoderOptions.defaults()),
            16,
            r -> {})) {
      s.start();
      await(WAIT, () -> s.stats().connectFailures() >= 2, () -> "refused attempts");
      assertThat(s.isConnected()).isFalse();
      assertThat(s.stats().lastError())
          .contains("No subject alternative names matching IP address 127.0.0.1");
    }
    Tls t = pemClient();
    Tls noVerify = new Tls(t.caFile(), t.clientCertFile(), t.clientKeyFile(), null, null, false);
    receivesOverTls(options("127.0.0.1", "tls-noverify", Protocol.V3_1_1, noVerify));
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void untrustedBroker_connectFailsAndIsRetried(Protocol protocol) throws Exception {
    Tls wrongCa =
        Tls.trusting(dir.resolve("other.crt"))
            .withClientCertificate(dir.resolve("client.crt"), dir.resolve("client.key"));
    try (MqttTelemetrySource s =
        new MqttTelemetrySource(
            options("localhost", "tls-untrusted-" + protocol, protocol, wrongCa),
            new PayloadDecoder(TEMPLATES, DecoderOptions.defaults()),
            16,
            r -> {})) {
      s.start();
      await(WAIT, () -> s.stats().connectFailures() >= 2, () -> "refused attempts");
      assertThat(s.isConnected()).isFalse();
      assertThat(s.stats().lastError()).containsIgnoringCase("certificat");
    }
  }

  @Test
  void noClientCertificate_brokerRefuses() throws Exception {
    try (MqttTelemetrySource s =
        new MqttTelemetrySource(
            options(
                "localhost", "tls-nocert", Protocol.V3_1_1, Tls.trusting(dir.resolve("ca.crt"))),
            new PayloadDecoder(TEMPLATES, DecoderOptions.defaults()),
            16,
            r -> {})) {
      s.start();
      await(WAIT, () -> s.stats().connectFailures() >= 2, () -> "refused attempts");
      assertThat(s.isConnected()).isFalse();
      assertThat(s.stats().lastError()).contains("certificate_required");
    }
  }

  @Test
  void badKeyFiles_areClearErrorsAtStart() throws Exception {
    Path pkcs1 = dir.resolve("client.ec"); // "BEGIN EC PRIVATE KEY": not PKCS#8
    Tls t =
        Tls.trusting(dir.resolve("ca.crt")).withClientCertificate(dir.resolve("client.crt"), pkcs1);
    MqttTelemetrySource s =
        new MqttTelemetrySource(
            options("localhost", "tls-badkey", Protocol.V3_1_1, t),
            new PayloadDecoder(TEMPLATES, DecoderOptions.defaults()),
            16,
            r -> {});
    assertThatThrownBy(s::start)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("PKCS#8")
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
    s.close();

    Tls notCa = Tls.trusting(dir.resolve("client.ext"));
    MqttTelemetrySource s2 =
        new MqttTelemetrySource(
            options("localhost", "tls-badca", Protocol.V3_1_1, notCa),
            new PayloadDecoder(TEMPLATES, DecoderOptions.defaults()),
            16,
            r -> {});
    assertThatThrownBy(s2::start)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("client.ext");
    s2.close();

    Tls wrongPassword =
        new Tls(dir.resolve("ca.crt"), null, null, dir.resolve("client.p12"), "nope", true);
    MqttTelemetrySource s3 =
        new MqttTelemetrySource(
            options("localhost", "tls-badpw", Protocol.V3_1_1, wrongPassword),
            new PayloadDecoder(TEMPLATES, DecoderOptions.defaults()),
            16,
            r -> {});
    assertThatThrownBy(s3::start)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("client.p12");
    s3.close();
  }
}
