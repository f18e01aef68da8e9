package dev.vigil.features.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes {@link PayloadDecoder#decode} with arbitrary payloads (Jazzer) and checks its contract: it
 * never throws, every message gives a reading or is counted under a reason, and every reading is
 * finite and named.
 *
 * <p>In a normal test run this is a regression test over the seeds in {@code
 * src/test/resources/dev/vigil/features/telemetry/PayloadDecoderFuzzTestInputs/decode_arbitraryBytes}
 * (the first byte picks the topic, the rest is the payload). {@code JAZZER_FUZZ=1} fuzzes it, as
 * for {@code PacketParserFuzzTest}; scripts/test's bounded pass fuzzes both its targets.
 */
class PayloadDecoderFuzzTest {
  private static final String[] TOPICS = {
    "sensors/dev/temp", "devices/dev/telemetry", "nodevice/src", "edgex/events/device/s/p/dev/r"
  };
  private final PayloadDecoder decoder =
      new PayloadDecoder(PayloadDecoderTest.TEMPLATES, DecoderOptions.defaults().withMaxDepth(6));
  private final List<Reading> out = new ArrayList<>();
  private long calls;

  @FuzzTest(maxDuration = "60s")
  void decode_arbitraryBytes(byte[] data) {
    String topic = data.length == 0 ? "sensors/dev/temp" : TOPICS[(data[0] & 0xff) % TOPICS.length];
    byte[] payload = data.length == 0 ? data : Arrays.copyOfRange(data, 1, data.length);
    long badBefore = decoder.bad().total();
    out.clear();
    int n = decoder.decode(topic, payload, 1_700_000_000_000L, out::add);
    calls++;
    assertThat(n).isEqualTo(out.size());
    assertThat(decoder.messages()).isEqualTo(calls);
    assertThat(n > 0 || decoder.bad().total() > badBefore).as("accounted for").isTrue();
    for (Reading r : out) {
      assertThat(Double.isFinite(r.value())).isTrue();
      assertThat(r.device()).isNotBlank();
    }
  }

  private final PayloadDecoder same =
      new PayloadDecoder(PayloadDecoderTest.TEMPLATES, DecoderOptions.defaults().withMaxDepth(6));
  private final LegacyPayloadDecoder tree =
      new LegacyPayloadDecoder(
          PayloadDecoderTest.TEMPLATES, DecoderOptions.defaults().withMaxDepth(6));

  /**
   * The decoder against {@link LegacyPayloadDecoder}, the tree-only decoder its streaming path
   * replaced: the same readings and the same counts on every input (seeds in {@code
   * .../PayloadDecoderFuzzTestInputs/decode_sameAsTreeDecoder}). Payloads with a 0xff byte are
   * decoded but not compared: whether a name holding one parses depends on the parser's history.
   */
  @FuzzTest(maxDuration = "60s")
  void decode_sameAsTreeDecoder(byte[] data) {
    String topic = data.length == 0 ? "sensors/dev/temp" : TOPICS[(data[0] & 0xff) % TOPICS.length];
    byte[] payload = data.length == 0 ? data : Arrays.copyOfRange(data, 1, data.length);
    List<Reading> a = new ArrayList<>();
    List<Reading> b = new ArrayList<>();
    long[] badA = counts(same.bad());
    long[] badB = counts(tree.bad());
    int na = same.decode(topic, payload, 1_700_000_000_000L, a::add);
    int nb = tree.decode(topic, payload, 1_700_000_000_000L, b::add);
    for (byte x : payload) {
      if (x == (byte) 0xff) {
        return;
      }
    }
    assertThat(a).isEqualTo(b);
    assertThat(na).isEqualTo(nb);
    long[] afterA = counts(same.bad());
    long[] afterB = counts(tree.bad());
    for (int i = 0; i < afterA.length; i++) { // this message's counts (earlier 0xff ones differ)
      assertThat(afterA[i] - badA[i])
          .as(BadPayload.values()[i].name())
          .isEqualTo(afterB[i] - badB[i]);
    }
  }

  private static long[] counts(BadPayloadCounts c) {
    BadPayload[] reasons = BadPayload.values();
    long[] n = new long[reasons.length];
    for (int i = 0; i < n.length; i++) {
      n[i] = c.get(reasons[i]);
    }
    return n;
  }
}
