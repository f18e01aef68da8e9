package dev.vigil.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.daemon.alerts.EveTime;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TON_IoT telemetry replayed over MQTT into the daemon: the Weather and Fridge files of the shared
 * sample are published by a small in-test publisher, one JSON message per row and device, the
 * daemon learns the baseline on the first 6000 (normal) rows of each, and the later rows (9000 more
 * normal rows, then the first 1000 rows of each attack segment) are scored.
 *
 * <p>What is detectable, measured before writing this test (same pipeline without MQTT): in the
 * Weather file the attack rows' values are distributed unlike the normal rows' (pressure spread 4.3
 * against 0.65, humidity and temperature shifted), and 99.7 % of attack steps alerted against 4.4 %
 * of normal steps (per-series ROC-AUC of the scores 0.96-0.99). In the Fridge, Garage_Door and
 * Motion_Light files the attack rows' values have the normal rows' distribution (same means,
 * deviations and value sets): their per-series ROC-AUC was 0.47-0.52, chance. So this test asserts
 * detection on Weather and only reports Fridge, as a control. Those were per-step rates of the
 * ensemble's threshold; the daemon now alarms through {@code SeriesSurprise} (one alarm per series
 * per 100 steps), so the test counts what an operator sees: attack segments with an alert in them,
 * and false alarms on normal steps.
 *
 * <p>Replay: rows sorted by time (the files are not), then stamped with synthetic times 100 ms
 * apart in the recent past, ten rows per 1 s step, because the files' own clock is an artefact of
 * how they were put together (all normal rows lie on other days than the attacks, the Weather
 * normal rows 62 per second, attack rows 0.04-0.8 per second): a detector could flag the attacks
 * from the message rate alone. With rows evenly spaced only the values can tell. {@code
 * allowed-lateness: 1h} lets the replayed steps close as later readings arrive rather than by the
 * wall clock, which the replayed times precede.
 */
@Tag("shared-data")
class TonIotMqttDetectionTest {
  private static final int ROWS_PER_STEP = 10;
  private static final long STEP_MS = 1000;
  private static final int LEARN_ROWS = 6000;
  private static final int ATTACK_ROWS_PER_SEGMENT = 1000;

  private final HttpClient http = HttpClient.newHttpClient();
  private ApplicationContext ctx;
  private Mosquitto broker;

  @TempDir Path tmp;

  @BeforeAll
  static void needMosquitto() {
    assumeTrue(Mosquitto.requiredOrAvailable(), Mosquitto.MISSING);
  }

  @AfterEach
  void tearDown() {
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
    return (Map<String, Object>)
        ((Map<String, Object>) ((Map<String, Object>) h.get("components")).get("telemetry"))
            .get("details");
  }

  private double metric(String name) throws Exception {
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(name) + " ([0-9.E+-]+)$")
            .matcher(get("/prometheus").body());
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  private static void waitFor(String what, Duration limit, Check c) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!c.ok()) {
      assertThat(System.nanoTime()).as("timed out waiting for " + what).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  /** Publishes rows {@code [from, to)} of every file, row by row across the devices. */
  private static long publish(MqttClient c, List<TonIotSample> files, long base, int from, int to)
      throws Exception {
    long n = 0;
    for (int i = from; i < to; i++) {
      for (TonIotSample s : files) {
        if (i >= s.rows.size()) {
          continue;
        }
        TonIotSample.Row r = s.rows.get(i);
        StringBuilder json = new StringBuilder("{\"ts\":").append(time(base, i));
        for (int k = 0; k < s.columns.size(); k++) {
          json.append(",\"").append(s.columns.get(k)).append("\":").append(r.values()[k]);
        }
        json.append('}');
        c.publish(
            "devices/" + s.device + "/telemetry",
            json.toString().getBytes(StandardCharsets.UTF_8),
            1,
            false);
        n++;
      }
    }
    return n;
  }

  private static long time(long base, int row) {
    return base
        + (row / ROWS_PER_STEP) * STEP_MS
        + (row % ROWS_PER_STEP) * (STEP_MS / ROWS_PER_STEP);
  }

  @Test
  @SuppressWarnings("unchecked")
  void weatherAttacksAlertFarMoreOftenThanNormalSteps() throws Exception {
    List<TonIotSample> files =
        List.of(
            TonIotSample.read("Weather").sliced(ATTACK_ROWS_PER_SEGMENT),
            TonIotSample.read("Fridge").sliced(ATTACK_ROWS_PER_SEGMENT));
    for (TonIotSample s : files) {
      assertThat(s.firstAttack()).as(s.device + ": normal rows first").isEqualTo(15_000);
    }
    int rows = files.stream().mapToInt(s -> s.rows.size()).max().orElseThrow();
    // the replay's clock: 100 ms per row, ending well before now
    long base = Instant.now().minus(Duration.ofMinutes(50)).toEpochMilli() / STEP_MS * STEP_MS;
    assertThat(time(base, rows)).isLessThan(System.currentTimeMillis() - 60_000);

    // Mosquitto drops QoS 1 messages beyond 1000 queued for a client by default. On a loaded
    // machine (load 5 on 2 cores) the daemon once received fewer messages than were published,
    // most likely so; a failure below now shows the broker's log.
    broker =
        Mosquitto.start(
            Files.createDirectories(tmp.resolve("broker")),
            List.of("max_queued_messages 200000"),
            List.of());
    Path cfg = tmp.resolve("vigil.yaml");
    Files.writeString(
        cfg,
        String.join(
            "\n",
            "api: {port: 0}",
            "telemetry:",
            "  mqtt: {brokers: [" + broker.uri() + "], client-id: vigil-ton}",
            "  step: 1s",
            "  allowed-lateness: 1h",
            "  model:",
            "    learn: {duration: 400s, min-vectors: 200}",
            "    autoencoder: {hidden: 16, bottleneck: 4, epochs: 10}",
            "    lstm: {units: 16, sequence-length: 16, epochs: 5}",
            "    forest: {trees: 50}",
            ""));
    ctx = VigilDaemon.start(ConfigLoader.load(cfg));
    waitFor(
        "the broker connection",
        Duration.ofSeconds(30),
        () -> details().get("connected") == Boolean.TRUE);

    MqttClient c = new MqttClient(broker.uri(), "ton-publisher", new MemoryPersistence());
    MqttConnectOptions o = new MqttConnectOptions();
    o.setCleanSession(true);
    o.setMaxInflight(1000);
    c.connect(o);
    long published;
    long t0 = System.nanoTime();
    try {
      published = publish(c, files, base, 0, LEARN_ROWS);
      waitFor(
          "the model learned on the first " + LEARN_ROWS + " rows",
          Duration.ofSeconds(300),
          () -> "scoring".equals(details().get("state")));
      published += publish(c, files, base, LEARN_ROWS, rows);
    } finally {
      c.disconnect(2000);
      c.close();
    }
    long total = published;
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (metric("vigil_telemetry_messages_total") != total) {
      assertThat(System.nanoTime())
          .as(
              "every message: %d published, %.0f received; broker log:%n%s",
              total, metric("vigil_telemetry_messages_total"), broker.log())
          .isLessThan(deadline);
      Thread.sleep(200);
    }
    // let the consumer finish the last steps
    double[] last = {-1};
    waitFor(
        "scoring to settle",
        Duration.ofSeconds(60),
        () -> {
          double now = metric("vigil_telemetry_vectors_scored_total");
          boolean settled = now == last[0];
          last[0] = now;
          return settled;
        });
    Map<String, Object> d = details();
    assertThat(d.get("late")).isEqualTo(0);
    assertThat(((Map<String, Object>) d.get("bad_payloads"))).isEmpty();
    assertThat(((Map<String, Object>) d.get("dropped")).values()).allMatch(v -> v.equals(0));

    List<Map<String, Object>> alerts =
        ctx.getBean(JsonMapper.class)
            .readValue(
                get("/alerts?limit=10000").body(),
                Argument.listOf(Argument.mapOf(String.class, Object.class)));
    // device-level: a device's step alerts if any of its metrics does
    Map<String, Set<Long>> alerted = new TreeMap<>();
    for (Map<String, Object> a : alerts) {
      Map<String, Object> vigil = (Map<String, Object>) a.get("vigil");
      String device = (String) ((Map<String, Object>) vigil.get("telemetry")).get("device");
      long start = EveTime.parse((String) vigil.get("window_start")).toEpochMilli();
      alerted.computeIfAbsent(device, k -> new HashSet<>()).add((start - base) / STEP_MS);
    }
    // an operator's view: an attack segment (a run of attack steps of one type) is detected when
    // any of the device's series alerts inside it; every alerted normal step is a false alarm
    Map<String, double[]> rates = new TreeMap<>();
    for (TonIotSample s : files) {
      long normalSteps = 0;
      long falseAlarms = 0;
      long attackSteps = 0;
      long attackHits = 0;
      List<String> segments = new ArrayList<>();
      int detected = 0;
      String segType = null;
      boolean segHit = false;
      long segStart = 0;
      long firstStep = LEARN_ROWS / ROWS_PER_STEP;
      long lastStep = (s.rows.size() - 1) / ROWS_PER_STEP; // closed only by the wall clock
      Set<Long> hits = alerted.getOrDefault(s.device, Set.of());
      for (long step = firstStep; step <= lastStep; step++) {
        String type = "normal";
        if (step < lastStep) {
          for (int r = (int) (step * ROWS_PER_STEP); r < (step + 1) * ROWS_PER_STEP; r++) {
            if (s.rows.get(r).attack()) {
              type = s.rows.get(r).type();
            }
          }
        }
        boolean hit = hits.contains(step);
        if (segType != null && (step == lastStep || !type.equals(segType))) {
          segments.add(
              String.format(Locale.ROOT, "%s@%d%s", segType, segStart, segHit ? "+" : "-"));
          detected += segHit ? 1 : 0;
          segType = null;
        }
        if (step == lastStep) {
          break;
        }
        if (type.equals("normal")) {
          normalSteps++;
          falseAlarms += hit ? 1 : 0;
          continue;
        }
        attackSteps++;
        attackHits += hit ? 1 : 0;
        if (segType == null) {
          segType = type;
          segStart = step;
          segHit = false;
        }
        segHit |= hit;
      }
      double detectedShare = segments.isEmpty() ? 0 : (double) detected / segments.size();
      double falsePer1000 = 1000.0 * falseAlarms / Math.max(1, normalSteps);
      rates.put(
          s.device,
          new double[] {
            detectedShare, falsePer1000, segments.size(), segments.get(0).endsWith("+") ? 1 : 0
          });
      System.out.printf(
          Locale.ROOT,
          "TON_IoT %s over MQTT: attack segments detected %d/%d %s; false alarms %d in %d normal"
              + " steps (%.1f per 1000); alerted attack steps %d/%d%n",
          s.device,
          detected,
          segments.size(),
          segments,
          falseAlarms,
          normalSteps,
          falsePer1000,
          attackHits,
          attackSteps);
    }
    System.out.printf(
        Locale.ROOT,
        "TON_IoT replay: %d messages in %.1f s (learning and training included)%n",
        total,
        (System.nanoTime() - t0) / 1e9);
    double[] weather = rates.get("weather");
    assertThat(weather[2]).as("weather attack segments").isGreaterThanOrEqualTo(5);
    // measured: 4 of 7 segments, the first among them, 3 false alarms in 900 normal steps. The
    // segments follow each other without a normal step between them; the detector raises one
    // alarm per series per 100 steps and its likelihoods adapt to a lasting change, so an attack
    // stretch is one incident to it and later segments are found only when they differ again.
    assertThat(weather[3]).as("the attack stretch's first segment is detected").isEqualTo(1);
    assertThat(weather[0]).as("weather attack segments detected").isGreaterThanOrEqualTo(0.4);
    assertThat(weather[1]).as("weather false alarms per 1000 normal steps").isLessThanOrEqualTo(10);
  }
}
