package dev.vigil.mitigate.backend;

import dev.vigil.common.settings.StrictSettings;
import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.DecisionJson;
import dev.vigil.mitigate.api.InvalidConfigException;
import dev.vigil.mitigate.api.Mitigator;
import dev.vigil.mitigate.api.Targets;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * Publishes each decision (applied or revoked) as JSON ({@link DecisionJson}) to a configured MQTT
 * topic with Eclipse Paho (MQTT 3.1.1). Connects on first use and again after a lost connection; a
 * publish that cannot be made fails the call (the manager counts it).
 *
 * <p>Settings ({@code mitigators.mqtt}): {@code broker} (required, {@code tcp://} or {@code
 * ssl://}), {@code topic} (required, no wildcards), {@code qos} (default 1), {@code client-id}
 * (default {@code vigil-mitigate-} and a random suffix), {@code timeout} (default 5s). Thread-safe
 * once configured.
 */
public final class MqttMitigator implements Mitigator, AutoCloseable {
  /**
   * MQTT settings.
   *
   * @param broker the broker URI
   * @param topic the topic published to
   * @param qos 0, 1 or 2
   * @param clientId the client id
   * @param timeout connect and publish timeout
   */
  public record Config(String broker, String topic, int qos, String clientId, Duration timeout) {}

  private volatile Config config;
  private MqttClient client;
  private volatile String lastError;

  /** Creates an unconfigured instance (as {@link java.util.ServiceLoader} does). */
  public MqttMitigator() {}

  /** Creates a configured instance. */
  public MqttMitigator(Config config) {
    this.config = config;
  }

  @Override
  public String type() {
    return "mqtt";
  }

  @Override
  public void configure(Map<String, Object> settings) throws InvalidConfigException {
    StrictSettings s =
        StrictSettings.of(
            "mitigators.mqtt", settings, Set.of("broker", "topic", "qos", "client-id", "timeout"));
    String broker = s.requiredString("broker");
    if (broker != null && !broker.matches("(tcp|ssl)://[A-Za-z0-9.:\\[\\]-]+(:\\d{1,5})?")) {
      s.problem(
          "broker",
          "expected tcp://HOST:PORT or ssl://HOST:PORT, got [" + Targets.quote(broker) + "]");
    }
    String topic = s.requiredString("topic");
    if (topic != null && (topic.contains("+") || topic.contains("#") || topic.length() > 256)) {
      s.problem("topic", "a topic to publish to has no wildcards (+ or #)");
    }
    int qos = s.integer("qos", 1, 0, 2);
    String clientId =
        s.string("client-id", "vigil-mitigate-" + UUID.randomUUID().toString().substring(0, 8));
    Duration timeout =
        s.duration("timeout", Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofMinutes(1));
    InvalidConfigException.check(s);
    config = new Config(broker, topic, qos, clientId, timeout);
  }

  @Override
  public void apply(Decision d) throws MqttException {
    publish(d, "apply");
  }

  @Override
  public void revoke(Decision d) throws MqttException {
    publish(d, "revoke");
  }

  /** Publishes nothing: alert subscribers keep their own state. */
  @Override
  public void reconcile(java.util.List<Decision> live) {}

  @Override
  public String health() {
    if (config == null) {
      return "mqtt: not configured (mitigators.mqtt.broker and topic are required)";
    }
    return lastError;
  }

  private synchronized void publish(Decision d, String op) throws MqttException {
    Config c = config;
    if (c == null) {
      throw new IllegalStateException("mqtt mitigator is not configured");
    }
    Targets.canonical(d.scope(), d.value());
    byte[] body = DecisionJson.of(d, op).getBytes(StandardCharsets.UTF_8);
    try {
      if (client == null) {
        client = new MqttClient(c.broker(), c.clientId(), new MemoryPersistence());
        client.setTimeToWait(c.timeout().toMillis());
      }
      if (!client.isConnected()) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setConnectionTimeout((int) Math.max(1, c.timeout().toSeconds()));
        o.setAutomaticReconnect(false);
        client.connect(o);
      }
      client.publish(c.topic(), body, c.qos(), false);
      lastError = null;
    } catch (MqttException e) {
      lastError = "mqtt: publish to " + c.broker() + " failed: " + e;
      throw e;
    }
  }

  /** Disconnects, if connected. */
  @Override
  public synchronized void close() {
    if (client != null) {
      try {
        if (client.isConnected()) {
          client.disconnect(1000);
        }
        client.close();
      } catch (MqttException e) {
        // closing anyway
      }
      client = null;
    }
  }
}
