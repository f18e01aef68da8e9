package dev.vigil.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.features.capture.PcapFileReader;
import dev.vigil.testsupport.PcapFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapConcatTest {
  @TempDir Path dir;

  private static byte[] frame(int i) {
    byte[] b = new byte[60];
    b[12] = 0x08; // IPv4 ethertype, body left zero: the copy is byte for byte whatever it holds
    b[59] = (byte) i;
    return b;
  }

  @Test
  void repeatsTheCapturesInPathOrderWithTimeMovingForwardUntilTheCount() throws Exception {
    Path in = Files.createDirectories(dir.resolve("in/sub"));
    // b.pcap is out of order inside (a frame earlier than the one before it).
    PcapFiles.write(
        in.resolve("b.pcap"),
        65535,
        List.of(
            new PcapFiles.Frame(5_000_000, frame(1)),
            new PcapFiles.Frame(4_000_000, frame(2)),
            new PcapFiles.Frame(6_000_000, frame(3), 1500)));
    PcapFiles.write(
        dir.resolve("in/a.pcap"), 65535, List.of(new PcapFiles.Frame(9_000_000, frame(4))));
    // A Linux cooked capture (link type 113): skipped and named.
    ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    h.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0);
    h.putInt(65535).putInt(113);
    Files.write(in.resolve("cooked.pcap"), h.array());
    Files.writeString(dir.resolve("in/notes.txt"), "not a capture");

    Path out = dir.resolve("big.pcap");
    StringWriter log = new StringWriter();
    PcapConcat.Result r =
        PcapConcat.concat(out, 10, List.of(dir.resolve("in")), new PrintWriter(log, true));

    assertThat(r.inputs()).containsExactly(dir.resolve("in/a.pcap"), in.resolve("b.pcap"));
    assertThat(r.skipped()).singleElement().asString().contains("cooked.pcap", "link type 113");
    assertThat(log.toString()).contains("skipped", "cooked.pcap");
    assertThat(r.rounds()).isEqualTo(3); // 4 frames a round: 12 >= 10
    assertThat(r.packets()).isEqualTo(12);

    List<long[]> read = new ArrayList<>();
    long n =
        new PcapFileReader(out)
            .read((f, cap, wire, ts) -> read.add(new long[] {f[59], cap, wire, ts}));
    assertThat(n).isEqualTo(12);
    long[] order = read.stream().mapToLong(x -> x[0]).toArray();
    assertThat(order).containsExactly(4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3);
    assertThat(read.get(3)[1]).isEqualTo(60);
    assertThat(read.get(3)[2]).isEqualTo(1500);
    assertThat(read.get(0)[3]).isEqualTo(9_000_000);
    assertThat(read.get(1)[3]).isEqualTo(9_001_000); // 1 ms after the previous capture's end
    assertThat(read.get(2)[3]).isEqualTo(9_001_000); // earlier than the one before: held at it
    assertThat(read.get(3)[3]).isEqualTo(10_001_000); // 1 s after its first: spacing kept
    for (int i = 1; i < read.size(); i++) {
      assertThat(read.get(i)[3]).isGreaterThanOrEqualTo(read.get(i - 1)[3]);
    }
    assertThat(r.firstMicros()).isEqualTo(9_000_000);
    assertThat(r.lastMicros()).isEqualTo(read.get(11)[3]);
    assertThat(Files.exists(dir.resolve("big.pcap.part"))).isFalse();
  }
}
