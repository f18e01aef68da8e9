package dev.vigil.features.packet;

import static dev.vigil.features.packet.Frames.ascii;
import static dev.vigil.features.packet.Frames.concat;
import static dev.vigil.features.packet.Frames.of;
import static dev.vigil.features.packet.Frames.tcpFrame;
import static dev.vigil.features.packet.Frames.udpFrame;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Application hints decoded by {@link PacketParser} from hand-built frames. */
class AppHintsTest {
  private static final int ETH_IP_UDP = 14 + 20 + 8;
  private static final int ETH_IP_TCP = 14 + 20 + 20;

  private final PacketParser parser = new PacketParser();
  private final PacketMeta m = new PacketMeta();

  /** Parses a whole frame, which must parse without error whatever its payload. */
  private void parse(byte[] f) {
    parse(f, f.length);
  }

  /** Parses the first {@code captured} bytes of a frame (a snap length). */
  private void parse(byte[] f, int captured) {
    assertThat(parser.parse(f, 0, captured, f.length, 0, m)).isEqualTo(ParseError.NONE);
  }

  private void assertRejected(int app) {
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_NONE);
    assertThat(parser.appHintRejectedCount(app)).isEqualTo(1);
    assertThat(parser.appHintRejectedCount()).isEqualTo(1);
    assertThat(parser.appHintTruncatedCount()).isZero();
    assertThat(parser.errorCount(ParseError.NONE)).isEqualTo(parser.parsedCount());
    assertAllHintsAbsent();
  }

  private void assertTruncated() {
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_NONE);
    assertThat(parser.appHintTruncatedCount()).isEqualTo(1);
    assertThat(parser.appHintRejectedCount()).isZero();
    assertAllHintsAbsent();
  }

  private void assertAllHintsAbsent() {
    PacketMeta fresh = new PacketMeta();
    assertThat(m)
        .usingRecursiveComparison()
        .comparingOnlyFields(
            "appProtocol",
            "tlsContentType",
            "tlsHandshakeType",
            "dnsResponse",
            "dnsOpcode",
            "dnsRcode",
            "dnsQuestionCount",
            "dnsAnswerCount",
            "dnsQueryNameLength",
            "mqttType",
            "mqttRemainingLength",
            "mqttReturnCode",
            "mqttTopicLength",
            "mqttPublishes",
            "coapType",
            "coapCodeClass",
            "coapCodeDetail",
            "coapTokenLength",
            "httpMethod",
            "httpStatus")
        .isEqualTo(fresh);
  }

  // ---------------------------------------------------------------- DNS

  /** Encodes a dotted name as DNS labels. */
  private static byte[] dnsName(String name) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    if (!name.isEmpty()) {
      for (String label : name.split("\\.")) {
        o.write(label.length());
        o.writeBytes(ascii(label));
      }
    }
    o.write(0);
    return o.toByteArray();
  }

  private static byte[] dnsHeader(int flags, int qd, int an, int ns, int ar) {
    return of(0x12, 0x34, flags >>> 8, flags, 0, qd, 0, an, 0, ns, 0, ar);
  }

  private static byte[] dnsQuery(String name) {
    return concat(dnsHeader(0x0100, 1, 0, 0, 0), dnsName(name), of(0, 1, 0, 1));
  }

  @Test
  void dns_udpQuery() {
    parse(udpFrame(40000, 53, dnsQuery("example.com")));
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_DNS);
    assertThat(m.dnsResponse).isFalse();
    assertThat(m.dnsOpcode).isZero();
    assertThat(m.dnsRcode).isZero();
    assertThat(m.dnsQuestionCount).isEqualTo(1);
    assertThat(m.dnsAnswerCount).isZero();
    assertThat(m.dnsQueryNameLength).isEqualTo(11);
    assertThat(parser.appHintRejectedCount()).isZero();
  }

  @Test
  void dns_udpResponseNameError() {
    byte[] p = concat(dnsHeader(0x8183, 1, 0, 1, 0), dnsName("nx.example"), of(0, 1, 0, 1));
    p = concat(p, of(0xc0, 0x0f, 0, 6, 0, 1, 0, 0, 0, 60, 0, 0)); // SOA stub, rdlength 0
    parse(udpFrame(53, 40000, p));
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_DNS);
    assertThat(m.dnsResponse).isTrue();
    assertThat(m.dnsRcode).isEqualTo(3);
    assertThat(m.dnsQueryNameLength).isEqualTo(10);
  }

  @Test
  void dns_tcpQueryAfterLengthPrefix() {
    byte[] q = dnsQuery("a.bc");
    parse(tcpFrame(40000, 53, concat(of(0, q.length), q)));
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_DNS);
    assertThat(m.dnsQueryNameLength).isEqualTo(4);
  }

  @Test
  void dns_mdnsAnnouncementWithoutQuestion() {
    byte[] rr = concat(dnsName("x.local"), of(0, 1, 0x80, 1, 0, 0, 0, 120, 0, 4, 10, 0, 0, 1));
    parse(udpFrame(5353, 5353, concat(dnsHeader(0x8400, 0, 1, 0, 0), rr)));
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_DNS);
    assertThat(m.dnsQuestionCount).isZero();
    assertThat(m.dnsAnswerCount).isEqualTo(1);
    assertThat(m.dnsQueryNameLength).isEqualTo(-1);
  }

  @Test
  void dns_rootNameHasLengthZero() {
    parse(udpFrame(40000, 53, dnsQuery("")));
    assertThat(m.dnsQueryNameLength).isZero();
  }

  @Test
  void dns_nameCutBySnapLengthKeepsTheHeaderHints() {
    byte[] f = udpFrame(40000, 53, dnsQuery("averylongname.example.com"));
    parse(f, ETH_IP_UDP + 12 + 5);
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_DNS);
    assertThat(m.dnsQuestionCount).isEqualTo(1);
    assertThat(m.dnsQueryNameLength).isEqualTo(-1);
  }

  @Test
  void dns_headerCutBySnapLengthIsTruncatedNotRejected() {
    byte[] f = udpFrame(40000, 53, dnsQuery("example.com"));
    parse(f, ETH_IP_UDP + 11);
    assertTruncated();
  }

  @Test
  void dns_datagramShorterThanHeaderIsRejected() {
    parse(udpFrame(40000, 53, of(0x12, 0x34, 1, 0, 0, 1, 0, 0)));
    assertRejected(PacketMeta.APP_DNS);
  }

  @Test
  void dns_unassignedOpcodeIsRejected() {
    byte[] p = concat(dnsHeader(0x1800, 1, 0, 0, 0), dnsName("a.b"), of(0, 1, 0, 1)); // opcode 3
    parse(udpFrame(40000, 53, p));
    assertRejected(PacketMeta.APP_DNS);
  }

  @Test
  void dns_queryWithoutQuestionIsRejected() {
    parse(udpFrame(40000, 53, concat(dnsHeader(0x0100, 0, 0, 0, 0), of(0, 0, 0, 0, 0))));
    assertRejected(PacketMeta.APP_DNS);
  }

  @Test
  void dns_countsLargerThanTheMessageAreRejected() {
    byte[] p = concat(dnsHeader(0x8180, 1, 3, 0, 0), dnsName("a.b"), of(0, 1, 0, 1));
    parse(udpFrame(53, 40000, p)); // three answers promised, none present
    assertRejected(PacketMeta.APP_DNS);
  }

  @Test
  void dns_compressionPointerInFirstNameIsRejected() {
    byte[] p = concat(dnsHeader(0x0100, 1, 0, 0, 0), of(0xc0, 0x0c, 0, 1, 0, 1));
    parse(udpFrame(40000, 53, p));
    assertRejected(PacketMeta.APP_DNS);
  }

  @Test
  void dns_labelRunningPastTheMessageIsRejected() {
    byte[] p = concat(dnsHeader(0x0100, 1, 0, 0, 0), of(40, 'a', 'b', 'c', 0, 0, 1, 0, 1));
    parse(udpFrame(40000, 53, p));
    assertRejected(PacketMeta.APP_DNS);
  }

  @Test
  void dns_nameLongerThan255BytesIsRejected() {
    StringBuilder name = new StringBuilder("a");
    while (name.length() < 300) {
      name.append(".abcdefghij");
    }
    parse(udpFrame(40000, 53, dnsQuery(name.toString())));
    assertRejected(PacketMeta.APP_DNS);
  }

  @Test
  void dns_textOnPort53IsRejected() {
    parse(udpFrame(40000, 53, ascii("hello, this is not a DNS message")));
    assertRejected(PacketMeta.APP_DNS);
  }

  // ---------------------------------------------------------------- MQTT

  private static byte[] mqttConnect() {
    // MQTT 3.1.1 CONNECT, clean session, keep-alive 60, client id "abc"
    return of(0x10, 15, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, 0, 3, 'a', 'b', 'c');
  }

  @Test
  void mqtt_connect311() {
    parse(tcpFrame(40000, 1883, mqttConnect()));
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_MQTT);
    assertThat(m.mqttType).isEqualTo(1);
    assertThat(m.mqttRemainingLength).isEqualTo(15);
    assertThat(m.mqttReturnCode).isEqualTo(-1);
    assertThat(m.mqttTopicLength).isEqualTo(-1);
    assertThat(m.tlsContentType).isEqualTo(-1);
  }

  @Test
  void mqtt_connect31AndMqtt5() {
    parse(
        tcpFrame(
            40000,
            1883,
            of(0x10, 16, 0, 6, 'M', 'Q', 'I', 's', 'd', 'p', 3, 0x02, 0, 60, 0, 2, 'i', 'd')));
    assertThat(m.mqttType).isEqualTo(1);
    byte[] v5 = of(0x10, 16, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 60, 0, 0, 3, 'a', 'b', 'c');
    parse(tcpFrame(40000, 1883, v5));
    assertThat(m.mqttType).isEqualTo(1);
    assertThat(parser.appHintRejectedCount()).isZero();
  }

  @Test
  void mqtt_connectWithWrongProtocolNameOrLevelIsRejected() {
    byte[] p = mqttConnect();
    p[5] = 'X';
    parse(tcpFrame(40000, 1883, p));
    assertRejected(PacketMeta.APP_MQTT);
    p = mqttConnect();
    p[8] = 3; // level 3 belongs to "MQIsdp"
    parse(tcpFrame(40000, 1883, p));
    assertThat(parser.appHintRejectedCount(PacketMeta.APP_MQTT)).isEqualTo(2);
  }

  @Test
  void mqtt_connackReturnCodes() {
    parse(tcpFrame(1883, 40000, of(0x20, 2, 0, 0)));
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_MQTT);
    assertThat(m.mqttType).isEqualTo(2);
    assertThat(m.mqttReturnCode).isZero();
    parse(tcpFrame(1883, 40000, of(0x20, 2, 1, 5))); // session present, not authorised
    assertThat(m.mqttReturnCode).isEqualTo(5);
    parse(tcpFrame(1883, 40000, of(0x20, 3, 0, 0x87, 0))); // 5.0: Not authorized, no properties
    assertThat(m.mqttReturnCode).isEqualTo(0x87);
    assertThat(parser.appHintRejectedCount()).isZero();
  }

  @Test
  void mqtt_connackWithUnassignedCodeOrFlagsIsRejected() {
    parse(tcpFrame(1883, 40000, of(0x20, 2, 0, 6)));
    assertRejected(PacketMeta.APP_MQTT);
    parse(tcpFrame(1883, 40000, of(0x20, 2, 2, 0)));
    assertThat(parser.appHintRejectedCount(PacketMeta.APP_MQTT)).isEqualTo(2);
  }

  @Test
  void mqtt_publishTopicLength() {
    parse(tcpFrame(40000, 1883, of(0x30, 7, 0, 3, 'a', '/', 'b', 'h', 'i')));
    assertThat(m.mqttType).isEqualTo(3);
    assertThat(m.mqttTopicLength).isEqualTo(3);
    parse(tcpFrame(40000, 1883, of(0x32, 7, 0, 3, 'a', '/', 'b', 0, 1))); // QoS 1, packet id 1
    assertThat(m.mqttTopicLength).isEqualTo(3);
    assertThat(parser.appHintRejectedCount()).isZero();
  }

  /**
   * A client without TCP_NODELAY (mosquitto_pub) sends several PUBLISHes in one segment: each is
   * counted; a CONNECT followed by a PUBLISH counts one; a header cut by the snap length counts.
   */
  @Test
  void mqtt_publishesInOneSegmentAreCounted() {
    byte[] one = {0x30, 7, 0, 3, 'a', '/', 'b', 'h', 'i'};
    byte[] three = new byte[27];
    for (int i = 0; i < 3; i++) {
      System.arraycopy(one, 0, three, 9 * i, 9);
    }
    parse(tcpFrame(40000, 1883, three));
    assertThat(m.mqttType).isEqualTo(3);
    assertThat(m.mqttPublishes).isEqualTo(3);
    parse(tcpFrame(40000, 1883, of(0x30, 7, 0, 3, 'a', '/', 'b', 'h', 'i', 0x30, 7, 0)));
    assertThat(m.mqttPublishes).as("a second publish cut after its header").isEqualTo(2);
    // PINGREQ then PUBLISH: the first packet is the ping, one publish follows
    parse(tcpFrame(40000, 1883, of(0xc0, 0, 0x30, 7, 0, 3, 'a', '/', 'b', 'h', 'i')));
    assertThat(m.mqttType).isEqualTo(12);
    assertThat(m.mqttPublishes).isEqualTo(1);
    parse(tcpFrame(40000, 1883, of(0xc0, 0)));
    assertThat(m.mqttPublishes).isZero();
    assertThat(parser.appHintRejectedCount()).isZero();
  }

  /**
   * Past the snap length, the rest of a segment is counted as PUBLISHes of the first one's size: 6
   * of 9 bytes in 54 bytes on the wire, of which 12 were captured.
   */
  @Test
  void mqtt_publishesPastTheSnapLengthAreEstimatedByTheFirstOnesSize() {
    byte[] six = new byte[54];
    for (int i = 0; i < 6; i++) {
      System.arraycopy(new byte[] {0x30, 7, 0, 3, 'a', '/', 'b', 'h', 'i'}, 0, six, 9 * i, 9);
    }
    PacketMeta meta = new PacketMeta();
    assertThat(AppHints.decode(AppHints.SVC_MQTT, six, 0, 12, 54, meta)).isEqualTo(AppHints.OK);
    assertThat(meta.mqttPublishes).isEqualTo(6);
    meta = new PacketMeta();
    AppHints.decode(AppHints.SVC_MQTT, six, 0, 5, 54, meta); // the first not even whole
    assertThat(meta.mqttPublishes).isEqualTo(6);
    meta = new PacketMeta();
    AppHints.decode(AppHints.SVC_MQTT, six, 0, 54, 54, meta);
    assertThat(meta.mqttPublishes).isEqualTo(6);
    // a ping first: nothing is estimated from it
    byte[] ping = new byte[20];
    ping[0] = (byte) 0xc0;
    meta = new PacketMeta();
    AppHints.decode(AppHints.SVC_MQTT, ping, 0, 2, 20, meta);
    assertThat(meta.mqttPublishes).isZero();
  }

  @Test
  void mqtt_publishWithTopicLongerThanPacketOrQos3IsRejected() {
    parse(tcpFrame(40000, 1883, of(0x30, 4, 0, 3, 'a', '/')));
    assertRejected(PacketMeta.APP_MQTT);
    parse(tcpFrame(40000, 1883, of(0x36, 5, 0, 1, 'a', 0, 1)));
    assertThat(parser.appHintRejectedCount(PacketMeta.APP_MQTT)).isEqualTo(2);
  }

  @Test
  void mqtt_remainingLengthEncodingsAtEveryByteBoundary() {
    int[][] cases = {
      {0x7f, 127},
      {0x80, 0x01, 128},
      {0xff, 0x7f, 16_383},
      {0x80, 0x80, 0x01, 16_384},
      {0xff, 0xff, 0x7f, 2_097_151},
      {0x80, 0x80, 0x80, 0x01, 2_097_152},
      {0xff, 0xff, 0xff, 0x7f, 268_435_455},
    };
    for (int[] c : cases) {
      ByteArrayOutputStream o = new ByteArrayOutputStream();
      o.write(0x30);
      for (int i = 0; i < c.length - 1; i++) {
        o.write(c[i]);
      }
      o.writeBytes(of(0, 1, 't', 'x', 'y')); // the segment holds the start of a long PUBLISH
      parse(tcpFrame(40000, 1883, o.toByteArray()));
      int expected = c[c.length - 1];
      assertThat(m.mqttRemainingLength).as("remaining length %d", expected).isEqualTo(expected);
      assertThat(m.mqttTopicLength).isEqualTo(1);
    }
    assertThat(parser.appHintRejectedCount()).isZero();
  }

  @Test
  void mqtt_remainingLengthOfFiveBytesIsRejected() {
    parse(tcpFrame(40000, 1883, of(0x30, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 1, 't')));
    assertRejected(PacketMeta.APP_MQTT);
  }

  @Test
  void mqtt_remainingLengthNotMinimallyEncodedIsRejected() {
    parse(tcpFrame(40000, 1883, of(0xc0, 0x80, 0x00))); // PINGREQ, 0 in two bytes
    assertRejected(PacketMeta.APP_MQTT);
  }

  @Test
  void mqtt_remainingLengthCutBySnapLengthIsTruncated() {
    byte[] f = tcpFrame(40000, 1883, of(0x30, 0xff, 0xff, 0x01, 0, 1, 't', 'x'));
    parse(f, ETH_IP_TCP + 3);
    assertTruncated();
  }

  @Test
  void mqtt_segmentEndingInsideRemainingLengthIsRejected() {
    parse(tcpFrame(40000, 1883, of(0x30, 0xff, 0xff)));
    assertRejected(PacketMeta.APP_MQTT);
  }

  @Test
  void mqtt_onlyTheFirstPacketOfASegmentIsDecoded() {
    parse(tcpFrame(1883, 40000, of(0x40, 2, 0, 1, 0xd0, 0))); // PUBACK then PINGRESP
    assertThat(m.mqttType).isEqualTo(4);
    assertThat(m.mqttRemainingLength).isEqualTo(2);
  }

  @Test
  void mqtt_fixedHeaderFlagsAndLengthsPerType() {
    parse(tcpFrame(40000, 1883, of(0x82, 8, 0, 1, 0, 3, 'a', '/', 'b', 0))); // SUBSCRIBE
    assertThat(m.mqttType).isEqualTo(8);
    parse(tcpFrame(40000, 1883, of(0xc0, 0))); // PINGREQ
    assertThat(m.mqttType).isEqualTo(12);
    parse(tcpFrame(40000, 1883, of(0xe0, 0))); // DISCONNECT
    assertThat(m.mqttType).isEqualTo(14);
    assertThat(parser.appHintRejectedCount()).isZero();

    parse(tcpFrame(40000, 1883, of(0x80, 8, 0, 1, 0, 3, 'a', '/', 'b', 0))); // flags must be 2
    parse(tcpFrame(40000, 1883, of(0xc0, 1, 0))); // PINGREQ carries nothing
    parse(tcpFrame(40000, 1883, of(0x00, 0))); // type 0 is reserved
    parse(tcpFrame(40000, 1883, of(0x41, 2, 0, 1))); // PUBACK flags must be 0
    parse(tcpFrame(40000, 1883, of(0x90, 2, 0, 1))); // SUBACK needs a return code
    assertThat(parser.appHintRejectedCount(PacketMeta.APP_MQTT)).isEqualTo(5);
  }

  @Test
  void mqtt_httpOnTheMqttPortIsRejected() {
    parse(tcpFrame(40000, 1883, ascii("GET / HTTP/1.1\r\nHost: broker\r\n\r\n")));
    assertRejected(PacketMeta.APP_MQTT);
  }

  private static byte[] tlsClientHelloStart() {
    return of(0x16, 3, 1, 0, 0xc8, 0x01, 0, 0, 0xc4, 3, 3, 0x5a, 0x5b, 0x5c);
  }

  @Test
  void mqtt_port8883IsMarkedFromTheTlsRecord() {
    parse(tcpFrame(40000, 8883, tlsClientHelloStart()));
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_MQTT);
    assertThat(m.tlsContentType).isEqualTo(22);
    assertThat(m.tlsHandshakeType).isEqualTo(1);
    assertThat(m.mqttType).isEqualTo(-1);
    parse(tcpFrame(8883, 40000, of(0x17, 3, 3, 0, 40, 0xde, 0xad)));
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_MQTT);
    assertThat(m.tlsContentType).isEqualTo(23);
    assertThat(m.tlsHandshakeType).isEqualTo(-1);
  }

  @Test
  void mqtt_plainMqttOnTheTlsPortIsRejected() {
    parse(tcpFrame(40000, 8883, mqttConnect()));
    assertRejected(PacketMeta.APP_MQTT);
  }

  // ---------------------------------------------------------------- CoAP

  @Test
  void coap_confirmableGetWithToken() {
    parse(udpFrame(40000, 5683, of(0x44, 0x01, 0x12, 0x34, 1, 2, 3, 4, 0xb4, 't', 'e', 'm', 'p')));
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_COAP);
    assertThat(m.coapType).isZero();
    assertThat(m.coapCodeClass).isZero();
    assertThat(m.coapCodeDetail).isEqualTo(1);
    assertThat(m.coapTokenLength).isEqualTo(4);
  }

  @Test
  void coap_emptyAckAndPiggybackedContent() {
    parse(udpFrame(5683, 40000, of(0x60, 0x00, 0x12, 0x34)));
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_COAP);
    assertThat(m.coapType).isEqualTo(2);
    assertThat(m.coapCodeClass).isZero();
    assertThat(m.coapCodeDetail).isZero();
    parse(udpFrame(5683, 40000, of(0x62, 0x45, 0x12, 0x34, 9, 9, 0xff, '2', '1')));
    assertThat(m.coapType).isEqualTo(2);
    assertThat(m.coapCodeClass).isEqualTo(2);
    assertThat(m.coapCodeDetail).isEqualTo(5);
    assertThat(m.coapTokenLength).isEqualTo(2);
    parse(udpFrame(5683, 40000, of(0x70, 0x00, 0x12, 0x34))); // Reset
    assertThat(m.coapType).isEqualTo(3);
    assertThat(parser.appHintRejectedCount()).isZero();
  }

  @Test
  void coap_malformedHeadersAreRejected() {
    byte[][] bad = {
      of(0x84, 0x01, 0, 1, 1, 2, 3, 4), // version 2
      of(0x49, 0x01, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9), // token length 9
      of(0x44, 0x01, 0, 1, 1, 2), // token longer than the datagram
      of(0x40, 0x21, 0, 1), // code class 1 is reserved
      of(0x40, 0xe1, 0, 1), // class 7: signalling, CoAP over TCP only
      of(0x41, 0x00, 0, 1, 7), // Empty with a token
      of(0x40, 0x00, 0, 1, 0xff, 1), // Empty with bytes after it
      of(0x70, 0x45, 0, 1), // Reset that is not Empty
      of(0x60, 0x01, 0, 1), // Acknowledgement carrying a request
      of(0x40, 0x01, 0, 1, 0xff), // payload marker without payload
      of(0x40, 0x01, 0, 1, 0xf1, 'x'), // option delta nibble 15
    };
    for (byte[] p : bad) {
      parse(udpFrame(40000, 5683, p));
      assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_NONE);
    }
    assertThat(parser.appHintRejectedCount(PacketMeta.APP_COAP)).isEqualTo(bad.length);
  }

  @Test
  void coap_headerCutBySnapLengthIsTruncated() {
    byte[] f = udpFrame(40000, 5683, of(0x44, 0x01, 0x12, 0x34, 1, 2, 3, 4));
    parse(f, ETH_IP_UDP + 3);
    assertTruncated();
  }

  @Test
  void coap_port5684IsMarkedFromTheDtlsRecord() {
    byte[] hello = of(0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x01, 0, 0, 0x34);
    parse(udpFrame(40000, 5684, hello));
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_COAP);
    assertThat(m.tlsContentType).isEqualTo(22);
    assertThat(m.tlsHandshakeType).isEqualTo(1);
    assertThat(m.coapType).isEqualTo(-1);
    parse(udpFrame(40000, 5684, of(0x44, 0x01, 0x12, 0x34, 1, 2, 3, 4, 0, 0, 0, 0, 0)));
    assertRejected(PacketMeta.APP_COAP); // plain CoAP is not DTLS
  }

  // ---------------------------------------------------------------- HTTP

  @Test
  void http_everyMethod() {
    String[] methods = {"GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH", "CONNECT"};
    for (int i = 0; i < methods.length; i++) {
      parse(tcpFrame(40000, 80, ascii(methods[i] + " /x HTTP/1.1\r\nHost: h\r\n\r\n")));
      assertThat(m.appProtocol).as(methods[i]).isEqualTo(PacketMeta.APP_HTTP);
      assertThat(m.httpMethod).as(methods[i]).isEqualTo(i + 1);
      assertThat(m.httpStatus).isEqualTo(-1);
    }
    parse(tcpFrame(40000, 8080, ascii("TRACE * HTTP/1.1\r\n")));
    assertThat(m.httpMethod).isEqualTo(PacketMeta.HTTP_TRACE);
    parse(tcpFrame(40000, 8000, ascii("GET http://h/ HTTP/1.0\r\n")));
    assertThat(m.httpMethod).isEqualTo(PacketMeta.HTTP_GET);
    assertThat(parser.appHintRejectedCount()).isZero();
  }

  @Test
  void http_responseStatus() {
    parse(tcpFrame(80, 40000, ascii("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")));
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_HTTP);
    assertThat(m.httpStatus).isEqualTo(404);
    assertThat(m.httpMethod).isEqualTo(-1);
    parse(tcpFrame(8080, 40000, ascii("HTTP/1.0 200\r\n\r\n"))); // empty reason phrase
    assertThat(m.httpStatus).isEqualTo(200);
    assertThat(parser.appHintRejectedCount()).isZero();
  }

  @Test
  void http_malformedStartLinesAreRejected() {
    String[] bad = {
      "get / HTTP/1.1\r\n", // methods are case-sensitive
      "GET  / HTTP/1.1\r\n", // two spaces
      "FETCH / HTTP/1.1\r\n", // not a method we know
      "HTTP/2.0 200 OK\r\n",
      "HTTP/1.1 700 Odd\r\n",
      "HTTP/1.1 20x OK\r\n",
      "HTTP/1.1 200OK\r\n",
      "{\"continuation\": \"of a body\"}",
    };
    for (String s : bad) {
      parse(tcpFrame(80, 40000, ascii(s)));
      assertThat(m.appProtocol).as(s).isEqualTo(PacketMeta.APP_NONE);
    }
    parse(tcpFrame(80, 40000, of(0x16, 3, 1, 0, 5, 1, 0, 0, 1, 3)));
    assertThat(parser.appHintRejectedCount(PacketMeta.APP_HTTP)).isEqualTo(bad.length + 1);
  }

  @Test
  void http_startLineCutBySnapLengthIsTruncated() {
    byte[] f = tcpFrame(40000, 80, ascii("GET /index.html HTTP/1.1\r\n"));
    parse(f, ETH_IP_TCP + 2);
    assertTruncated();
  }

  @Test
  void http_tooShortSegmentIsRejected() {
    parse(tcpFrame(40000, 80, ascii("GET")));
    assertRejected(PacketMeta.APP_HTTP);
  }

  // ---------------------------------------------------------------- TLS

  @Test
  void tls_clientHelloAndApplicationData() {
    parse(tcpFrame(40000, 443, tlsClientHelloStart()));
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_TLS);
    assertThat(m.tlsContentType).isEqualTo(22);
    assertThat(m.tlsHandshakeType).isEqualTo(1);
    parse(tcpFrame(443, 40000, of(0x17, 3, 3, 0x01, 0x00, 0x8f)));
    assertThat(m.tlsContentType).isEqualTo(23);
    assertThat(m.tlsHandshakeType).isEqualTo(-1);
    assertThat(parser.appHintRejectedCount()).isZero();
  }

  @Test
  void tls_recordsWithBadHeadersAreRejected() {
    parse(tcpFrame(40000, 8443, of(0x19, 3, 3, 0, 5, 0))); // content type 25
    parse(tcpFrame(40000, 443, of(0x16, 2, 0, 0, 5, 0))); // version 2.0
    parse(tcpFrame(40000, 443, of(0x17, 3, 3, 0xff, 0xff, 0))); // record too long
    parse(tcpFrame(40000, 443, of(0x17, 3, 3, 0, 0))); // empty record
    assertThat(parser.appHintRejectedCount(PacketMeta.APP_TLS)).isEqualTo(4);
  }

  // ---------------------------------------------------------------- choosing and resetting

  @Test
  void hints_theLowerHintedPortPicksTheProtocol() {
    parse(udpFrame(5683, 53, dnsQuery("a.b")));
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_DNS);
    parse(tcpFrame(8080, 1883, mqttConnect()));
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_MQTT);
  }

  @Test
  void hints_needAHintedPortOnTheRightTransport() {
    parse(udpFrame(40000, 9999, dnsQuery("a.b")));
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_NONE);
    parse(udpFrame(40000, 80, ascii("GET / HTTP/1.1\r\n")));
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_NONE);
    parse(tcpFrame(40000, 5683, of(0x40, 0x01, 0, 1)));
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_NONE);
    assertThat(parser.appHintRejectedCount()).isZero();
    assertThat(parser.appHintTruncatedCount()).isZero();
  }

  @Test
  void hints_emptyPayloadIsNotAnAttempt() {
    parse(tcpFrame(40000, 1883, new byte[0]));
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_NONE);
    assertThat(parser.appHintRejectedCount()).isZero();
    assertThat(parser.appHintTruncatedCount()).isZero();
  }

  @Test
  void hints_areResetForTheNextPacket() {
    parse(tcpFrame(1883, 40000, of(0x20, 2, 0, 0)));
    assertThat(m.mqttReturnCode).isZero();
    parse(udpFrame(40000, 53, dnsQuery("example.com")));
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_DNS);
    assertThat(m.mqttType).isEqualTo(-1);
    assertThat(m.mqttReturnCode).isEqualTo(-1);
    byte[] arp =
        Frames.ethernet(0xffff_ffff_ffffL, Frames.MAC_A).u16(0x0806).u16(1).zeros(26).bytes();
    parse(arp);
    assertAllHintsAbsent();
    assertThat(m.payloadOffset).isEqualTo(-1);
  }

  @Test
  void payload_offsetAndCapturedLengthExcludePadding() {
    byte[] f = Frames.concat(udpFrame(40000, 5683, of(0x60, 0, 0, 1)), new byte[18]); // padded
    parse(f);
    assertThat(m.payloadOffset).isEqualTo(ETH_IP_UDP);
    assertThat(m.payloadLength).isEqualTo(4);
    assertThat(m.payloadCapturedLength).isEqualTo(4);
    assertThat(m.appProtocol).isEqualTo(PacketMeta.APP_COAP);
    byte[] g = tcpFrame(40000, 80, ascii("GET /index.html HTTP/1.1\r\n"));
    parse(g, ETH_IP_TCP + 10);
    assertThat(m.payloadOffset).isEqualTo(ETH_IP_TCP);
    assertThat(m.payloadCapturedLength).isEqualTo(10);
    assertThat(m.payloadLength).isEqualTo(26);
  }

  @Test
  void hints_randomPayloadsOnHintedPortsNeverThrowAndAreAllAccounted() {
    int[] udpPorts = {53, 5353, 5683, 5684};
    int[] tcpPorts = {53, 1883, 8883, 80, 8000, 8080, 443, 8443};
    Random r = new Random(11);
    long recognised = 0;
    int attempts = 100_000;
    for (int i = 0; i < attempts; i++) {
      byte[] payload = new byte[1 + r.nextInt(80)];
      r.nextBytes(payload);
      if (r.nextBoolean()) {
        payload[0] = (byte) (r.nextInt(16) << 4 | r.nextInt(3)); // MQTT/CoAP-looking first byte
      }
      boolean udp = r.nextBoolean();
      int port = udp ? udpPorts[r.nextInt(4)] : tcpPorts[r.nextInt(8)];
      byte[] f = udp ? udpFrame(40000, port, payload) : tcpFrame(port, 40000, payload);
      int headers = udp ? ETH_IP_UDP : ETH_IP_TCP;
      parse(f, headers + r.nextInt(payload.length + 1));
      if (m.appProtocol != PacketMeta.APP_NONE) {
        recognised++;
      }
    }
    assertThat(recognised + parser.appHintRejectedCount() + parser.appHintTruncatedCount())
        .isEqualTo(attempts);
    assertThat(parser.errorCount(ParseError.NONE)).isEqualTo(attempts);
  }
}
