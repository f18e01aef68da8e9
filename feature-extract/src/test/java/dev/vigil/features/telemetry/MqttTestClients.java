package dev.vigil.features.telemetry;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javax.net.SocketFactory;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/** Bare Paho clients and bounded waits for the broker tests. */
final class MqttTestClients {
  private MqttTestClients() {}

  /** A bare, synchronous Paho 3.1.1 publisher (QoS 1 and 2 publishes wait for the broker). */
  static final class Publisher implements AutoCloseable {
    private final MqttClient client;

    Publisher(String uri) throws MqttException {
      this(uri, null);
    }

    Publisher(String uri, SocketFactory socketFactory) throws MqttException {
      client = new MqttClient(uri, "pub-" + System.nanoTime(), new MemoryPersistence());
      MqttConnectOptions o = new MqttConnectOptions();
      o.setCleanSession(true);
      o.setMaxInflight(1000);
      o.setConnectionTimeout(5);
      if (socketFactory != null) {
        o.setSocketFactory(socketFactory);
      }
      client.connect(o);
    }

    void publish(String topic, String payload, int qos) throws MqttException {
      publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos);
    }

    void publish(String topic, byte[] payload, int qos) throws MqttException {
      client.publish(topic, payload, qos, false);
    }

    MqttClient client() {
      return client;
    }

    @Override
    public void close() throws MqttException {
      try {
        if (client.isConnected()) {
          client.disconnect(1000);
        }
      } finally {
        client.close();
      }
    }
  }

  /** Collects readings from any thread. */
  static final class Collector implements ReadingSink {
    final ConcurrentLinkedQueue<Reading> readings = new ConcurrentLinkedQueue<>();

    @Override
    public void accept(Reading r) {
      readings.add(r.withPayloadBytes(0)); // tests compare values; sizes have their own test
    }

    List<Reading> list() {
      return List.copyOf(readings);
    }

    int size() {
      return readings.size();
    }
  }

  /** Polls {@code condition} every 10 ms for at most {@code timeout}; fails with {@code what}. */
  static void await(Duration timeout, BooleanSupplier condition, Supplier<String> what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what.get());
      }
      Thread.sleep(10);
    }
  }
}
