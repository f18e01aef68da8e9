package dev.vigil.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.daemon.config.ConfigLoader;
import dev.vigil.testsupport.Mosquitto;
import io.micronaut.context.ApplicationContext;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rogue MQTT client against the daemon's telemetry path (issue 19): while two real devices keep
 * reporting, it publishes 100,000 unique topics, half of them with names far past the name limit,
 * the rest new devices and one device with ever new metrics. The daemon must count the bad names,
 * keep its series table within its limits (and the heap with it), keep the real devices' learned
 * series, alert on an anomaly of a real device during the flood, and, once the flood's names have
 * gone quiet, give their places to a device that starts reporting after it. Against a real
 * Mosquitto; every loop is bounded in count and time.
 */
class TelemetryFloodTest {
  private static final int FLOOD = 100_000;
  private static final int LONG_NAME = 1_000;
  private static final int MAX_DEVICES = 64;
  private static final int MAX_SERIES = 256;
  private static final int MAX_PER_DEVICE = 16;

  private final HttpClient http = HttpClient.newHttpClient();
  private ApplicationContext ctx;
  private Mosquitto broker;
  private final AtomicBoolean stop = new AtomicBoolean();
  private Thread publisher;

  @TempDir Path tmp;

  @BeforeAll
  static void needMosquitto() {
    assumeTrue(Mosquitto.requiredOrAvailable(), Mosquitto.MISSING);
  }

  @AfterEach
  void tearDown() throws Exception {
    stop.set(true);
    if (publisher != null) {
      publisher.join(10_000);
    }
    if (ctx != null) {
      ctx.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  private HttpResponse<String> get(String path) throws Exception {
    String base = ctx.getBean(EmbeddedServer.class).getURL().toString();
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> details() throws Exception {
    Map<String, Object> h =
        ctx.getBean(JsonMapper.class).readValue(get("/health").body(), Map.class);
    Map<String, Object> t =
        (Map<String, Object>) ((Map<String, Object>) h.get("components")).get("telemetry");
    return (Map<String, Object>) t.get("details");
  }

  private int detail(String key) throws Exception {
    return ((Number) details().get(key)).intValue();
  }

  private List<Map<String, Object>> alerts() throws Exception {
    return ctx.getBean(JsonMapper.class)
        .readValue(
            get("/alerts?limit=10000").body(),
            Argument.listOf(Argument.mapOf(String.class, Object.class)));
  }

  @SuppressWarnings("unchecked")
  private static boolean isJump(Map<String, Object> alert) {
    Map<String, Object> v = (Map<String, Object>) alert.getOrDefault("vigil", Map.of());
    Map<String, Object> t = (Map<String, Object>) v.getOrDefault("telemetry", Map.of());
    return "dev-1".equals(t.get("device")) && "temp".equals(t.get("metric"));
  }

  /** A metric with no label, or with one {@code reason} label; 0 when absent. */
  private double metric(String name, String reason) throws Exception {
    String labels = reason == null ? "" : "\\{reason=\"" + Pattern.quote(reason) + "\",?\\}";
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(name) + labels + " ([0-9.E+-]+)$")
            .matcher(get("/prometheus").body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private double refused() throws Exception {
    String n = "vigil_telemetry_readings_dropped_total";
    return metric(n, "device_limit") + metric(n, "series_limit") + metric(n, "device_series_limit");
  }

  private static void waitFor(String what, Duration limit, Check c) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!c.ok()) {
      assertThat(System.nanoTime()).as("timed out waiting for " + what).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  private static MqttClient connect(String uri) throws MqttException {
    MqttClient c = new MqttClient(uri, "pub-" + System.nanoTime(), new MemoryPersistence());
    MqttConnectOptions o = new MqttConnectOptions();
    o.setCleanSession(true);
    o.setConnectionTimeout(2);
    o.setMaxInflight(65_535);
    c.connect(o);
    return c;
  }

  private static void close(MqttClient c) {
    if (c == null) {
      return;
    }
    try {
      if (c.isConnected()) {
        c.disconnect(500);
      }
      c.close();
    } catch (MqttException e) {
      // best effort
    }
  }

  /**
   * The real devices: dev-1 and dev-2 publish a temperature and a humidity every 25 ms of a
   * schedule, stamped with it (as in TelemetryDaemonTest); {@code jump} adds its value to dev-1's
   * temperature. Stops at {@code stop} or after 6 minutes.
   */
  private Thread startDevices(String uri, AtomicLong jump) {
    Thread t =
        new Thread(
            () -> {
              Random rnd = new Random(11);
              MqttClient c = null;
              long start = System.currentTimeMillis();
              long end = System.nanoTime() + Duration.ofMinutes(6).toNanos();
              for (int i = 0; i < 14_400 && !stop.get() && System.nanoTime() < end; i++) {
                long at = start + 25L * i;
                long wait = at - System.currentTimeMillis();
                try {
                  if (wait > 0) {
                    Thread.sleep(wait);
                  }
                } catch (InterruptedException e) {
                  return;
                }
                try {
                  if (c == null || !c.isConnected()) {
                    close(c);
                    c = connect(uri);
                  }
                  double s = at / 1000.0;
                  for (int d = 1; d <= 2; d++) {
                    double temp =
                        20 + d + Math.sin(2 * Math.PI * s / 4 + d) + 0.05 * rnd.nextGaussian();
                    double hum =
                        40 + 3 * Math.cos(2 * Math.PI * s / 6 + d) + 0.2 * rnd.nextGaussian();
                    if (d == 1) {
                      temp += jump.get();
                    }
                    String json =
                        String.format(
                            Locale.ROOT, "{\"ts\":%d,\"temp\":%.4f,\"hum\":%.4f}", at, temp, hum);
                    c.publish(
                        "devices/dev-" + d + "/telemetry",
                        json.getBytes(StandardCharsets.UTF_8),
                        1,
                        false);
                  }
                } catch (MqttException e) {
                  close(c);
                  c = null;
                }
              }
              close(c);
            },
            "test-devices");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** The rogue client's i-th topic: four kinds in turn, every one unique. */
  private static String rogueTopic(int i, String longName) {
    return switch (i % 4) {
      case 0 -> "sensors/" + longName + i + "/t"; // a device name past the limit
      case 1 -> "sensors/r" + i + "/" + longName + i; // a metric name past the limit
      case 2 -> "sensors/r" + i + "/t"; // a new device
      default -> "sensors/rogue/m" + i; // one device, ever new metrics
    };
  }

  /**
   * Publishes {@link #FLOOD} unique topics at QoS 0, in batches of 1,000 every 100 ms (about 10 s),
   * calling {@code halfway} once half are out.
   */
  private static long flood(String uri, Runnable halfway) throws Exception {
    long t0 = System.nanoTime();
    String longName = "x".repeat(LONG_NAME);
    byte[] one = "1".getBytes(StandardCharsets.UTF_8);
    MqttClient c = connect(uri);
    long sent = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    try {
      for (int i = 0; i < FLOOD && System.nanoTime() < deadline; i++) {
        if (i == FLOOD / 2) {
          halfway.run();
        }
        if (i % 1_000 == 0) {
          Thread.sleep(100);
        }
        for (int attempt = 0; ; attempt++) {
          try {
            c.publish(rogueTopic(i, longName), one, 0, false);
            sent++;
            break;
          } catch (MqttException e) {
            if (attempt >= 100) {
              throw e;
            }
            Thread.sleep(5); // the client's outbound window is full
          }
        }
      }
    } finally {
      close(c);
    }
    System.out.printf(
        Locale.ROOT, "flood: %d published in %d ms%n", sent, (System.nanoTime() - t0) / 1_000_000);
    return sent;
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
      best = Math.min(best, rt.totalMemory() - rt.freeMemory());
    }
    return best;
  }

  @Test
  void rogueFlood_isCountedAndBounded_realDevicesKeepTheirSeriesAndAlerts_laterDeviceGetsIn()
      throws Exception {
    broker = Mosquitto.start(Files.createDirectories(tmp.resolve("broker")));
    Path bundle = tmp.resolve("telemetry.vigil");
    StringBuilder b = new StringBuilder();
    b.append("api: {port: 0}\n");
    b.append("alerts: {eve-log: ").append(tmp.resolve("eve.json")).append("}\n");
    b.append("telemetry:\n");
    b.append("  mqtt:\n");
    b.append("    brokers: [").append(broker.uri()).append("]\n");
    b.append("    client-id: vigil-flood-test\n");
    b.append("  step: 100ms\n");
    b.append("  allowed-lateness: 2s\n");
    b.append("  max-devices: ").append(MAX_DEVICES).append('\n');
    b.append("  max-series: ").append(MAX_SERIES).append('\n');
    b.append("  max-series-per-device: ").append(MAX_PER_DEVICE).append('\n');
    b.append("  model:\n");
    b.append("    bundle: ").append(bundle).append('\n');
    b.append("    learn: {duration: 10s, min-vectors: 50}\n");
    b.append("    autoencoder: {hidden: 8, bottleneck: 4, epochs: 8}\n");
    b.append("    lstm: {units: 8, sequence-length: 8, epochs: 4}\n");
    b.append("    forest: {trees: 50}\n");
    Path cfg = tmp.resolve("vigil.yaml");
    Files.writeString(cfg, b.toString());
    ctx = VigilDaemon.start(ConfigLoader.load(cfg));
    waitFor(
        "the broker connection",
        Duration.ofSeconds(30),
        () -> details().get("connected") == Boolean.TRUE);

    AtomicLong jump = new AtomicLong();
    publisher = startDevices(broker.uri(), jump);
    waitFor(
        "the learned model in service",
        Duration.ofSeconds(180),
        () -> "scoring".equals(details().get("state")));
    assertThat(detail("series")).isEqualTo(4);
    long heapBefore = usedHeapAfterGc();
    double messagesBefore = metric("vigil_telemetry_messages_total", null);
    int alertsBefore = alerts().size();

    // the flood, with a jump of dev-1's temperature in its middle
    AtomicLong jumpAt = new AtomicLong();
    long sent =
        flood(
            broker.uri(),
            () -> {
              jump.set(10);
              jumpAt.set(System.nanoTime());
            });
    long jumpMillis = (System.nanoTime() - jumpAt.get()) / 1_000_000;
    if (jumpMillis < 1_500) {
      Thread.sleep(1_500 - jumpMillis);
    }
    jump.set(0);
    assertThat(sent).isEqualTo(FLOOD);
    // QoS 0: the broker may drop some of the flood when the daemon lags; wait for what comes,
    // until only the real devices' 80 messages a second arrive
    waitFor(
        "the flood to be read",
        Duration.ofSeconds(60),
        () -> {
          double a = metric("vigil_telemetry_messages_total", null);
          Thread.sleep(500);
          return metric("vigil_telemetry_messages_total", null) - a < 200;
        });
    double received = metric("vigil_telemetry_messages_total", null) - messagesBefore;
    System.out.printf(
        Locale.ROOT,
        "flood: %d sent, %.0f messages read (with the real devices'), details %s%n",
        sent,
        received,
        details());
    assertThat(received).as("most of the flood reached the daemon").isGreaterThan(0.9 * FLOOD);

    // names past the limit are bad payloads, never series
    double badNames = metric("vigil_telemetry_bad_payloads_total", "bad_name");
    assertThat(badNames).isGreaterThanOrEqualTo(0.9 * FLOOD / 2);
    assertThat(badNames).isLessThanOrEqualTo(FLOOD / 2);
    // the table within its limits, the real devices' four series still in it
    assertThat(detail("series")).isBetween(4, MAX_SERIES);
    assertThat(detail("devices")).isBetween(2, MAX_DEVICES);
    assertThat(metric("vigil_telemetry_readings_dropped_total", "device_series_limit"))
        .as("rogue's metrics past the per-device limit")
        .isPositive();
    assertThat(refused()).isPositive();
    long heapGrowth = usedHeapAfterGc() - heapBefore;
    System.out.printf(Locale.ROOT, "flood: heap grew by %.1f MB%n", heapGrowth / 1e6);
    assertThat(heapGrowth).as("heap growth in bytes").isLessThan(64L << 20);

    // the anomaly on a real device during the flood was alerted
    waitFor(
        "an alert on dev-1's temperature",
        Duration.ofSeconds(20),
        () -> {
          List<Map<String, Object>> now = alerts();
          return now.subList(0, now.size() - alertsBefore).stream()
              .anyMatch(TelemetryFloodTest::isJump);
        });
    // dev-1 and dev-2 are still scored: their series were not pushed out
    double scored = metric("vigil_telemetry_vectors_scored_total", null);
    waitFor(
        "the real devices' steps scored after the flood",
        Duration.ofSeconds(8), // re-admitted series would warm up for 128 steps (12.8 s) first
        () -> metric("vigil_telemetry_vectors_scored_total", null) >= scored + 4 * 20);

    // the flood's names have gone quiet: a device that starts now gets in
    Thread.sleep(3_000); // past the displacement age (4 steps + allowed lateness)
    double refusedBefore = refused();
    MqttClient late = connect(broker.uri());
    try {
      for (int i = 0; i < 20; i++) {
        late.publish(
            "sensors/dev-late/temp",
            Integer.toString(20 + i % 3).getBytes(StandardCharsets.UTF_8),
            1,
            false);
        late.publish(
            "sensors/dev-late/hum",
            Integer.toString(40 + i % 5).getBytes(StandardCharsets.UTF_8),
            1,
            false);
        Thread.sleep(100);
      }
    } finally {
      close(late);
    }
    Thread.sleep(500);
    assertThat(refused()).as("readings of the late device refused").isEqualTo(refusedBefore);
    assertThat(metric("vigil_telemetry_series_evicted_total", "displaced")).isPositive();
    assertThat(detail("series")).isLessThanOrEqualTo(MAX_SERIES);
  }
}
