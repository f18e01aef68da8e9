package dev.vigil.features.telemetry.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.testsupport.SharedData;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

class CsvSeriesTest {
  @TempDir Path dir;

  static long ms(String instant) {
    return Instant.parse(instant).toEpochMilli();
  }

  Path write(String name, String text) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, text, StandardCharsets.UTF_8);
    return f;
  }

  @Test
  void read_nabTimestampValue() throws IOException {
    Path f =
        write(
            "machine_temperature_system_failure.csv",
            "timestamp,value\n2013-12-02 21:15:00,73.96732207\n2013-12-02 21:20:00,74.935882\n");
    CsvSeries s = CsvSeries.read(f, CsvSeries.Options.defaults());
    assertThat(s.device()).isEqualTo("machine_temperature_system_failure");
    assertThat(s.fields()).containsExactly("value");
    assertThat(s.rows()).hasSize(2);
    assertThat(s.rows().get(0).line()).isEqualTo(2);
    assertThat(s.rows().get(0).timestampMillis()).isEqualTo(ms("2013-12-02T21:15:00Z"));
    assertThat(s.rows().get(0).values()).containsExactly(73.96732207);
    assertThat(s.rows().get(1).timestampMillis()).isEqualTo(ms("2013-12-02T21:20:00Z"));
    assertThat(s.badRows()).isZero();
    assertThat(s.backwardJumps()).isZero();
  }

  @Test
  void read_tonIotBomCrlfPaddingMessyStates_sortedStablyWithoutLabelAndType() throws IOException {
    Path f =
        write(
            "Train_Test_IoT_Garage_Door.csv",
            "\uFEFFdate,time,door_state,sphone_signal,light_status,label,type\r\n"
                + "25-Apr-19, 19:19:45 ,closed,0, off,1,ddos\r\n"
                + "25-Apr-19, 19:19:40 ,open,true  , on,1,ddos\r\n"
                + "25-Apr-19, 19:19:45 ,Open,false  ,ON,0,normal\r\n"
                + "31-Mar-19,  9:05:01,closed,1,off,0,normal\r\n"
                + "\r\n");
    CsvSeries s = CsvSeries.read(f, CsvSeries.Options.defaults());
    assertThat(s.device()).isEqualTo("Train_Test_IoT_Garage_Door");
    assertThat(s.fields()).containsExactly("door_state", "sphone_signal", "light_status");
    assertThat(s.rows())
        .extracting(CsvSeries.Row::line)
        .containsExactly(5L, 3L, 2L, 4L); // by time; equal times keep file order
    assertThat(s.rows().get(0).timestampMillis()).isEqualTo(ms("2019-03-31T09:05:01Z"));
    assertThat(s.rows().get(1).timestampMillis()).isEqualTo(ms("2019-04-25T19:19:40Z"));
    assertThat(s.rows().get(1).values()).containsExactly(1, 1, 1);
    assertThat(s.rows().get(2).values()).containsExactly(0, 0, 0);
    assertThat(s.rows().get(3).values()).containsExactly(1, 0, 1);
    assertThat(s.backwardJumps()).isEqualTo(2);
    assertThat(s.badRows()).isZero();
  }

  @Test
  void read_badRowsCountedAndSkippedWithFileAndLine() throws IOException {
    Path f =
        write(
            "fridge.csv",
            "date,time,fridge_temperature,temp_condition,label,type\n"
                + "25-Apr-19,19:19:40,9,high,1,ddos\n" // good
                + "25-Apr-19,19:19:41,9\n" // too few fields
                + "32-Apr-19,19:19:42,9,low,0,normal\n" // no such day
                + "25-Apr-19,19:19:43,warm,low,0,normal\n" // not a number
                + "25-Apr-19,19:19:44,NaN,low,0,normal\n" // not finite
                + "25-Apr-19,19:19:45, , ,0,normal\n" // no value
                + "25-Apr-19,19:19:46,,low,0,normal\n" // one value missing: good
                + "25-Apr-19,19:19:47,1e400,low,0,normal\n"); // overflows to infinity
    CsvSeries s =
        CsvSeries.read(f, new CsvSeries.Options(Set.of("label", "type"), ZoneId.of("UTC"), 3));
    assertThat(s.rows()).extracting(CsvSeries.Row::line).containsExactly(2L, 8L);
    assertThat(s.rows().get(1).values()[0]).isNaN();
    assertThat(s.rows().get(1).values()[1]).isZero();
    assertThat(s.missingValues()).isEqualTo(1);
    assertThat(s.badRows()).isEqualTo(6);
    assertThat(s.problems()).hasSize(3); // kept: the first 3
    assertThat(s.problems().get(0).toString()).isEqualTo(f + " line 3: expected 6 fields, found 3");
    assertThat(s.problems().get(1).toString())
        .startsWith(f + " line 4: cannot read the date and time '32-Apr-19' '19:19:42'");
    assertThat(s.problems().get(2).toString())
        .startsWith(f + " line 5: column fridge_temperature: 'warm' is neither a finite number");
  }

  @Test
  void read_xzAndGzip() throws IOException {
    String text = "timestamp,value\n2014-05-14T01:14:00Z,85.835\n1400030340,88.167\n";
    Path xz = dir.resolve("cpu.csv.xz");
    try (OutputStream out = new XZOutputStream(Files.newOutputStream(xz), new LZMA2Options())) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    Path gz = dir.resolve("cpu2.csv.gz");
    try (OutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    for (Path f : List.of(xz, gz)) {
      CsvSeries s = CsvSeries.read(f, CsvSeries.Options.defaults());
      assertThat(s.device()).isIn("cpu", "cpu2");
      assertThat(s.rows())
          .extracting(CsvSeries.Row::timestampMillis)
          .containsExactly(ms("2014-05-14T01:14:00Z"), ms("2014-05-14T01:19:00Z"));
    }
  }

  @Test
  void read_zoneAndOffsets() throws IOException {
    Path f =
        write(
            "z.csv",
            "Timestamp,a\n2020-01-01 00:00,1\n2020-01-01T00:00:00.5+01:00,2\n"
                + "2020-01-01 00:00:00.250,3\n");
    CsvSeries s =
        CsvSeries.read(f, CsvSeries.Options.defaults().withZone(ZoneId.of("Europe/Berlin")));
    assertThat(s.rows())
        .extracting(CsvSeries.Row::timestampMillis)
        .containsExactly(
            ms("2019-12-31T23:00:00Z"),
            ms("2019-12-31T23:00:00.250Z"),
            ms("2019-12-31T23:00:00.5Z"));
  }

  @Test
  void read_unusableFilesNamed() throws IOException {
    assertThatThrownBy(() -> CsvSeries.read(dir.resolve("nope.csv"), CsvSeries.Options.defaults()))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("nope.csv");
    Path noTime = write("a.csv", "when,value\n1,2\n");
    assertThatThrownBy(() -> CsvSeries.read(noTime, CsvSeries.Options.defaults()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(noTime + " line 1: no time column");
    Path onlyLabels = write("b.csv", "timestamp,label,type\n2020-01-01 00:00:00,0,normal\n");
    assertThatThrownBy(() -> CsvSeries.read(onlyLabels, CsvSeries.Options.defaults()))
        .hasMessageContaining(onlyLabels + " line 1: no telemetry column");
    Path allBad = write("c.csv", "timestamp,value\nyesterday,1\n");
    assertThatThrownBy(() -> CsvSeries.read(allBad, CsvSeries.Options.defaults()))
        .hasMessageContaining(
            allBad + ": no readable data row (1 bad, first: " + allBad + " line 2");
    Path empty = write("d.csv", "");
    assertThatThrownBy(() -> CsvSeries.read(empty, CsvSeries.Options.defaults()))
        .hasMessageContaining(empty + ": empty file");
    Path twice = write("e.csv", "timestamp,v,v\n");
    assertThatThrownBy(() -> CsvSeries.read(twice, CsvSeries.Options.defaults()))
        .hasMessageContaining("column 'v' appears twice");
  }

  @Test
  void read_excludedColumnsAndDeviceNames() throws IOException {
    Path f = write("x.csv", "timestamp,a,b,Label\n2020-01-01 00:00:00,1,2,0\n");
    CsvSeries s =
        CsvSeries.read(
            f, "gw/1".replace('/', '-'), CsvSeries.Options.defaults().excluding(Set.of(" B ")));
    assertThat(s.fields()).containsExactly("a");
    assertThat(s.device()).isEqualTo("gw-1");
    assertThatThrownBy(() -> CsvSeries.read(f, "gw/1", CsvSeries.Options.defaults()))
        .hasMessageContaining("device name 'gw/1' must not contain '/'");
    assertThat(CsvSeries.deviceName(Path.of("/d/Train_Test_IoT_Weather.csv.xz")))
        .isEqualTo("Train_Test_IoT_Weather");
    assertThat(CsvSeries.deviceName(Path.of("a+b#c.CSV"))).isEqualTo("a_b_c");
  }

  @Test
  void split_quotedFields() {
    assertThat(CsvSeries.split("a,\"b,c\", \"d\"\"e\" ,")).containsExactly("a", "b,c", "d\"e", "");
    assertThat(CsvSeries.split(" x ,y")).containsExactly(" x ", "y");
    assertThatThrownBy(() -> CsvSeries.split("\"open")).hasMessage("unterminated quoted field");
  }

  @Test
  void values_numbersAndStates() {
    assertThat(CellValueParser.parse(" -1.5e-3 ")).isEqualTo(-1.5e-3);
    assertThat(CellValueParser.parse(".5")).isEqualTo(0.5);
    assertThat(CellValueParser.parse("7.")).isEqualTo(7);
    assertThat(CellValueParser.parse("true  ")).isEqualTo(1);
    assertThat(CellValueParser.parse(" off")).isEqualTo(0);
    assertThat(CellValueParser.parse("CLOSED")).isEqualTo(0);
    assertThat(CellValueParser.parse("high ")).isEqualTo(1);
    for (String bad : List.of("NaN", "Infinity", "0x1p3", "1d", "1e", "-", ".", "1,5", "warm")) {
      assertThat(CellValueParser.parse(bad)).as(bad).isNaN();
    }
  }

  /** The shared TON_IoT sample: every row of every file reads, in the manifest's counts. */
  @Test
  @Tag("shared-data")
  void read_sharedTonIotSample_everyRow() throws IOException {
    Map<String, Integer> rows =
        Map.of(
            "Train_Test_IoT_Fridge", 39944,
            "Train_Test_IoT_Garage_Door", 39587,
            "Train_Test_IoT_Motion_Light", 39488,
            "Train_Test_IoT_Weather", 39260);
    Map<String, List<String>> fields =
        Map.of(
            "Train_Test_IoT_Fridge", List.of("fridge_temperature", "temp_condition"),
            "Train_Test_IoT_Garage_Door", List.of("door_state", "sphone_signal"),
            "Train_Test_IoT_Motion_Light", List.of("motion_status", "light_status"),
            "Train_Test_IoT_Weather", List.of("temperature", "pressure", "humidity"));
    for (var e : rows.entrySet()) {
      Path f = SharedData.file("ton_iot_sample/" + e.getKey() + ".csv.xz");
      CsvSeries s = CsvSeries.read(f, CsvSeries.Options.defaults());
      assertThat(s.device()).isEqualTo(e.getKey());
      assertThat(s.fields()).isEqualTo(fields.get(e.getKey()));
      assertThat(s.rows()).as(e.getKey()).hasSize(e.getValue());
      assertThat(s.badRows()).as("%s: %s", e.getKey(), s.problems()).isZero();
      assertThat(s.missingValues()).isZero();
      assertThat(s.backwardJumps()).isBetween(7L, 32L); // the manifest's 7-32 per file
      List<CsvSeries.Row> r = s.rows();
      assertThat(r.get(0).timestampMillis()).isGreaterThanOrEqualTo(ms("2019-03-31T00:00:00Z"));
      assertThat(r.get(r.size() - 1).timestampMillis()).isLessThan(ms("2019-04-30T00:00:00Z"));
      for (int i = 1; i < r.size(); i++) {
        assertThat(r.get(i).timestampMillis())
            .isGreaterThanOrEqualTo(r.get(i - 1).timestampMillis());
      }
      for (CsvSeries.Row row : r) {
        for (double v : row.values()) {
          assertThat(Double.isFinite(v)).isTrue();
        }
      }
    }
  }
}
