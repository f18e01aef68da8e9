package dev.vigil.features.telemetry;

import dev.vigil.features.telemetry.MqttOptions.Protocol;
import dev.vigil.testsupport.Mosquitto;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * Bench helper, not a test: how fast MQTT messages are received by a bare Paho subscriber and by
 * {@link MqttTelemetrySource} (decoding JSON into readings and handing them through its ring to a
 * consumer), in the same run, against the same local Mosquitto.
 *
 * <p>Each measurement isolates the receiving side: the subscriber first connects with a persistent
 * session and subscribes, then goes away; a bare Paho publisher publishes N messages, which the
 * broker queues for the absent subscriber (QoS 0 too: {@code queue_qos0_messages true}); the
 * subscriber then reconnects and drains the queue. The rate is messages over the time from the
 * first to the last message received (for the source: the readings reaching its sink). Bare and
 * ours alternate, after a warm-up round each, and the best of the rounds is kept.
 *
 * <p>Payload: a JSON object with two numbers ({@code {"temp":21.5,"hum":40.25}}), on 10 device
 * topics. Run from the checkout (the exec plugin is not needed):
 *
 * <pre>
 * mvn -q -o -pl feature-extract -am test-compile dependency:build-classpath \
 *   -Dmdep.includeScope=test -Dmdep.outputFile=target/test-cp.txt
 * java -cp feature-extract/target/test-classes:feature-extract/target/classes:$(cat \
 *   feature-extract/target/test-cp.txt) dev.vigil.features.telemetry.MqttIngestBench 200000 3
 * </pre>
 *
 * (arguments: messages per round, rounds, and optionally {@code V5} instead of MQTT 3.1.1). It
 * prints one line per QoS, 0 and 1.
 */
public final class MqttIngestBench {
  /**
   * One comparison.
   *
   * @param protocol MQTT version of both subscribers
   * @param qos QoS of the subscriptions and the publishes
   * @param messages messages published per round
   * @param bareRate best rate of the bare Paho subscriber, messages/s
   * @param oursRate best rate of {@link MqttTelemetrySource}, messages/s
   * @param bareReceived messages the bare subscriber received in its best round
   * @param oursReceived messages the source received in its best round
   */
  public record Rates(
      Protocol protocol,
      int qos,
      int messages,
      double bareRate,
      double oursRate,
      long bareReceived,
      long oursReceived) {
    /** Returns ours over bare. */
    public double ratio() {
      return oursRate / bareRate;
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "MQTT %s QoS %d, %d messages: bare Paho %.0f msg/s (%d received), MqttTelemetrySource"
              + " %.0f msg/s (%d received) = %.1f %%",
          protocol == Protocol.V5 ? "5" : "3.1.1",
          qos,
          messages,
          bareRate,
          bareReceived,
          oursRate,
          oursReceived,
          100 * ratio());
    }
  }

  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(120);
  private static final byte[][] PAYLOADS = new byte[1000][];

  static {
    for (int i = 0; i < PAYLOADS.length; i++) {
      PAYLOADS[i] =
          String.format(Locale.ROOT, "{\"temp\":%.1f,\"hum\":%.2f}", 15 + i * 0.01, 30 + i * 0.02)
              .getBytes(StandardCharsets.UTF_8);
    }
  }

  private MqttIngestBench() {}

  /** Runs the comparisons at QoS 0 and 1 for MQTT 3.1.1 and prints them. */
  public static void main(String[] args) throws Exception {
    int messages = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    List<Protocol> protocols =
        args.length > 2 ? List.of(Protocol.valueOf(args[2])) : List.of(Protocol.V3_1_1);
    Path dir = Files.createTempDirectory("vigil-mqtt-bench");
    try {
      for (Protocol p : protocols) {
        for (int qos : new int[] {0, 1}) {
          System.out.println(measure(dir, messages, qos, p, rounds));
        }
      }
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /**
   * Measures both subscribers against a broker started in {@code dir}.
   *
   * @param messages messages per round
   * @param rounds measured rounds per subscriber (after one warm-up round each)
   */
  public static Rates measure(Path dir, int messages, int qos, Protocol protocol, int rounds)
      throws Exception {
    Path brokerDir = Files.createDirectories(dir.resolve("broker-" + protocol + "-" + qos));
    try (Mosquitto broker =
        Mosquitto.start(
            brokerDir,
            List.of("max_queued_messages 0", "queue_qos0_messages true", "log_type none"),
            List.of())) {
      double bestBare = 0;
      double bestOurs = 0;
      long bareReceived = 0;
      long oursReceived = 0;
      for (int round = 0; round <= rounds; round++) {
        int n = round == 0 ? Math.min(messages, 20_000) : messages; // round 0: warm-up
        double[] bare = bare(broker, n, qos, protocol, "bare-" + round);
        double[] ours = ours(broker, n, qos, protocol, "ours-" + round);
        if (round > 0) {
          if (bare[0] > bestBare) {
            bestBare = bare[0];
            bareReceived = (long) bare[1];
          }
          if (ours[0] > bestOurs) {
            bestOurs = ours[0];
            oursReceived = (long) ours[1];
          }
        }
      }
      return new Rates(protocol, qos, messages, bestBare, bestOurs, bareReceived, oursReceived);
    }
  }

  private static MqttOptions sourceOptions(Mosquitto broker, String id, int qos, Protocol p) {
    return MqttOptions.defaults(broker.uri(), id)
        .withProtocol(p)
        .withQos(qos)
        .withSession(false, p == Protocol.V5 ? 3600 : 0);
  }

  // {rate, received}
  private static double[] ours(Mosquitto broker, int n, int qos, Protocol p, String id)
      throws Exception {
    List<TopicTemplate> templates = TopicTemplate.compileAll(List.of("bench/{device}/telemetry"));
    PayloadDecoder decoder = new PayloadDecoder(templates, DecoderOptions.defaults());
    try (MqttTelemetrySource s =
        new MqttTelemetrySource(sourceOptions(broker, id, qos, p), decoder, 1 << 16, r -> {})) {
      s.start();
      if (!s.awaitConnected(Duration.ofSeconds(10))) {
        throw new IllegalStateException("source did not connect: " + s.stats());
      }
    }
    publish(broker, n, qos);
    AtomicLong count = new AtomicLong();
    long[] first = {0};
    long[] last = {0};
    ReadingSink sink =
        r -> {
          long t = System.nanoTime();
          if (count.get() == 0) {
            first[0] = t;
          }
          last[0] = t;
          count.incrementAndGet(); // publishes first and last to the waiting thread
        };
    PayloadDecoder decoder2 = new PayloadDecoder(templates, DecoderOptions.defaults());
    try (MqttTelemetrySource s =
        new MqttTelemetrySource(sourceOptions(broker, id, qos, p), decoder2, 1 << 16, sink)) {
      s.start();
      waitFor(() -> count.get() >= 2L * n, () -> s.stats().messages());
      long readings = count.get();
      if (s.stats().overflows() > 0 || s.stats().bad().size() > 0) {
        throw new IllegalStateException("readings lost: " + s.stats());
      }
      // Two readings per message; time from the first reading to the last.
      double seconds = (last[0] - first[0]) / 1e9;
      long msgs = readings / 2;
      return new double[] {(msgs - 1) / seconds, msgs};
    }
  }

  private static double[] bare(Mosquitto broker, int n, int qos, Protocol p, String id)
      throws Exception {
    if (p == Protocol.V5) {
      return bareV5(broker, n, qos, id);
    }
    MqttConnectOptions o = new MqttConnectOptions();
    o.setCleanSession(false);
    o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
    AtomicLong count = new AtomicLong();
    long[] first = {0};
    long[] last = {0};
    MqttAsyncClient c = new MqttAsyncClient(broker.uri(), id, new MemoryPersistence());
    c.connect(o).waitForCompletion(10_000);
    c.subscribe("bench/+/telemetry", qos).waitForCompletion(10_000);
    c.disconnect().waitForCompletion(10_000);
    c.close();
    publish(broker, n, qos);
    MqttAsyncClient sub = new MqttAsyncClient(broker.uri(), id, new MemoryPersistence());
    sub.setCallback(
        new MqttCallback() {
          @Override
          public void messageArrived(String topic, MqttMessage message) {
            long t = System.nanoTime();
            if (count.get() == 0) {
              first[0] = t;
            }
            last[0] = t;
            count.incrementAndGet(); // publishes first and last to the waiting thread
          }

          @Override
          public void connectionLost(Throwable cause) {}

          @Override
          public void deliveryComplete(IMqttDeliveryToken token) {}
        });
    sub.connect(o).waitForCompletion(10_000);
    try {
      waitFor(() -> count.get() >= n, count::get);
    } finally {
      sub.disconnect().waitForCompletion(10_000);
      sub.close();
    }
    double seconds = (last[0] - first[0]) / 1e9;
    return new double[] {(count.get() - 1) / seconds, count.get()};
  }

  private static double[] bareV5(Mosquitto broker, int n, int qos, String id) throws Exception {
    org.eclipse.paho.mqttv5.client.MqttConnectionOptions o =
        new org.eclipse.paho.mqttv5.client.MqttConnectionOptions();
    o.setCleanStart(false);
    o.setSessionExpiryInterval(3600L);
    AtomicLong count = new AtomicLong();
    long[] first = {0};
    long[] last = {0};
    var c =
        new org.eclipse.paho.mqttv5.client.MqttAsyncClient(
            broker.uri(), id, new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
    c.connect(o).waitForCompletion(10_000);
    c.subscribe(
            new org.eclipse.paho.mqttv5.common.MqttSubscription[] {
              new org.eclipse.paho.mqttv5.common.MqttSubscription("bench/+/telemetry", qos)
            },
            null,
            null,
            new org.eclipse.paho.mqttv5.common.packet.MqttProperties())
        .waitForCompletion(10_000);
    c.disconnect().waitForCompletion(10_000);
    c.close();
    publish(broker, n, qos);
    var sub =
        new org.eclipse.paho.mqttv5.client.MqttAsyncClient(
            broker.uri(), id, new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
    sub.setCallback(
        new org.eclipse.paho.mqttv5.client.MqttCallback() {
          @Override
          public void messageArrived(String topic, org.eclipse.paho.mqttv5.common.MqttMessage m) {
            long t = System.nanoTime();
            if (count.get() == 0) {
              first[0] = t;
            }
            last[0] = t;
            count.incrementAndGet(); // publishes first and last to the waiting thread
          }

          @Override
          public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r) {}

          @Override
          public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException e) {}

          @Override
          public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken token) {}

          @Override
          public void connectComplete(boolean reconnect, String serverUri) {}

          @Override
          public void authPacketArrived(
              int reasonCode, org.eclipse.paho.mqttv5.common.packet.MqttProperties p) {}
        });
    sub.connect(o).waitForCompletion(10_000);
    try {
      waitFor(() -> count.get() >= n, count::get);
    } finally {
      sub.disconnect().waitForCompletion(10_000);
      sub.close();
    }
    double seconds = (last[0] - first[0]) / 1e9;
    return new double[] {(count.get() - 1) / seconds, count.get()};
  }

  /** Publishes {@code n} messages with a bare Paho 3.1.1 client, up to 1000 in flight. */
  private static void publish(Mosquitto broker, int n, int qos) throws Exception {
    MqttAsyncClient pub =
        new MqttAsyncClient(
            broker.uri(), "bench-pub-" + System.nanoTime(), new MemoryPersistence());
    MqttConnectOptions o = new MqttConnectOptions();
    o.setMaxInflight(1000);
    pub.connect(o).waitForCompletion(10_000);
    ArrayDeque<IMqttToken> window = new ArrayDeque<>();
    String[] topics = new String[10];
    for (int d = 0; d < topics.length; d++) {
      topics[d] = "bench/dev" + d + "/telemetry";
    }
    for (int i = 0; i < n; i++) {
      if (window.size() >= 500) {
        window.poll().waitForCompletion(10_000);
      }
      while (true) {
        try {
          window.add(
              pub.publish(topics[i % topics.length], PAYLOADS[i % PAYLOADS.length], qos, false));
          break;
        } catch (MqttException e) {
          if (e.getReasonCode() != MqttException.REASON_CODE_MAX_INFLIGHT) {
            throw e;
          }
          Thread.sleep(0, 100_000); // Paho frees in-flight slots a little after the tokens complete
        }
      }
    }
    for (IMqttToken t : window) {
      t.waitForCompletion(10_000);
    }
    pub.disconnect().waitForCompletion(10_000);
    pub.close();
    Thread.sleep(200); // let the broker finish queueing what the socket still held
  }

  private static void waitFor(
      java.util.function.BooleanSupplier done, java.util.function.LongSupplier progress)
      throws InterruptedException {
    long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
    long seen = -1;
    long stalledSince = System.nanoTime();
    while (!done.getAsBoolean()) {
      long now = System.nanoTime();
      long p = progress.getAsLong();
      if (p != seen) {
        seen = p;
        stalledSince = now;
      } else if (now - stalledSince > 3_000_000_000L) {
        return; // nothing for 3 s: QoS 0 messages dropped somewhere; count what arrived
      }
      if (now > deadline) {
        throw new IllegalStateException("drain timed out at " + p + " messages");
      }
      Thread.sleep(1);
    }
  }
}
