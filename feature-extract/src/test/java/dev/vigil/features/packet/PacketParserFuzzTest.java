package dev.vigil.features.packet;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes {@link PacketParser#parse} with arbitrary frames (Jazzer) and checks its contract: it
 * never throws, every call is counted under exactly one reason, and a frame that parses has every
 * field in range.
 *
 * <p>In a normal test run this is a regression test over the seeds in {@code
 * src/test/resources/dev/vigil/features/packet/PacketParserFuzzTestInputs/parse_arbitraryBytes}
 * (hand-built frames of every kind the parser decodes) and any crash inputs kept there. With the
 * environment variable {@code JAZZER_FUZZ=1} Jazzer fuzzes it for 60 s ({@code JAZZER_MAX_DURATION}
 * overrides); scripts/test does so after the build. Fuzzing grows a corpus in {@code
 * feature-extract/.cifuzz-corpus} (ignored by git) and writes an input that fails as {@code
 * crash-<sha1>} into the inputs folder above: commit it with the fix and it stays a regression
 * test.
 */
class PacketParserFuzzTest {
  private static final int ETHERTYPE_IPV4 = 0x0800;
  private static final int ETHERTYPE_IPV6 = 0x86dd;
  private static final int ETHERTYPE_ARP = 0x0806;
  private static final long TIMESTAMP = 1_700_000_000_000_000L;
  private static final List<Field> META_FIELDS =
      Arrays.stream(PacketMeta.class.getFields())
          .filter(f -> !Modifier.isStatic(f.getModifiers()))
          .toList();

  // Kept across executions while fuzzing (one instance per fuzz test), as on a capture thread.
  private final PacketParser parser = new PacketParser();
  private final PacketMeta meta = new PacketMeta();
  private final PacketParser framedParser = new PacketParser();
  private long calls;

  @FuzzTest(maxDuration = "60s")
  void parse_arbitraryBytes(byte[] frame) {
    ParseError e = parser.parse(frame, 0, frame.length, frame.length, TIMESTAMP, meta);
    calls++;

    assertThat(e).isNotNull();
    assertThat(parser.parsedCount()).isEqualTo(calls);
    long counted = 0;
    for (ParseError reason : ParseError.values()) {
      counted += parser.errorCount(reason);
    }
    assertThat(counted).as("counters over every reason, NONE included").isEqualTo(calls);
    assertThat(meta.timestampMicros).isEqualTo(TIMESTAMP);
    assertThat(meta.capturedLength).isEqualTo(frame.length);
    assertThat(meta.wireLength).isEqualTo(frame.length);
    assertThat(meta.vlanId).isBetween(-1, 0x0fff);
    assertThat(meta.srcMac >>> 48).isZero();
    assertThat(meta.dstMac >>> 48).isZero();
    if (e == ParseError.NONE) {
      checkDecoded();
    } else if (e == ParseError.UNSUPPORTED_ETHERTYPE) {
      assertThat(meta.etherType).isNotIn(ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_ARP);
      assertThat(meta.l3).isEqualTo(PacketMeta.L3_NONE);
    }

    // The same frame inside a larger buffer, with junk before and after the captured bytes, on a
    // fresh PacketMeta: same result, same fields. The parser reads only [offset, offset +
    // capturedLength), and clear() leaves nothing of the previous frame behind.
    byte[] framed = new byte[frame.length + 7];
    Arrays.fill(framed, (byte) 0xa5);
    System.arraycopy(frame, 0, framed, 3, frame.length);
    PacketMeta fresh = new PacketMeta();
    assertThat(framedParser.parse(framed, 3, frame.length, frame.length, TIMESTAMP, fresh))
        .isEqualTo(e);
    for (Field f : META_FIELDS) {
      try {
        Object expected = f.get(meta);
        if (f.getName().equals("payloadOffset") && meta.payloadOffset >= 0) {
          expected = meta.payloadOffset + 3; // an index into the buffer: moves with the frame
        }
        assertThat(f.get(fresh)).as("PacketMeta.%s", f.getName()).isEqualTo(expected);
      } catch (IllegalAccessException ex) {
        throw new AssertionError(ex);
      }
    }
  }

  /** Checks the ranges of a frame that parsed completely. */
  private void checkDecoded() {
    assertThat(meta.payloadEntropy).isBetween(0f, 8f);
    assertThat(meta.payloadCapturedLength).isBetween(0, meta.payloadLength);
    if (meta.payloadOffset >= 0) {
      assertThat(meta.payloadOffset + meta.payloadCapturedLength)
          .isLessThanOrEqualTo(meta.capturedLength);
    }
    assertThat(meta.etherType).isIn(ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_ARP);
    assertThat(meta.payloadLength).isBetween(0, 0xffff);
    if (meta.l3 == PacketMeta.L3_ARP) {
      assertThat(meta.etherType).isEqualTo(ETHERTYPE_ARP);
      assertThat(meta.protocol).as("ARP opcode").isBetween(0, 0xffff);
      assertThat(meta.srcPort).isEqualTo(-1);
      assertThat(meta.dstPort).isEqualTo(-1);
      return;
    }
    assertThat(meta.l3).isIn(PacketMeta.L3_IPV4, PacketMeta.L3_IPV6);
    assertThat(meta.l3 == PacketMeta.L3_IPV4).isEqualTo(meta.etherType == ETHERTYPE_IPV4);
    if (meta.l3 == PacketMeta.L3_IPV4) {
      assertThat(Addresses.isMappedIpv4(meta.srcHi, meta.srcLo)).isTrue();
      assertThat(Addresses.isMappedIpv4(meta.dstHi, meta.dstLo)).isTrue();
    }
    assertThat(meta.ttl).isBetween(0, 255);
    assertThat(meta.protocol).isBetween(0, 255);
    assertThat(meta.srcPort).isBetween(-1, 0xffff);
    assertThat(meta.dstPort).isBetween(-1, 0xffff);
    assertThat(meta.srcPort < 0).as("both ports or neither").isEqualTo(meta.dstPort < 0);
    boolean transport =
        meta.protocol == PacketMeta.PROTO_TCP
            || meta.protocol == PacketMeta.PROTO_UDP
            || meta.protocol == PacketMeta.PROTO_ICMP
            || meta.protocol == PacketMeta.PROTO_ICMPV6;
    assertThat(meta.srcPort >= 0)
        .as("ports exactly when a TCP, UDP or ICMP header was decoded (protocol %d)", meta.protocol)
        .isEqualTo(transport && !meta.fragment);
    if (meta.protocol == PacketMeta.PROTO_ICMP || meta.protocol == PacketMeta.PROTO_ICMPV6) {
      assertThat(meta.srcPort).as("ICMP type").isLessThanOrEqualTo(255);
      assertThat(meta.dstPort).as("ICMP code").isLessThanOrEqualTo(255);
    }
    assertThat(meta.tcpFlags).isBetween(0, 255);
    assertThat(meta.tcpWindow).isBetween(-1, 0xffff);
    assertThat(meta.tcpMss).isBetween(-1, 0xffff);
    assertThat(meta.tcpWindowScale).isBetween(-1, 255);
    if (meta.protocol != PacketMeta.PROTO_TCP || meta.fragment) {
      assertThat(meta.tcpWindow).isEqualTo(-1);
    }
    if (meta.protocol != PacketMeta.PROTO_TCP || meta.fragment) {
      assertThat(meta.tcpFlags).isZero();
    }
  }
}
