package dev.vigil.features.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.features.PacketFeaturePipeline;
import dev.vigil.features.packet.ParseError;
import dev.vigil.testsupport.PcapFiles;
import dev.vigil.testsupport.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapFileReaderTest {
  @Test
  void read_writtenFileRoundTripsFramesLengthsAndTimestamps(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("t.pcap");
    byte[] a = new byte[100];
    byte[] b = new byte[60];
    a[0] = 1;
    b[0] = 2;
    PcapFiles.write(
        f,
        64,
        List.of(
            new PcapFiles.Frame(1_700_000_000_123_456L, a),
            new PcapFiles.Frame(1_700_000_001_000_001L, b)));
    List<String> seen = new ArrayList<>();
    long n =
        new PcapFileReader(f)
            .read((frame, cap, wire, t) -> seen.add(frame[0] + "/" + cap + "/" + wire + "/" + t));
    assertThat(n).isEqualTo(2);
    assertThat(seen).containsExactly("1/64/100/1700000000123456", "2/60/60/1700000001000001");
  }

  @Test
  @Tag("shared-data")
  void read_mqttSampleDeliversEveryFrameInOrder() throws IOException {
    Path f = SharedData.file("pcap/protocol_samples/ndpi/mqtt.pcap");
    List<Long> ts = new ArrayList<>();
    long n =
        new PcapFileReader(f)
            .read(
                (frame, cap, wire, t) -> {
                  assertThat(cap).isPositive().isLessThanOrEqualTo(wire);
                  ts.add(t);
                });
    assertThat(n).isEqualTo(9); // capinfos count in the data set's MANIFEST
    assertThat(ts).isSorted();
    assertThat(ts.get(0)).isGreaterThan(1_000_000_000_000_000L); // microseconds since the epoch
  }

  @Test
  @Tag("shared-data")
  void read_attackCaptureParsesCleanlyAndProducesWindows() throws IOException {
    Path f = SharedData.file("pcap/attack/slips/test7-malicious.pcap");
    List<String> hosts = new ArrayList<>();
    PacketFeaturePipeline p =
        new PacketFeaturePipeline(
            dev.vigil.features.FeatureSet.HOST_WINDOW,
            10_000_000L,
            4096,
            (hi, lo, s, e, v) -> hosts.add(dev.vigil.features.packet.Addresses.format(hi, lo)));
    long n = new PcapFileReader(f).read(p);
    p.flush();
    assertThat(n).isEqualTo(2000);
    assertThat(p.frames()).isEqualTo(2000);
    assertThat(p.parser().errorCount(ParseError.NONE)).isGreaterThan(1990);
    assertThat(hosts).contains("192.168.2.16");
  }

  @Test
  void read_failingSinkStopsTheReadAndSurfaces(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("t.pcap");
    List<PcapFiles.Frame> frames = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      frames.add(new PcapFiles.Frame(1_700_000_000_000_000L + i, new byte[60]));
    }
    PcapFiles.write(f, 256, frames);
    int[] calls = {0};
    assertThatThrownBy(
            () ->
                new PcapFileReader(f)
                    .read(
                        (frame, cap, wire, t) -> {
                          if (++calls[0] == 3) {
                            throw new IllegalArgumentException("boom");
                          }
                        }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("processing frame 3")
        .hasRootCauseMessage("boom");
    assertThat(calls[0]).isEqualTo(3);
  }

  @Test
  void read_missingFileIsAClearError() {
    assertThatThrownBy(
            () -> new PcapFileReader(Path.of("/nonexistent/x.pcap")).read((a, b, c, d) -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("/nonexistent/x.pcap")
        .hasMessageContaining("does not exist");
  }

  @Test
  void read_notACaptureIsAClearError(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("notes.pcap");
    Files.writeString(f, "this is not a capture file\n");
    assertThatThrownBy(() -> new PcapFileReader(f).read((a, b, c, d) -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot open capture file");
  }
}
