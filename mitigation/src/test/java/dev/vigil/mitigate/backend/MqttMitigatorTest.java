package dev.vigil.mitigate.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.InvalidConfigException;
import dev.vigil.mitigate.api.Mitigator;
import dev.vigil.testsupport.Mosquitto;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MqttMitigatorTest extends MitigatorContract {
  private Mosquitto broker;
  private MqttClient subscriber;
  private final List<String> messages = Collections.synchronizedList(new ArrayList<>());
  private final List<MqttMitigator> made = new ArrayList<>();

  @BeforeEach
  void startBroker() throws Exception {
    assumeTrue(Mosquitto.requiredOrAvailable(), Mosquitto.MISSING);
    broker = Mosquitto.start(Files.createDirectories(dir.resolve("broker")));
    subscriber = new MqttClient(broker.uri(), "test-sub", new MemoryPersistence());
    MqttConnectOptions o = new MqttConnectOptions();
    o.setCleanSession(true);
    subscriber.connect(o);
    subscriber.subscribe(
        "vigil/decisions",
        1,
        (t, msg) -> messages.add(new String(msg.getPayload(), StandardCharsets.UTF_8)));
  }

  @AfterEach
  void stopBroker() throws Exception {
    made.forEach(MqttMitigator::close);
    if (subscriber != null) {
      if (subscriber.isConnected()) {
        subscriber.disconnect();
      }
      subscriber.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  @Override
  Mitigator configured() throws Exception {
    MqttMitigator m = new MqttMitigator();
    m.configure(Map.of("broker", broker.uri(), "topic", "vigil/decisions", "qos", 1));
    made.add(m);
    return m;
  }

  @Override
  Mitigator misconfigured() {
    return new MqttMitigator();
  }

  @Test
  void health_reportsAnUnreachableBrokerAfterAFailure() {
    MqttMitigator m =
        new MqttMitigator(
            new MqttMitigator.Config(
                "tcp://127.0.0.1:" + Mosquitto.freePort(),
                "vigil/decisions",
                1,
                "x",
                Duration.ofSeconds(1)));
    made.add(m);
    assertThatThrownBy(() -> m.apply(decision("m-5", Decision.Scope.IP, "10.0.0.1")));
    assertThat(m.health()).contains("failed");
  }

  @Override
  List<String> received() throws Exception {
    Thread.sleep(200);
    return List.copyOf(messages);
  }

  private void await(int n) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (messages.size() < n && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  @Test
  void apply_andRevoke_publishTheDecisionJson() throws Exception {
    Mitigator m = configured();
    m.apply(decision("m-1", Decision.Scope.DEVICE, "sensor-7"));
    m.revoke(decision("m-1", Decision.Scope.DEVICE, "sensor-7"));
    await(2);
    assertThat(messages).hasSize(2);
    assertThat(messages.get(0))
        .contains("\"op\":\"apply\"", "\"scope\":\"device\"", "\"value\":\"sensor-7\"");
    assertThat(messages.get(1)).contains("\"op\":\"revoke\"");
  }

  @Test
  void apply_reconnectsAfterTheBrokerRestarts() throws Exception {
    Mitigator m = configured();
    m.apply(decision("m-2", Decision.Scope.IP, "10.0.0.1"));
    broker.kill();
    assertThatThrownBy(() -> m.apply(decision("m-3", Decision.Scope.IP, "10.0.0.2")));
    assertThat(m.health()).contains("failed");
    broker.start();
    m.apply(decision("m-4", Decision.Scope.IP, "10.0.0.3"));
    assertThat(m.health()).isNull();
  }

  @Test
  void configure_refusesWildcardTopicsAndOtherSchemes() {
    assertThatThrownBy(
            () -> new MqttMitigator().configure(Map.of("broker", "http://x", "topic", "vigil/#")))
        .isInstanceOfSatisfying(
            InvalidConfigException.class,
            e ->
                assertThat(e.problems())
                    .anyMatch(p -> p.startsWith("broker: expected tcp://"))
                    .anyMatch(p -> p.startsWith("topic: a topic to publish to has no wildcards")));
  }
}
