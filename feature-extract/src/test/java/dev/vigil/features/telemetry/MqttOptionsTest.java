package dev.vigil.features.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.features.telemetry.MqttOptions.Protocol;
import dev.vigil.features.telemetry.MqttOptions.Tls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MqttOptionsTest {
  static final MqttOptions BASE = MqttOptions.defaults("tcp://broker", "gw-1");

  @Test
  void defaults_fillInPortsAndSensibleValues() {
    assertThat(BASE.serverUris()).containsExactly("tcp://broker:1883");
    assertThat(BASE.withServerUris(List.of("SSL://b", "tcp://[::1]:1999")).serverUris())
        .containsExactly("ssl://b:8883", "tcp://[::1]:1999");
    assertThat(BASE.protocol()).isEqualTo(Protocol.V3_1_1);
    assertThat(BASE.qos()).isEqualTo(1);
    assertThat(BASE.cleanSession()).isTrue();
    assertThat(BASE.subscriptions()).isEmpty();
    assertThat(BASE.minReconnectDelay()).isLessThan(BASE.maxReconnectDelay());
  }

  @Test
  void serverUris_badOnesAreClearErrors() {
    assertThatThrownBy(() -> BASE.withServerUris(List.of()))
        .hasMessageContaining("at least one broker");
    assertThatThrownBy(() -> BASE.withServerUris(List.of("mqtt://b:1883")))
        .hasMessageContaining("tcp:// or ssl://");
    assertThatThrownBy(() -> BASE.withServerUris(List.of("ws://b:80")))
        .hasMessageContaining("tcp:// or ssl://");
    assertThatThrownBy(() -> BASE.withServerUris(List.of("tcp://user:pw@b:1883")))
        .hasMessageContaining("credentials go in username");
    assertThatThrownBy(() -> BASE.withServerUris(List.of("tcp://b:1883/path")))
        .hasMessageContaining("only scheme://host[:port]");
    assertThatThrownBy(() -> BASE.withServerUris(List.of("tcp://:1883")))
        .hasMessageContaining("names no host");
    assertThatThrownBy(() -> BASE.withServerUris(List.of("tcp://b b")))
        .hasMessageContaining("malformed");
  }

  @Test
  void session_mqtt5PersistentNeedsAnExpiryAnd311HasNone() {
    MqttOptions v5 = BASE.withProtocol(Protocol.V5);
    assertThat(v5.withSession(false, 3600).sessionExpirySeconds()).isEqualTo(3600);
    assertThat(v5.withSession(true, 60).cleanSession()).isTrue();
    assertThatThrownBy(() -> v5.withSession(false, 0))
        .hasMessageContaining("persistent MQTT 5 session")
        .hasMessageContaining("sessionExpirySeconds > 0");
    assertThatThrownBy(() -> v5.withSession(false, 1L << 32)).hasMessageContaining("4294967295");
    assertThatThrownBy(() -> BASE.withSession(false, 60)).hasMessageContaining("MQTT 5 setting");
    assertThat(BASE.withSession(false, 0).cleanSession()).isFalse();
    assertThat(BASE.withSession(false, 0).withProtocol(Protocol.V5).sessionExpirySeconds())
        .isEqualTo(86_400);
  }

  @Test
  void scalars_validated() {
    assertThatThrownBy(() -> BASE.withQos(3)).hasMessageContaining("qos must be 0, 1 or 2");
    assertThatThrownBy(() -> BASE.withReconnectDelays(Duration.ofMillis(1), Duration.ofSeconds(1)))
        .hasMessageContaining("minReconnectDelay must be at least 10 ms");
    assertThatThrownBy(() -> BASE.withReconnectDelays(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessageContaining("maxReconnectDelay must be between");
    assertThatThrownBy(() -> BASE.withCredentials(null, "pw"))
        .hasMessageContaining("needs a username");
    assertThat(BASE.withProtocol(Protocol.V5).withCredentials(null, "pw").password())
        .isEqualTo("pw");
    assertThatThrownBy(() -> MqttOptions.defaults("tcp://b", " "))
        .hasMessageContaining("clientId must not be blank");
    MqttOptions o = BASE;
    assertThatThrownBy(
            () ->
                new MqttOptions(
                    o.serverUris(),
                    o.clientId(),
                    null,
                    null,
                    null,
                    o.protocol(),
                    1,
                    true,
                    0,
                    Duration.ofMillis(1500),
                    o.connectTimeout(),
                    o.minReconnectDelay(),
                    o.maxReconnectDelay(),
                    List.of()))
        .hasMessageContaining("keepAlive must be whole seconds");
  }

  @Test
  void subscriptions_mustBeValidFilters() {
    assertThat(BASE.withSubscriptions(List.of("a/+/b", "c/#", "#", "+")).subscriptions())
        .hasSize(4);
    assertThatThrownBy(() -> BASE.withSubscriptions(List.of("a/#/b")))
        .hasMessageContaining("'#' is allowed only as the whole last level");
    assertThatThrownBy(() -> BASE.withSubscriptions(List.of("a/b+")))
        .hasMessageContaining("'+' must be a whole level");
    assertThatThrownBy(() -> BASE.withSubscriptions(List.of("")))
        .hasMessageContaining("must not be empty");
    assertThatThrownBy(() -> BASE.withSubscriptions(List.of("a", "a")))
        .hasMessageContaining("listed twice");
  }

  @Test
  void password_isNeverPrinted() {
    MqttOptions o = BASE.withCredentials("vigil", "hunter2");
    assertThat(o.toString())
        .contains("username=vigil")
        .contains("password=***")
        .doesNotContain("hunter2");
  }

  @Test
  void tls_filesCheckedAndNeedsAnSslUri(@TempDir Path dir) throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.crt"), "x");
    Path cert = Files.writeString(dir.resolve("c.crt"), "x");
    assertThatThrownBy(() -> BASE.withTls(Tls.trusting(ca)))
        .hasMessageContaining("no server URI uses ssl://");
    assertThat(
            BASE.withServerUris(List.of("ssl://b"))
                .withTls(Tls.trusting(ca))
                .tls()
                .verifyHostname())
        .isTrue();
    assertThatThrownBy(() -> Tls.trusting(dir.resolve("missing.crt")))
        .hasMessageContaining("missing.crt is not a readable file");
    assertThatThrownBy(() -> new Tls(ca, cert, null, null, null, true))
        .hasMessageContaining("given together");
    assertThatThrownBy(() -> new Tls(ca, cert, cert, cert, null, true))
        .hasMessageContaining("either keyStoreFile or");
    assertThatThrownBy(() -> new Tls(ca, null, null, null, "pw", true))
        .hasMessageContaining("keyStorePassword given without keyStoreFile");
    assertThat(new Tls(ca, null, null, cert, "secret", true).toString()).doesNotContain("secret");
  }
}
