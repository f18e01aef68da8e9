package dev.vigil.features.packet;

import static dev.vigil.features.packet.Frames.udpFrame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** Payload entropy, through the parser and against a direct computation. */
class PayloadEntropyTest {
  private static final int UDP_PAYLOAD = 14 + 20 + 8;

  /** The textbook formula, with {@code Math.log} per distinct byte value. */
  static double reference(byte[] b, int from, int n) {
    if (n <= 0) {
      return 0;
    }
    int[] counts = new int[256];
    for (int i = from; i < from + n; i++) {
      counts[b[i] & 0xff]++;
    }
    double h = 0;
    for (int c : counts) {
      if (c > 0) {
        double q = (double) c / n;
        h -= q * Math.log(q) / Math.log(2);
      }
    }
    return h;
  }

  private static float parsedEntropy(PacketParser parser, byte[] payload) {
    PacketMeta m = new PacketMeta();
    byte[] f = udpFrame(40000, 9999, payload);
    assertThat(parser.parse(f, 0, f.length, f.length, 0, m)).isEqualTo(ParseError.NONE);
    return m.payloadEntropy;
  }

  @Test
  void entropy_allZeroPayloadIsZero() {
    assertThat(parsedEntropy(new PacketParser(), new byte[200])).isZero();
  }

  @Test
  void entropy_singleByteIsZero() {
    assertThat(parsedEntropy(new PacketParser(), new byte[] {42})).isZero();
  }

  @Test
  void entropy_256DistinctBytesIsEight() {
    byte[] all = new byte[256];
    for (int i = 0; i < 256; i++) {
      all[i] = (byte) i;
    }
    assertThat(parsedEntropy(new PacketParser(256), all)).isEqualTo(8f);
    // The default window sees the first 64 values, all distinct: log2(64).
    assertThat(parsedEntropy(new PacketParser(), all)).isEqualTo(6f);
  }

  @Test
  void entropy_twoValuesHalfAndHalfIsOne() {
    byte[] p = new byte[64];
    Arrays.fill(p, 32, 64, (byte) 0xff);
    assertThat(parsedEntropy(new PacketParser(), p)).isEqualTo(1f);
  }

  @Test
  void entropy_onlyTheFirstWindowBytesCount() {
    byte[] p = new byte[128];
    new Random(3).nextBytes(p);
    Arrays.fill(p, 0, 64, (byte) 7);
    assertThat(parsedEntropy(new PacketParser(64), p)).isZero();
    assertThat(parsedEntropy(new PacketParser(128), p))
        .isCloseTo((float) reference(p, 0, 128), within(1e-5f));
  }

  @Test
  void entropy_randomPayloadMatchesReference() {
    Random r = new Random(5);
    PacketParser parser = new PacketParser(1500);
    for (int i = 0; i < 500; i++) {
      byte[] p = new byte[1 + r.nextInt(1400)];
      r.nextBytes(p);
      if (r.nextBoolean()) { // skewed alphabets too, not only near-uniform noise
        for (int j = 0; j < p.length; j++) {
          p[j] = (byte) (p[j] & (1 << r.nextInt(8)) - 1);
        }
      }
      assertThat(parsedEntropy(parser, p))
          .isCloseTo((float) reference(p, 0, p.length), within(1e-5f));
    }
  }

  @Test
  void entropy_coversOnlyCapturedBytes() {
    byte[] p = new byte[100];
    new Random(9).nextBytes(p);
    Arrays.fill(p, 0, 10, (byte) 1);
    byte[] f = udpFrame(40000, 9999, p);
    PacketMeta m = new PacketMeta();
    new PacketParser().parse(f, 0, UDP_PAYLOAD + 10, f.length, 0, m);
    assertThat(m.payloadCapturedLength).isEqualTo(10);
    assertThat(m.payloadEntropy).isZero();
  }

  @Test
  void entropy_noPayloadIsZero() {
    PacketMeta m = new PacketMeta();
    byte[] f = udpFrame(40000, 9999, new byte[0]);
    new PacketParser().parse(f, 0, f.length, f.length, 0, m);
    assertThat(m.payloadEntropy).isZero();
    assertThat(m.payloadOffset).isEqualTo(UDP_PAYLOAD);
  }

  @Test
  void entropy_zeroWindowTurnsItOff() {
    byte[] p = new byte[64];
    new Random(1).nextBytes(p);
    assertThat(parsedEntropy(new PacketParser(0), p)).isZero();
  }

  @Test
  void constructor_entropyBytesOutOfRange() {
    assertThatThrownBy(() -> new PacketParser(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("entropyBytes must be between 0 and 65535, was -1");
    assertThatThrownBy(() -> new PacketParser(65_536))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entropyBytes");
  }

  /** The histogram is reset after each call: a result never depends on the call before. */
  @Property(tries = 300)
  void of_matchesReferenceWhateverCameBefore(
      @ForAll @Size(max = 300) byte[] before,
      @ForAll @Size(max = 300) byte[] bytes,
      @ForAll @IntRange(min = 1, max = 256) int window) {
    PayloadEntropy e = new PayloadEntropy(window);
    e.of(before, 0, before.length);
    int n = Math.min(bytes.length, window);
    assertThat((double) e.of(bytes, 0, bytes.length))
        .isCloseTo(reference(bytes, 0, n), within(1e-5));
  }
}
