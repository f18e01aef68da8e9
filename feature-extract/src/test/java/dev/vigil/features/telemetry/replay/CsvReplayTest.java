package dev.vigil.features.telemetry.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.features.telemetry.DecoderOptions;
import dev.vigil.features.telemetry.PayloadDecoder;
import dev.vigil.features.telemetry.Reading;
import dev.vigil.features.telemetry.TopicTemplate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvReplayTest {
  static final Path FILE = Path.of("test.csv");

  /** A series with rows at the given data times (ms) and values 0, 1, 2, ... */
  static CsvSeries series(String device, long... times) {
    List<CsvSeries.Row> rows = new ArrayList<>();
    for (int i = 0; i < times.length; i++) {
      rows.add(new CsvSeries.Row(i + 2, times[i], new double[] {i}));
    }
    return new CsvSeries(FILE, device, List.of("value"), rows, 0, List.of(), 0, 0);
  }

  /** What a sink saw: topic, payload and when (ns since the first message). */
  record Sent(String topic, String payload, long nanos) {}

  static final class Recorder implements CsvReplay.Sink {
    final List<Sent> sent = new ArrayList<>();
    long first;

    @Override
    public void publish(String topic, byte[] payload) {
      long now = System.nanoTime();
      if (sent.isEmpty()) {
        first = now;
      }
      sent.add(new Sent(topic, new String(payload, StandardCharsets.UTF_8), now - first));
    }
  }

  @Test
  void payload_jsonThatPayloadDecoderReadsBackExactly() throws Exception {
    long t0 = 1_556_220_000_000L;
    CsvSeries weather =
        new CsvSeries(
            FILE,
            "Train_Test_IoT_Weather",
            List.of("temperature", "pressure", "humidity \"rel\""),
            List.of(
                new CsvSeries.Row(2, t0, new double[] {40.88186638, -0.101805871, 38.3636313}),
                new CsvSeries.Row(3, t0 + 1000, new double[] {9, Double.NaN, 1e-5}),
                new CsvSeries.Row(4, t0 + 2000, new double[] {-0.0, 1e300, 0.1 + 0.2})),
            0,
            List.of(),
            0,
            1);
    CsvReplay replay = new CsvReplay(List.of(weather), CsvReplay.Options.defaults().withSpeed(0));
    Recorder r = new Recorder();
    CsvReplay.Result result = replay.run(r, CsvReplay.Progress.none());
    assertThat(result.messages()).isEqualTo(3);
    assertThat(result.readings()).isEqualTo(8);
    assertThat(result.stop()).isEqualTo(CsvReplay.Stop.END);
    assertThat(r.sent.get(0).topic()).isEqualTo("devices/Train_Test_IoT_Weather/telemetry");
    assertThat(r.sent.get(1).payload())
        .isEqualTo("{\"ts\":1556220001000,\"temperature\":9,\"humidity \\\"rel\\\"\":1.0E-5}");

    PayloadDecoder decoder =
        new PayloadDecoder(
            TopicTemplate.compileAll(List.of("devices/{device}/telemetry")),
            DecoderOptions.defaults());
    List<Reading> got = new ArrayList<>();
    for (Sent s : r.sent) {
      decoder.decode(
          s.topic(),
          s.payload().getBytes(StandardCharsets.UTF_8),
          0,
          x -> got.add(x.withPayloadBytes(0)));
    }
    List<Reading> expected = new ArrayList<>();
    for (CsvSeries.Row row : weather.rows()) {
      for (int f = 0; f < weather.fields().size(); f++) {
        if (!Double.isNaN(row.values()[f])) {
          expected.add(
              new Reading(
                  weather.device(),
                  weather.fields().get(f),
                  row.timestampMillis(),
                  row.values()[f] == 0 ? 0.0 : row.values()[f]));
        }
      }
    }
    assertThat(got).containsExactlyElementsOf(expected);
    assertThat(decoder.bad().snapshot()).isEmpty();
  }

  @Test
  void run_mergesSeriesInTimeOrder_tiesInSeriesOrder() throws Exception {
    CsvReplay replay =
        new CsvReplay(
            List.of(series("a", 10, 20, 30), series("b", 5, 20, 40)),
            CsvReplay.Options.defaults().withSpeed(0).withTimestampField(""));
    Recorder r = new Recorder();
    replay.run(r, CsvReplay.Progress.none());
    assertThat(r.sent)
        .extracting(s -> s.topic().split("/")[1] + s.payload())
        .containsExactly(
            "b{\"value\":0}",
            "a{\"value\":0}",
            "a{\"value\":1}",
            "b{\"value\":1}",
            "a{\"value\":2}",
            "b{\"value\":2}");
  }

  /**
   * Rows with known gaps, replayed at 4x: every message is published at its scaled offset, never
   * early and at most a scheduling hiccup late, and the whole replay takes the scaled span.
   */
  @Test
  void run_keepsTheScaledTiming() throws Exception {
    long[] times = {0, 200, 200, 600, 1000, 1800, 2000}; // data ms; 2 s of data
    double speed = 4;
    CsvReplay replay =
        new CsvReplay(List.of(series("d", times)), CsvReplay.Options.defaults().withSpeed(speed));
    Recorder r = new Recorder();
    long t0 = System.nanoTime();
    CsvReplay.Result result = replay.run(r, CsvReplay.Progress.none());
    long wall = System.nanoTime() - t0;
    assertThat(r.sent).hasSize(times.length);
    long toleranceNanos = Duration.ofMillis(60).toNanos(); // a loaded 2-core CI machine
    for (int i = 0; i < times.length; i++) {
      long due = (long) (times[i] * 1e6 / speed);
      assertThat(r.sent.get(i).nanos())
          .as("message %d (due at %d ms)", i, due / 1_000_000)
          .isBetween(due - 1_000_000, due + toleranceNanos); // the first message is time 0
    }
    assertThat(wall).isBetween(500_000_000L, 500_000_000L + toleranceNanos * 2);
    assertThat(result.elapsed().toNanos()).isBetween(500_000_000L, wall);
    assertThat(result.maxLag()).isLessThan(Duration.ofNanos(toleranceNanos));
  }

  @Test
  void run_limits() throws Exception {
    long[] every100ms = new long[50];
    for (int i = 0; i < every100ms.length; i++) {
      every100ms[i] = 1_000_000 + i * 100L;
    }
    Recorder r = new Recorder();
    CsvReplay.Result max =
        new CsvReplay(
                List.of(series("d", every100ms)),
                CsvReplay.Options.defaults().withSpeed(0).withLimits(7, null))
            .run(r, CsvReplay.Progress.none());
    assertThat(max.messages()).isEqualTo(7);
    assertThat(max.stop()).isEqualTo(CsvReplay.Stop.MAX_MESSAGES);
    assertThat(max.lastDataMillis()).isEqualTo(1_000_600);

    // at 1x for 250 ms: messages due at 0, 100 and 200 ms; the one due at 300 ms is not waited for
    long t0 = System.nanoTime();
    CsvReplay.Result timed =
        new CsvReplay(
                List.of(series("d", every100ms)),
                CsvReplay.Options.defaults().withLimits(Long.MAX_VALUE, Duration.ofMillis(250)))
            .run(new Recorder(), CsvReplay.Progress.none());
    long wall = System.nanoTime() - t0;
    assertThat(timed.messages()).isEqualTo(3);
    assertThat(timed.stop()).isEqualTo(CsvReplay.Stop.DURATION);
    assertThat(wall).isLessThan(Duration.ofMillis(290).toNanos());

    // gaps longer than maxGap are shortened: 10 s of data with one 9.6 s pause, at most 100 ms
    Recorder g = new Recorder();
    CsvReplay.Result gap =
        new CsvReplay(
                List.of(series("d", 0, 100, 200, 9_800, 9_900, 10_000)),
                CsvReplay.Options.defaults().withSpeed(2).withMaxGap(Duration.ofMillis(100)))
            .run(g, CsvReplay.Progress.none());
    assertThat(gap.messages()).isEqualTo(6);
    assertThat(g.sent.get(5).nanos()).isBetween(250_000_000L - 1_000_000, 330_000_000L);
  }

  @Test
  void options_andSeries_validated() {
    CsvReplay.Options d = CsvReplay.Options.defaults();
    assertThatThrownBy(() -> d.withTopicTemplate("devices/all/telemetry"))
        .hasMessageContaining("must name the device with {device}");
    assertThatThrownBy(() -> d.withTopicTemplate("sensors/{device}/{metric}"))
        .hasMessageContaining("no other placeholder");
    assertThatThrownBy(() -> d.withTopicTemplate("sensors/{device}/#"))
        .hasMessageContaining("no other placeholder");
    assertThatThrownBy(() -> d.withTopicTemplate("a/{device}/{site}"))
        .hasMessageContaining("no other placeholder");
    assertThatThrownBy(() -> d.withSpeed(-1)).hasMessageContaining("speed must be 0");
    assertThatThrownBy(() -> d.withSpeed(Double.NaN)).hasMessageContaining("speed must be 0");
    assertThatThrownBy(() -> d.withLimits(0, null)).hasMessageContaining("maxMessages");
    assertThatThrownBy(() -> d.withLimits(1, Duration.ZERO)).hasMessageContaining("duration");
    assertThatThrownBy(() -> new CsvReplay(List.of(series("a", 1), series("a", 2)), d))
        .hasMessageContaining("device 'a' is given twice");
    CsvSeries ts = new CsvSeries(FILE, "x", List.of("ts"), List.of(), 0, List.of(), 0, 0);
    assertThatThrownBy(() -> new CsvReplay(List.of(ts), d))
        .hasMessageContaining("column 'ts' has the name of the timestamp field");
    assertThat(CsvReplay.topic("site/{device}", "gw")).isEqualTo("site/gw");
  }
}
