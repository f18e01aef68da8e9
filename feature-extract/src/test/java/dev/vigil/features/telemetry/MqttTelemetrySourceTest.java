package dev.vigil.features.telemetry;

import static dev.vigil.features.telemetry.MqttTestClients.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.features.telemetry.MqttOptions.Protocol;
import dev.vigil.features.telemetry.MqttTestClients.Collector;
import dev.vigil.features.telemetry.MqttTestClients.Publisher;
import dev.vigil.testsupport.Mosquitto;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link MqttTelemetrySource} against a real Mosquitto broker on loopback (started per test on a
 * free port, stopped after it), for MQTT 3.1.1 and 5.
 */
class MqttTelemetrySourceTest {
  static final Duration WAIT = Duration.ofSeconds(15);
  static final List<TopicTemplate> TEMPLATES =
      TopicTemplate.compileAll(
          List.of(
              "sensors/{device}/{metric}",
              "devices/{device}/telemetry",
              "edgex/events/device/{service}/{profile}/{device}/{source}"));

  @TempDir Path dir;

  @BeforeAll
  static void needMosquitto() {
    assumeTrue(Mosquitto.requiredOrAvailable(), Mosquitto.MISSING);
  }

  static MqttOptions options(String uri, String clientId, Protocol protocol) {
    return MqttOptions.defaults(uri, clientId)
        .withProtocol(protocol)
        .withReconnectDelays(Duration.ofMillis(50), Duration.ofMillis(500));
  }

  static MqttTelemetrySource source(MqttOptions o, DecoderOptions d, ReadingSink sink) {
    return new MqttTelemetrySource(o, new PayloadDecoder(TEMPLATES, d), 1024, sink);
  }

  static void connected(MqttTelemetrySource s, Mosquitto broker) throws InterruptedException {
    assertThat(s.awaitConnected(WAIT))
        .as("connected; stats %s; broker log:%n%s", s.stats(), broker.log())
        .isTrue();
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void ingest_jsonNumberAndEdgexThroughTemplates(Protocol protocol) throws Exception {
    try (Mosquitto broker = Mosquitto.start(dir);
        Publisher pub = new Publisher(broker.uri())) {
      Collector got = new Collector();
      try (MqttTelemetrySource s =
          source(
              options(broker.uri(), "ingest-" + protocol, protocol),
              DecoderOptions.defaults(),
              got)) {
        s.start();
        connected(s, broker);
        assertThat(s.subscriptions())
            .containsExactly("sensors/+/+", "devices/+/telemetry", "edgex/events/device/+/+/+/+");
        pub.publish("sensors/boiler/temp", "21.5", 1);
        pub.publish(
            "devices/gw-1/telemetry", "{\"t\":1.5,\"ts\":1700000000,\"x\":{\"y\":true}}", 1);
        pub.publish(
            "edgex/events/device/device-virtual/Random-Float-Device/Random-Float-Device/Float32",
            PayloadDecoderTest.EDGEX_EVENT,
            1);
        int expected = 1 + 2 + PayloadDecoderTest.EDGEX_READINGS.size();
        await(WAIT, () -> got.size() >= expected, () -> "readings, got " + got.list());
        List<Reading> rs = got.list();
        assertThat(rs.get(0).device()).isEqualTo("boiler");
        assertThat(rs.get(0).metric()).isEqualTo("temp");
        assertThat(rs.get(0).value()).isEqualTo(21.5);
        assertThat(rs.get(0).timestampMillis())
            .isBetween(System.currentTimeMillis() - 60_000, System.currentTimeMillis());
        assertThat(rs.subList(1, 3))
            .containsExactly(
                new Reading("gw-1", "t", 1_700_000_000_000L, 1.5),
                new Reading("gw-1", "x.y", 1_700_000_000_000L, 1));
        assertThat(rs.subList(3, rs.size()))
            .containsExactlyElementsOf(PayloadDecoderTest.EDGEX_READINGS);
        MqttTelemetrySource.Stats st = s.stats();
        assertThat(st.messages()).isEqualTo(3);
        assertThat(st.readings()).isEqualTo(expected);
        assertThat(st.delivered()).isEqualTo(expected);
        assertThat(st.overflows()).isZero();
        assertThat(st.bad()).isEqualTo(Map.of(BadPayload.WRONG_TYPE, 1L)); // EdgeX String reading
        assertThat(st.connected()).isTrue();
        assertThat(st.connects()).isEqualTo(1);
        assertThat(st.reconnects()).isZero();
        assertThat(st.subscribes()).isEqualTo(1);
        assertThat(st.subscribeFailures()).isZero();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void badPayloads_everyReasonCountedAndThePipelineGoesOn(Protocol protocol) throws Exception {
    List<TopicTemplate> templates =
        TopicTemplate.compileAll(
            List.of("sensors/{device}/{metric}", "devices/{device}/telemetry", "anon/{source}"));
    DecoderOptions d =
        DecoderOptions.defaults().withMaxPayloadBytes(1024).withAllowedDevices(Set.of("good"));
    try (Mosquitto broker = Mosquitto.start(dir);
        Publisher pub = new Publisher(broker.uri())) {
      MqttOptions o =
          options(broker.uri(), "bad-" + protocol, protocol)
              .withSubscriptions(
                  List.of("sensors/+/+", "devices/+/telemetry", "anon/+", "other/#"));
      Collector got = new Collector();
      try (MqttTelemetrySource s =
          new MqttTelemetrySource(o, new PayloadDecoder(templates, d), 64, got)) {
        s.start();
        connected(s, broker);
        pub.publish("other/topic", "1", 1); // NO_TEMPLATE_MATCH
        pub.publish("sensors/good/t", "1".repeat(1025), 1); // OVERSIZED
        pub.publish("sensors/stranger/t", "1", 1); // UNKNOWN_DEVICE
        pub.publish("anon/x", "1", 1); // NO_DEVICE
        pub.publish("devices/good/telemetry", "{\"a\":", 1); // NOT_JSON
        pub.publish("sensors/good/t", "", 1); // EMPTY
        pub.publish("sensors/good/t", "warm", 1); // NOT_A_NUMBER
        pub.publish("sensors/good/t", "NaN", 1); // NAN_OR_INFINITE
        pub.publish("devices/good/telemetry", "{\"a\":null}", 1); // WRONG_TYPE
        pub.publish("devices/good/telemetry", "{\"a\":2,\"ts\":\"soon\"}", 1); // BAD_TIMESTAMP
        pub.publish("sensors/good/" + "m".repeat(200), "1", 1); // BAD_NAME
        pub.publish("sensors/good/last", "42", 1);
        await(
            WAIT,
            () -> got.list().stream().anyMatch(r -> r.metric().equals("last")),
            () -> "the good message after the bad ones; stats " + s.stats());
        Map<BadPayload, Long> expected = new java.util.EnumMap<>(BadPayload.class);
        for (BadPayload b : BadPayload.values()) {
          if (b != BadPayload.WRONG_FORMAT) { // needs a decoder restricted to one format
            expected.put(b, 1L);
          }
        }
        MqttTelemetrySource.Stats st = s.stats();
        assertThat(st.bad()).isEqualTo(expected);
        assertThat(st.messages()).isEqualTo(12);
        assertThat(got.list())
            .extracting(Reading::metric, Reading::value)
            .containsExactly(
                org.assertj.core.groups.Tuple.tuple("a", 2.0),
                org.assertj.core.groups.Tuple.tuple("last", 42.0));
        assertThat(st.connected()).isTrue();
        assertThat(st.reconnects()).isZero();
      }
    }
  }

  enum Session {
    CLEAN,
    PERSISTENT
  }

  static MqttOptions withSession(MqttOptions o, Session session) {
    boolean clean = session == Session.CLEAN;
    long expiry = o.protocol() == Protocol.V5 && !clean ? 3600 : 0;
    return o.withQos(1).withSession(clean, expiry);
  }

  /**
   * Broker killed (SIGKILL: the session is lost with it) and restarted on the same port: the client
   * reconnects, subscribes again (the session is new either way) and later messages arrive.
   */
  @ParameterizedTest(name = "{0} {1}")
  @org.junit.jupiter.params.provider.CsvSource({
    "V3_1_1, CLEAN",
    "V3_1_1, PERSISTENT",
    "V5, CLEAN",
    "V5, PERSISTENT"
  })
  void brokerKilledAndRestarted_clientReconnectsAndResubscribes(Protocol protocol, Session session)
      throws Exception {
    try (Mosquitto broker = Mosquitto.start(dir)) {
      Collector got = new Collector();
      MqttOptions o =
          withSession(options(broker.uri(), "restart-" + protocol + session, protocol), session);
      try (MqttTelemetrySource s = source(o, DecoderOptions.defaults(), got)) {
        s.start();
        connected(s, broker);
        try (Publisher pub = new Publisher(broker.uri())) {
          pub.publish("sensors/d/before", "1", 1);
        }
        await(WAIT, () -> got.size() == 1, () -> "the first reading");

        broker.kill();
        await(WAIT, () -> !s.isConnected(), () -> "the source to notice the broker is gone");
        broker.start();
        await(
            WAIT,
            () -> s.isConnected() && s.stats().connects() == 2,
            () -> "reconnection; stats " + s.stats() + "; broker log:\n" + broker.log());

        try (Publisher pub = new Publisher(broker.uri())) {
          for (int i = 0; i < 10; i++) {
            pub.publish("sensors/d/after", Integer.toString(i), 1);
          }
        }
        await(
            WAIT,
            () -> got.size() == 11,
            () -> "ten readings after the restart, got " + got.list());
        assertThat(got.list().subList(1, 11))
            .extracting(Reading::value)
            .containsExactly(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0);
        MqttTelemetrySource.Stats st = s.stats();
        assertThat(st.reconnects()).isEqualTo(1);
        assertThat(st.sessionPresent()).isFalse();
        assertThat(st.subscribes()).as("subscribed again on the new session").isEqualTo(2);
        assertThat(st.lastError()).as("the lost connection is reported").isNotBlank();
      }
    }
  }

  /**
   * Broker with persistence stopped cleanly (it saves the session) and restarted: a persistent
   * session is resumed, so the client does not subscribe again, and messages still arrive; QoS 1
   * messages published while the client was away are delivered on reconnection.
   */
  @ParameterizedTest
  @EnumSource(Protocol.class)
  void brokerRestartedWithPersistence_sessionResumedWithoutResubscribing(Protocol protocol)
      throws Exception {
    try (Mosquitto broker =
        Mosquitto.start(
            dir,
            List.of("persistence true", "persistence_location " + dir + "/", "autosave_interval 0"),
            List.of())) {
      Collector got = new Collector();
      MqttOptions o =
          withSession(options(broker.uri(), "resume-" + protocol, protocol), Session.PERSISTENT);
      try (MqttTelemetrySource s = source(o, DecoderOptions.defaults(), got)) {
        s.start();
        connected(s, broker);
        assertThat(s.stats().sessionPresent()).isFalse(); // a fresh client id
        broker.stop();
        await(WAIT, () -> !s.isConnected(), () -> "the source to notice the broker is gone");
        broker.start();
        await(
            WAIT,
            () -> s.isConnected() && s.stats().connects() == 2,
            () -> "reconnection; stats " + s.stats() + "; broker log:\n" + broker.log());
        try (Publisher pub = new Publisher(broker.uri())) {
          pub.publish("sensors/d/after", "5", 1);
        }
        await(WAIT, () -> got.size() == 1, () -> "the reading after the restart");
        MqttTelemetrySource.Stats st = s.stats();
        assertThat(st.sessionPresent()).isTrue();
        assertThat(st.subscribes()).as("the resumed session kept the subscription").isEqualTo(1);
        assertThat(st.reconnects()).isEqualTo(1);
      }

      // Messages queued for the persistent session while the client was away.
      try (Publisher pub = new Publisher(broker.uri())) {
        pub.publish("sensors/d/offline", "7", 1);
      }
      Collector again = new Collector();
      try (MqttTelemetrySource s = source(o, DecoderOptions.defaults(), again)) {
        s.start();
        connected(s, broker);
        await(WAIT, () -> again.size() == 1, () -> "the queued reading");
        assertThat(again.list().get(0).metric()).isEqualTo("offline");
        assertThat(s.stats().sessionPresent()).isTrue();
        assertThat(s.stats().subscribes()).as("first connect of this source").isEqualTo(1);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void qos2_everyMessageExactlyOnce(Protocol protocol) throws Exception {
    try (Mosquitto broker = Mosquitto.start(dir);
        Publisher pub = new Publisher(broker.uri())) {
      Collector got = new Collector();
      MqttOptions o = options(broker.uri(), "qos2-" + protocol, protocol).withQos(2);
      try (MqttTelemetrySource s = source(o, DecoderOptions.defaults(), got)) {
        s.start();
        connected(s, broker);
        for (int i = 0; i < 100; i++) {
          pub.publish("sensors/d/t", Integer.toString(i), 2);
        }
        await(WAIT, () -> got.size() >= 100, () -> "100 readings, got " + got.size());
        Thread.sleep(100); // a duplicate would come right behind
        assertThat(got.list())
            .extracting(Reading::value)
            .containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, 100).mapToObj(i -> (double) i).toList());
        assertThat(s.stats().messages()).isEqualTo(100);
      }
    }
  }

  @Test
  void start_beforeTheBrokerIsUp_keepsTryingThenConnects() throws Exception {
    try (Mosquitto broker = Mosquitto.start(dir)) {
      broker.kill();
      Collector got = new Collector();
      try (MqttTelemetrySource s =
          source(options(broker.uri(), "early", Protocol.V3_1_1), DecoderOptions.defaults(), got)) {
        s.start();
        await(WAIT, () -> s.stats().connectFailures() >= 3, () -> "failed attempts");
        assertThat(s.isConnected()).isFalse();
        assertThat(s.stats().lastError()).isNotBlank();
        broker.start();
        connected(s, broker);
        try (Publisher pub = new Publisher(broker.uri())) {
          pub.publish("sensors/d/t", "3", 1);
        }
        await(WAIT, () -> got.size() == 1, () -> "the reading");
        assertThat(s.stats().connects()).isEqualTo(1);
      }
    }
  }

  @Test
  void directDelivery_onTheMqttThread_neverConcurrentWithTicks() throws Exception {
    try (Mosquitto broker = Mosquitto.start(dir)) {
      java.util.concurrent.atomic.AtomicInteger inside =
          new java.util.concurrent.atomic.AtomicInteger();
      java.util.concurrent.atomic.AtomicInteger overlaps =
          new java.util.concurrent.atomic.AtomicInteger();
      java.util.concurrent.atomic.AtomicInteger ticks =
          new java.util.concurrent.atomic.AtomicInteger();
      java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
      Collector got = new Collector();
      ReadingSink sink =
          new ReadingSink() {
            @Override
            public void accept(Reading r) {
              if (inside.incrementAndGet() != 1) {
                overlaps.incrementAndGet();
              }
              threads.add(Thread.currentThread().getName());
              got.accept(r);
              inside.decrementAndGet();
            }

            @Override
            public void caughtUp() {
              if (inside.incrementAndGet() != 1) {
                overlaps.incrementAndGet();
              }
              ticks.incrementAndGet();
              inside.decrementAndGet();
            }
          };
      try (MqttTelemetrySource s =
          new MqttTelemetrySource(
              options(broker.uri(), "direct", Protocol.V3_1_1),
              new PayloadDecoder(TEMPLATES, DecoderOptions.defaults()),
              1024,
              sink,
              MqttTelemetrySource.Delivery.DIRECT)) {
        s.start();
        connected(s, broker);
        try (Publisher pub = new Publisher(broker.uri())) {
          for (int i = 0; i < 500; i++) {
            pub.publish("sensors/d" + (i % 5) + "/t", Integer.toString(i), 1);
          }
        }
        await(WAIT, () -> got.size() == 500, () -> "500 readings, got " + got.size());
        await(WAIT, () -> ticks.get() >= 5, () -> "ticks while idle");
        assertThat(overlaps.get()).as("accept and caughtUp overlapped").isZero();
        assertThat(threads).noneMatch(t -> t.startsWith("vigil-mqtt-consumer"));
        assertThat(s.stats().delivered()).isEqualTo(500);
        assertThat(s.stats().overflows()).isZero();
      }
    }
  }

  @Test
  void failover_secondUriUsedWhenTheFirstIsDown() throws Exception {
    try (Mosquitto broker = Mosquitto.start(dir)) {
      String dead = "tcp://127.0.0.1:" + Mosquitto.freePort();
      Collector got = new Collector();
      MqttOptions o =
          options(broker.uri(), "failover", Protocol.V5)
              .withServerUris(List.of(dead, broker.uri()));
      try (MqttTelemetrySource s = source(o, DecoderOptions.defaults(), got)) {
        s.start();
        connected(s, broker);
        try (Publisher pub = new Publisher(broker.uri())) {
          pub.publish("sensors/d/t", "4", 0);
        }
        await(WAIT, () -> got.size() == 1, () -> "the reading");
        assertThat(s.stats().connectFailures()).isZero();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void credentials_rightOnesConnectWrongOnesAreRetriedAndReported(Protocol protocol)
      throws Exception {
    Path passwords = dir.resolve("passwd");
    java.nio.file.Files.writeString(passwords, "");
    Process p =
        new ProcessBuilder("mosquitto_passwd", "-b", passwords.toString(), "vigil", "s3cret")
            .redirectErrorStream(true)
            .start();
    // mosquitto_passwd comes in the same Debian package as the broker: its failure is a failure
    assertThat(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0)
        .as("mosquitto_passwd ran")
        .isTrue();
    try (Mosquitto broker =
        Mosquitto.start(
            dir, List.of("allow_anonymous false", "password_file " + passwords), List.of())) {
      Collector got = new Collector();
      MqttOptions good =
          options(broker.uri(), "auth-" + protocol, protocol).withCredentials("vigil", "s3cret");
      try (MqttTelemetrySource s = source(good, DecoderOptions.defaults(), got)) {
        s.start();
        connected(s, broker);
      }
      MqttOptions bad = good.withCredentials("vigil", "wrong");
      try (MqttTelemetrySource s = source(bad, DecoderOptions.defaults(), got)) {
        s.start();
        await(WAIT, () -> s.stats().connectFailures() >= 2, () -> "refused attempts");
        assertThat(s.isConnected()).isFalse();
        assertThat(s.stats().lastError()).containsIgnoringCase("authori");
      }
    }
  }

  @Test
  void overflow_slowConsumerNeverBlocksTheMqttThread() throws Exception {
    try (Mosquitto broker = Mosquitto.start(dir);
        Publisher pub = new Publisher(broker.uri())) {
      CountDownLatch entered = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      Collector got = new Collector();
      ReadingSink slow =
          r -> {
            entered.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            got.accept(r);
          };
      try (MqttTelemetrySource s =
          new MqttTelemetrySource(
              options(broker.uri(), "slow", Protocol.V3_1_1),
              new PayloadDecoder(TEMPLATES, DecoderOptions.defaults()),
              4,
              slow)) {
        s.start();
        connected(s, broker);
        pub.publish("sensors/d/t", "0", 1);
        assertThat(entered.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        for (int i = 1; i < 200; i++) {
          pub.publish("sensors/d/t", Integer.toString(i), 1);
        }
        // Every message is decoded and acknowledged although the consumer is stuck on the first.
        await(WAIT, () -> s.stats().messages() == 200, () -> "all messages; stats " + s.stats());
        MqttTelemetrySource.Stats st = s.stats();
        assertThat(st.readings()).isEqualTo(200);
        assertThat(st.overflows()).isEqualTo(200 - 1 - 4); // one held by the sink, four queued
        assertThat(s.queued()).isEqualTo(4);
        release.countDown();
        await(WAIT, () -> got.size() == 5, () -> "the queued readings");
        assertThat(s.stats().delivered()).isEqualTo(5);
        assertThat(got.list()).extracting(Reading::value).containsExactly(0.0, 1.0, 2.0, 3.0, 4.0);
      }
    }
  }

  @Test
  void sinkExceptions_areCountedAndDeliveryGoesOn() throws Exception {
    try (Mosquitto broker = Mosquitto.start(dir);
        Publisher pub = new Publisher(broker.uri())) {
      Collector got = new Collector();
      ReadingSink flaky =
          r -> {
            if (r.value() < 0) {
              throw new IllegalStateException("negative");
            }
            got.accept(r);
          };
      try (MqttTelemetrySource s =
          source(options(broker.uri(), "flaky", Protocol.V5), DecoderOptions.defaults(), flaky)) {
        s.start();
        connected(s, broker);
        pub.publish("sensors/d/t", "-1", 1);
        pub.publish("sensors/d/t", "2", 1);
        await(WAIT, () -> got.size() == 1, () -> "the good reading");
        assertThat(s.stats().sinkFailures()).isEqualTo(1);
        assertThat(s.stats().delivered()).isEqualTo(2);
      }
    }
  }

  /**
   * The sink hears {@code caughtUp} on the thread that gets the readings, while idle too, so that
   * it can close time steps without a lock.
   */
  @Test
  void caughtUp_calledWhileIdleOnTheReadingThread() throws Exception {
    try (Mosquitto broker = Mosquitto.start(dir);
        Publisher pub = new Publisher(broker.uri())) {
      java.util.Set<Thread> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
      java.util.concurrent.atomic.AtomicInteger idle =
          new java.util.concurrent.atomic.AtomicInteger();
      Collector got = new Collector();
      ReadingSink sink =
          new ReadingSink() {
            @Override
            public void accept(Reading r) {
              threads.add(Thread.currentThread());
              got.accept(r);
            }

            @Override
            public void caughtUp() {
              threads.add(Thread.currentThread());
              idle.incrementAndGet();
            }
          };
      try (MqttTelemetrySource s =
          source(options(broker.uri(), "idle", Protocol.V3_1_1), DecoderOptions.defaults(), sink)) {
        s.start();
        connected(s, broker);
        pub.publish("sensors/d/t", "1", 1);
        await(WAIT, () -> got.size() == 1, () -> "the reading");
        int before = idle.get();
        await(WAIT, () -> idle.get() >= before + 3, () -> "caughtUp calls while idle");
        assertThat(threads).hasSize(1);
        assertThat(s.stats().sinkFailures()).isZero();
      }
    }
  }
}
