package dev.vigil.eval.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.features.telemetry.DecoderOptions;
import dev.vigil.features.telemetry.MqttOptions;
import dev.vigil.features.telemetry.MqttTelemetrySource;
import dev.vigil.features.telemetry.PayloadDecoder;
import dev.vigil.features.telemetry.Reading;
import dev.vigil.features.telemetry.TopicTemplate;
import dev.vigil.testsupport.Mosquitto;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code vigil replay}: arguments, messages, errors, and a replay through a real broker. */
class ReplayCommandTest {
  @TempDir Path tmp;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int vigil(String... args) {
    return new CommandLine(new EvaluationCli())
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .execute(args);
  }

  private Path nab() throws IOException {
    Path f = tmp.resolve("nyc_taxi.csv");
    StringBuilder b = new StringBuilder("timestamp,value\n");
    for (int i = 0; i < 50; i++) {
      b.append(String.format("2014-07-01 %02d:%02d:00,%d%n", i / 3, i % 3 * 20, 10_000 + i));
    }
    Files.writeString(f, b);
    return f;
  }

  private Path ton() throws IOException {
    Path f = tmp.resolve("Train_Test_IoT_Motion_Light.csv");
    Files.writeString(
        f,
        "\uFEFFdate,time,motion_status,light_status,label,type\r\n"
            + "1-Jul-14, 00:00:10 ,1, on,1,ddos\r\n"
            + "1-Jul-14, 00:00:05 ,0, off,0,normal\r\n"
            + "1-Jul-14, nine ,0, off,0,normal\r\n"
            + "1-Jul-14, 00:00:20 ,0, dim,0,normal\r\n",
        StandardCharsets.UTF_8);
    return f;
  }

  @Test
  void dryRun_mergesFilesInTimeOrder_reportsBadRowsWithFileAndLine() throws IOException {
    Path nab = nab();
    Path ton = ton();
    int rc =
        vigil(
            "replay",
            "--dry-run",
            "--as-fast-as-possible",
            "-n",
            "4",
            ton.toString(),
            nab.toString());
    assertThat(rc).as(err.toString()).isZero();
    assertThat(out.toString().lines().toList())
        .containsExactly(
            "devices/nyc_taxi/telemetry {\"ts\":1404172800000,\"value\":10000}",
            "devices/Train_Test_IoT_Motion_Light/telemetry"
                + " {\"ts\":1404172805000,\"motion_status\":0,\"light_status\":0}",
            "devices/Train_Test_IoT_Motion_Light/telemetry"
                + " {\"ts\":1404172810000,\"motion_status\":1,\"light_status\":1}",
            "devices/nyc_taxi/telemetry {\"ts\":1404174000000,\"value\":10001}");
    assertThat(Instant.ofEpochMilli(1404172805000L)).isEqualTo("2014-07-01T00:00:05Z");
    String e = err.toString();
    assertThat(e)
        .contains(
            ton
                + ": device Train_Test_IoT_Motion_Light, 2 rows, fields [motion_status,"
                + " light_status], 1 backward time jumps")
        .contains(ton + ": 2 bad rows skipped:")
        .contains(ton + " line 4: cannot read the date and time '1-Jul-14' 'nine'")
        .contains(
            ton
                + " line 5: column light_status: ' dim' is neither a finite number nor a known state")
        .contains("52 messages from 2 device(s)")
        .containsPattern(
            "messages=4 readings=6 elapsed_s=[0-9.]+ rate=\\d+/s stop=MAX_MESSAGES"
                + " max_lag_ms=[0-9.]+ bad_rows=2");
  }

  @Test
  void options_andInputs_checkedWithClearMessages() throws IOException {
    Path nab = nab();
    assertThat(vigil("replay", "--dry-run", tmp.resolve("missing.csv").toString())).isEqualTo(66);
    assertThat(err.toString())
        .contains("vigil replay: " + tmp.resolve("missing.csv") + ": no such file");
    Path noTime = Files.writeString(tmp.resolve("x.csv"), "when,v\n1,2\n");
    assertThat(vigil("replay", "--dry-run", noTime.toString())).isEqualTo(66);
    assertThat(err.toString()).contains(noTime + " line 1: no time column");
    for (List<String> bad :
        List.of(
            List.of("--device", "a", nab.toString(), nab.toString()),
            List.of("--topic", "devices/all", nab.toString()),
            List.of("--duration", "soon", nab.toString()),
            List.of("--speed", "-2", nab.toString()),
            List.of("--speed", "5", "--as-fast-as-possible", nab.toString()),
            List.of("--qos", "3", nab.toString()),
            List.of("--mqtt-version", "4.0", nab.toString()),
            List.of("--zone", "Mars/Olympus", nab.toString()),
            List.of("--password", "x", nab.toString()),
            List.of("-n", "0", nab.toString()))) {
      err.getBuffer().setLength(0);
      List<String> args = new java.util.ArrayList<>(List.of("replay"));
      args.addAll(bad);
      assertThat(vigil(args.toArray(String[]::new))).as("%s: %s", bad, err).isEqualTo(2);
    }
    err.getBuffer().setLength(0);
    vigil("replay", "--topic", "sensors/{device}/{metric}", nab.toString());
    assertThat(err.toString()).contains("must name the device with {device} and hold no other");
    err.getBuffer().setLength(0);
    vigil("replay", "--duration", "soon", nab.toString());
    assertThat(err.toString()).contains("--duration: expected a duration such as 500ms");
  }

  @Test
  void broker_everyRowArrives_unreachableBrokerExits69() throws Exception {
    assumeTrue(Mosquitto.requiredOrAvailable(), Mosquitto.MISSING);
    Path nab = nab();
    try (Mosquitto broker = Mosquitto.start(Files.createDirectories(tmp.resolve("broker")))) {
      ConcurrentLinkedQueue<Reading> got = new ConcurrentLinkedQueue<>();
      PayloadDecoder decoder =
          new PayloadDecoder(
              TopicTemplate.compileAll(List.of("devices/{device}/telemetry")),
              DecoderOptions.defaults());
      try (MqttTelemetrySource source =
          new MqttTelemetrySource(
              MqttOptions.defaults(broker.uri(), "replay-test-sub"), decoder, 1024, got::add)) {
        source.start();
        assertThat(source.awaitConnected(Duration.ofSeconds(15))).isTrue();
        // 50 rows 20 min apart at 60000x: 49 × 20 ms ≈ 1 s
        int rc = vigil("replay", "-b", broker.uri(), "--speed", "60000", nab.toString());
        assertThat(rc).as(err.toString()).isZero();
        assertThat(out.toString())
            .containsPattern("messages=50 readings=50 elapsed_s=(0\\.9[89]|1\\.)");
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (got.size() < 50 && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        assertThat(got).hasSize(50);
        List<Reading> rs = List.copyOf(got);
        for (int i = 0; i < 50; i++) {
          assertThat(rs.get(i).withPayloadBytes(0))
              .isEqualTo(
                  new Reading(
                      "nyc_taxi",
                      "value",
                      Instant.parse("2014-07-01T00:00:00Z").toEpochMilli() + i * 1_200_000L,
                      10_000 + i));
        }
      }
    }
    err.getBuffer().setLength(0);
    String nowhere = "tcp://127.0.0.1:" + Mosquitto.freePort();
    assertThat(vigil("replay", "-b", nowhere, nab.toString())).isEqualTo(69);
    assertThat(err.toString()).contains("vigil replay: cannot connect to [" + nowhere + "]");
  }
}
