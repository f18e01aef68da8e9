package dev.vigil.features.packet;

import java.nio.charset.StandardCharsets;

/**
 * Recognises the application protocol of a TCP or UDP payload from its ports and first bytes, and
 * fills the hint fields of a {@link PacketMeta}, without allocating.
 *
 * <p>The port picks one candidate service (the lower of the two ports that names one, since the
 * service port is usually the lower); the first payload bytes must then pass that protocol's sanity
 * checks. Only the start of the payload is read: a TCP segment that continues a longer message (an
 * HTTP body, the rest of a TLS record) does not start with a header and is rejected like garbage.
 * Only the first message of a segment is decoded.
 *
 * <p>Stateless; the methods touch only the {@link PacketMeta} they are given.
 */
final class AppHints {
  /** The payload was recognised; {@link PacketMeta#appProtocol} is set. */
  static final int OK = 0;

  /** The payload fails the candidate protocol's checks (garbage, or a continuation segment). */
  static final int REJECTED = 1;

  /** The bytes the checks need are on the wire but were not captured (snap length). */
  static final int TRUNCATED = 2;

  /** Candidate services, finer than {@code APP_*}: they say how to read the first bytes. */
  static final int SVC_NONE = 0;

  static final int SVC_DNS_UDP = 1;
  static final int SVC_DNS_TCP = 2;
  static final int SVC_MQTT = 3;
  static final int SVC_MQTT_TLS = 4;
  static final int SVC_COAP = 5;
  static final int SVC_COAP_DTLS = 6;
  static final int SVC_HTTP = 7;
  static final int SVC_TLS = 8;

  /** Largest TLS/DTLS record payload: 2^14 plus the expansion a cipher may add. */
  private static final int MAX_RECORD = 16384 + 2048;

  /** Request methods, each with its trailing space; index + 1 is the {@code HTTP_*} code. */
  private static final byte[][] HTTP_METHODS = {
    ascii("GET "),
    ascii("POST "),
    ascii("PUT "),
    ascii("HEAD "),
    ascii("DELETE "),
    ascii("OPTIONS "),
    ascii("PATCH "),
    ascii("CONNECT "),
    ascii("TRACE "),
  };

  private static final byte[] HTTP_VERSION = ascii("HTTP/1.");
  private static final byte[] MQTT_NAME = ascii("MQTT");
  private static final byte[] MQISDP_NAME = ascii("MQIsdp");

  private AppHints() {}

  /**
   * Returns the service to try for this transport and these ports, one of {@code SVC_*}: the lower
   * port that names one wins.
   */
  static int service(int protocol, int srcPort, int dstPort) {
    int s = portService(protocol, Math.min(srcPort, dstPort));
    return s != SVC_NONE ? s : portService(protocol, Math.max(srcPort, dstPort));
  }

  /** Returns the {@code APP_*} value a service is reported as. */
  static int appProtocol(int service) {
    switch (service) {
      case SVC_DNS_UDP:
      case SVC_DNS_TCP:
        return PacketMeta.APP_DNS;
      case SVC_MQTT:
      case SVC_MQTT_TLS:
        return PacketMeta.APP_MQTT;
      case SVC_COAP:
      case SVC_COAP_DTLS:
        return PacketMeta.APP_COAP;
      case SVC_HTTP:
        return PacketMeta.APP_HTTP;
      case SVC_TLS:
        return PacketMeta.APP_TLS;
      default:
        return PacketMeta.APP_NONE;
    }
  }

  /**
   * Decodes the payload as {@code service} and returns {@link #OK}, {@link #REJECTED} or {@link
   * #TRUNCATED}; on anything but OK every hint field is left absent.
   *
   * @param p where the payload starts in {@code b}
   * @param n payload bytes captured from {@code p}
   * @param len payload length on the wire, at least {@code n}
   */
  static int decode(int service, byte[] b, int p, int n, int len, PacketMeta m) {
    int r;
    switch (service) {
      case SVC_DNS_UDP:
        r = dns(b, p, n, len, false, m);
        break;
      case SVC_DNS_TCP:
        r = dns(b, p, n, len, true, m);
        break;
      case SVC_MQTT:
        r = mqtt(b, p, n, len, m);
        break;
      case SVC_COAP:
        r = coap(b, p, n, len, m);
        break;
      case SVC_HTTP:
        r = http(b, p, n, len, m);
        break;
      case SVC_MQTT_TLS:
      case SVC_TLS:
        r = tls(b, p, n, len, m);
        break;
      case SVC_COAP_DTLS:
        r = dtls(b, p, n, len, m);
        break;
      default:
        r = REJECTED;
    }
    if (r == OK) {
      m.appProtocol = appProtocol(service);
    } else {
      m.clearAppHints();
    }
    return r;
  }

  private static int portService(int protocol, int port) {
    if (protocol == PacketMeta.PROTO_UDP) {
      switch (port) {
        case 53:
        case 5353:
          return SVC_DNS_UDP;
        case 5683:
          return SVC_COAP;
        case 5684:
          return SVC_COAP_DTLS;
        default:
          return SVC_NONE;
      }
    }
    if (protocol == PacketMeta.PROTO_TCP) {
      switch (port) {
        case 53:
          return SVC_DNS_TCP;
        case 1883:
          return SVC_MQTT;
        case 8883:
          return SVC_MQTT_TLS;
        case 80:
        case 8000:
        case 8080:
          return SVC_HTTP;
        case 443:
        case 8443:
          return SVC_TLS;
        default:
          return SVC_NONE;
      }
    }
    return SVC_NONE;
  }

  /**
   * Returns whether {@code k} payload bytes can be read: OK when captured, TRUNCATED when on the
   * wire but not captured, REJECTED when the payload is shorter than that.
   */
  private static int need(int k, int n, int len) {
    return k <= n ? OK : k <= len ? TRUNCATED : REJECTED;
  }

  /**
   * DNS (RFC 1035; over TCP with the 2-byte length prefix). Checks: a 12-byte header, an opcode in
   * use (query, notify, update, DSO), a query asks at least one question (DSO aside), the counts
   * fit the message length (a question takes at least 5 bytes, a record 11), and the first question
   * name is well formed (uncompressed labels of at most 63 bytes, at most 255 bytes, room left for
   * type and class).
   */
  private static int dns(byte[] b, int p, int n, int len, boolean tcp, PacketMeta m) {
    int msgLen = len;
    if (tcp) {
      int r = need(2, n, len);
      if (r != OK) {
        return r;
      }
      msgLen = u16(b, p);
      p += 2;
      n -= 2;
      len -= 2;
    }
    int r = need(12, n, len);
    if (r != OK) {
      return r;
    }
    int flags = u16(b, p + 2);
    int opcode = (flags >>> 11) & 0x0f;
    boolean response = (flags & 0x8000) != 0;
    int qd = u16(b, p + 4);
    int an = u16(b, p + 6);
    int records = an + u16(b, p + 8) + u16(b, p + 10);
    if (opcode != 0 && opcode != 4 && opcode != 5 && opcode != 6) {
      return REJECTED;
    }
    if (!response && qd == 0 && opcode != 6) {
      return REJECTED;
    }
    if (12 + 5L * qd + 11L * records > msgLen) {
      return REJECTED;
    }
    int nameLength = -1;
    if (qd > 0) {
      int msgEnd = p + msgLen;
      int capEnd = p + n;
      int q = p + 12;
      int wire = 0;
      int text = 0;
      while (true) {
        if (q + 5 > msgEnd) {
          return REJECTED; // the name leaves no room for its terminator, type and class
        }
        if (q >= capEnd) {
          break; // not captured (or, over TCP, in the next segment): length unknown
        }
        int label = u8(b, q);
        if (label == 0) {
          nameLength = text;
          break;
        }
        if ((label & 0xc0) != 0) {
          return REJECTED; // a pointer or extended label type cannot start the first name
        }
        wire += label + 1;
        if (wire > 254) {
          return REJECTED;
        }
        text += text == 0 ? label : label + 1;
        q += label + 1;
      }
    }
    m.dnsResponse = response;
    m.dnsOpcode = opcode;
    m.dnsRcode = flags & 0x0f;
    m.dnsQuestionCount = qd;
    m.dnsAnswerCount = an;
    m.dnsQueryNameLength = nameLength;
    return OK;
  }

  /**
   * MQTT 3.1, 3.1.1 and 5.0 fixed header. Checks: a packet type (0 is reserved), the flag bits each
   * type requires, a remaining length of at most 4 bytes in minimal encoding and at least what the
   * type needs; for CONNECT the protocol name and level, for CONNACK the flags and return code, for
   * PUBLISH that the topic fits.
   */
  private static int mqtt(byte[] b, int p, int n, int len, PacketMeta m) {
    int r = need(2, n, len);
    if (r != OK) {
      return r;
    }
    int first = u8(b, p);
    int type = first >>> 4;
    int flags = first & 0x0f;
    if (type == 0) {
      return REJECTED;
    }
    if (type == 6 || type == 8 || type == 10) { // PUBREL, SUBSCRIBE, UNSUBSCRIBE
      if (flags != 0x02) {
        return REJECTED;
      }
    } else if (type == 3) { // PUBLISH: DUP, QoS, RETAIN; QoS 3 is malformed
      if ((flags & 0x06) == 0x06) {
        return REJECTED;
      }
    } else if (flags != 0) {
      return REJECTED;
    }
    int remaining = 0;
    int digits = 0;
    while (true) {
      r = need(2 + digits, n, len);
      if (r != OK) {
        return r;
      }
      int d = u8(b, p + 1 + digits);
      if (digits > 0 && d == 0) {
        return REJECTED; // a trailing zero digit: not the minimal encoding
      }
      remaining |= (d & 0x7f) << (7 * digits);
      digits++;
      if ((d & 0x80) == 0) {
        break;
      }
      if (digits == 4) {
        return REJECTED; // a fifth length byte: over 268,435,455
      }
    }
    int h = p + 1 + digits; // the variable header
    int k = 1 + digits; // bytes before it
    switch (type) {
      case 1: // CONNECT: protocol name, level, flags, keep-alive, then at least a client id length
        {
          r = need(k + 2, n, len);
          if (r != OK) {
            return r;
          }
          int nameLength = u16(b, h);
          if ((nameLength != 4 && nameLength != 6) || remaining < nameLength + 8) {
            return REJECTED;
          }
          r = need(k + 2 + nameLength + 1, n, len);
          if (r != OK) {
            return r;
          }
          int level = u8(b, h + 2 + nameLength) & 0x7f; // 0x80: bridge flag (Mosquitto)
          boolean ok =
              nameLength == 4
                  ? equal(b, h + 2, MQTT_NAME) && (level == 4 || level == 5)
                  : equal(b, h + 2, MQISDP_NAME) && level == 3;
          if (!ok) {
            return REJECTED;
          }
          break;
        }
      case 2: // CONNACK: acknowledge flags (only session present), return or reason code
        {
          if (remaining < 2) {
            return REJECTED;
          }
          r = need(k + 2, n, len);
          if (r != OK) {
            return r;
          }
          int code = u8(b, h + 1);
          if ((u8(b, h) & 0xfe) != 0 || (code > 5 && code < 0x80)) {
            return REJECTED;
          }
          m.mqttReturnCode = code;
          break;
        }
      case 3: // PUBLISH: topic name, then a packet id when QoS > 0
        {
          int idLength = (flags & 0x06) != 0 ? 2 : 0;
          if (remaining < 2 + idLength) {
            return REJECTED;
          }
          r = need(k + 2, n, len);
          if (r != OK) {
            return r;
          }
          int topicLength = u16(b, h);
          if (2 + topicLength + idLength > remaining) {
            return REJECTED;
          }
          m.mqttTopicLength = topicLength;
          break;
        }
      case 8: // SUBSCRIBE: packet id, one filter of at least 1 byte, its options
        if (remaining < 6) {
          return REJECTED;
        }
        break;
      case 9: // SUBACK: packet id, one return code
        if (remaining < 3) {
          return REJECTED;
        }
        break;
      case 10: // UNSUBSCRIBE: packet id, one filter
        if (remaining < 5) {
          return REJECTED;
        }
        break;
      case 4: // PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK: packet id
      case 5:
      case 6:
      case 7:
      case 11:
        if (remaining < 2) {
          return REJECTED;
        }
        break;
      case 12: // PINGREQ, PINGRESP: nothing after the fixed header
      case 13:
        if (remaining != 0) {
          return REJECTED;
        }
        break;
      default: // DISCONNECT, AUTH: empty in 3.1.1, reason code and properties in 5.0
        break;
    }
    m.mqttType = type;
    m.mqttRemainingLength = remaining;
    m.mqttPublishes =
        (type == 3 ? 1 : 0)
            + publishesAfter(b, p + k + remaining, p + n, p + len, type == 3 ? k + remaining : 0);
    return OK;
  }

  /**
   * Counts the MQTT PUBLISH packets after a segment's first one, whose fixed headers start at or
   * after {@code q}: walked by their remaining lengths in the captured bytes [{@code q}, {@code
   * end}) (at most {@value #MAX_MQTT_WALK}; a header not minimally encoded ends the walk). Past the
   * captured bytes (the snap length, 256 bytes by default, keeps about one PUBLISH of a flood's
   * 1,460-byte segment) the rest of the segment on the wire, up to {@code wireEnd}, is counted as
   * PUBLISHes of the first one's size {@code unit} (0: the first was no PUBLISH, count nothing): an
   * estimate, exact for a client repeating one message, as floods do.
   */
  private static int publishesAfter(byte[] b, int q, int end, int wireEnd, int unit) {
    int count = 0;
    for (int i = 0; i < MAX_MQTT_WALK; i++) {
      if (q + 2 > end) {
        if (unit > 0 && q < wireEnd) {
          count += (int) Math.min(MAX_MQTT_WALK, ((long) wireEnd - q + unit - 1) / unit);
        }
        return Math.min(count, MAX_MQTT_WALK);
      }
      int type = u8(b, q) >>> 4;
      if (type == 0) {
        return count;
      }
      int remaining = 0;
      int digits = 0;
      while (true) {
        if (q + 1 + digits >= end) {
          return count + (type == 3 ? 1 : 0); // its header starts here even if cut short
        }
        int d = u8(b, q + 1 + digits);
        remaining |= (d & 0x7f) << (7 * digits);
        digits++;
        if ((d & 0x80) == 0) {
          break;
        }
        if (digits == 4) {
          return count;
        }
      }
      if (type == 3) {
        count++;
      }
      q += 1 + digits + remaining;
    }
    return count;
  }

  /** The most MQTT packets walked in one segment. */
  private static final int MAX_MQTT_WALK = 256;

  /**
   * CoAP over UDP (RFC 7252). Checks: version 1, token length at most 8 and within the datagram, no
   * reserved code class (1, 3, 6, 7), an Empty message (0.00) is exactly 4 bytes, a Reset is Empty,
   * an Acknowledgement does not carry a request, and the byte after the token is a payload marker
   * followed by payload or an option header without the reserved nibble 15.
   */
  private static int coap(byte[] b, int p, int n, int len, PacketMeta m) {
    int r = need(4, n, len);
    if (r != OK) {
      return r;
    }
    int first = u8(b, p);
    int type = (first >>> 4) & 0x03;
    int tokenLength = first & 0x0f;
    int code = u8(b, p + 1);
    int codeClass = code >>> 5;
    if ((first >>> 6) != 1 || tokenLength > 8 || len < 4 + tokenLength) {
      return REJECTED;
    }
    if (codeClass == 1 || codeClass == 3 || codeClass >= 6) {
      return REJECTED;
    }
    if (code == 0 && (tokenLength != 0 || len != 4)) {
      return REJECTED;
    }
    if ((type == 3 && code != 0) || (type == 2 && codeClass == 0 && code != 0)) {
      return REJECTED;
    }
    int o = 4 + tokenLength;
    if (o < len && o < n) {
      int option = u8(b, p + o);
      if (option == 0xff ? o + 1 >= len : (option >>> 4) == 15 || (option & 0x0f) == 15) {
        return REJECTED;
      }
    }
    m.coapType = type;
    m.coapCodeClass = codeClass;
    m.coapCodeDetail = code & 0x1f;
    m.coapTokenLength = tokenLength;
    return OK;
  }

  /**
   * HTTP/1.x start line. A request is a known method and a space, then a visible character (the
   * start of the target) where the segment goes on; a response is {@code HTTP/1.0} or {@code
   * HTTP/1.1}, a space, a status code of 100 to 599 and a space (or CR).
   */
  private static int http(byte[] b, int p, int n, int len, PacketMeta m) {
    for (int i = 0; i < HTTP_METHODS.length; i++) {
      byte[] method = HTTP_METHODS[i];
      if (!prefixMatches(b, p, n, method)) {
        continue;
      }
      int r = need(method.length, n, len);
      if (r != OK) {
        return r;
      }
      // Some clients send the method in a segment of its own (the Hue bridge sends "POST "), so
      // the target's first character is checked only where the segment has it and it was captured.
      if (n > method.length) {
        int c = u8(b, p + method.length);
        if (c <= 0x20 || c >= 0x7f) {
          return REJECTED;
        }
      }
      m.httpMethod = i + 1;
      return OK;
    }
    if (!prefixMatches(b, p, n, HTTP_VERSION)) {
      return REJECTED;
    }
    int r = need(13, n, len); // "HTTP/1.1 200 "
    if (r != OK) {
      return r;
    }
    int minor = b[p + 7];
    if ((minor != '0' && minor != '1') || b[p + 8] != ' ') {
      return REJECTED;
    }
    int status = 0;
    for (int i = 9; i < 12; i++) {
      int d = b[p + i] - '0';
      if (d < 0 || d > 9) {
        return REJECTED;
      }
      status = status * 10 + d;
    }
    int after = b[p + 12];
    if (status < 100 || status > 599 || (after != ' ' && after != '\r')) {
      return REJECTED;
    }
    m.httpStatus = status;
    return OK;
  }

  /**
   * TLS record header (SSL 3.0 to TLS 1.3 record versions): content type 20 to 24, version 3.x with
   * x at most 4, a length of 1 to 2^14 + 2048.
   */
  private static int tls(byte[] b, int p, int n, int len, PacketMeta m) {
    int r = need(5, n, len);
    if (r != OK) {
      return r;
    }
    int type = u8(b, p);
    int recordLength = u16(b, p + 3);
    if (type < 20 || type > 24 || u8(b, p + 1) != 3 || u8(b, p + 2) > 4) {
      return REJECTED;
    }
    if (recordLength == 0 || recordLength > MAX_RECORD) {
      return REJECTED;
    }
    m.tlsContentType = type;
    if (type == 22 && n > 5) {
      m.tlsHandshakeType = u8(b, p + 5);
    }
    return OK;
  }

  /**
   * DTLS record header (13 bytes): content type 20 to 25, version DTLS 1.0, 1.2 or 1.3 (0xfeff,
   * 0xfefd, 0xfefc), a length of 1 to 2^14 + 2048.
   */
  private static int dtls(byte[] b, int p, int n, int len, PacketMeta m) {
    int r = need(13, n, len);
    if (r != OK) {
      return r;
    }
    int type = u8(b, p);
    int version = u16(b, p + 1);
    int recordLength = u16(b, p + 11);
    if (type < 20 || type > 25 || (version != 0xfeff && version != 0xfefd && version != 0xfefc)) {
      return REJECTED;
    }
    if (recordLength == 0 || recordLength > MAX_RECORD) {
      return REJECTED;
    }
    m.tlsContentType = type;
    if (type == 22 && n > 13) {
      m.tlsHandshakeType = u8(b, p + 13);
    }
    return OK;
  }

  /** Returns whether the captured bytes at {@code p} agree with {@code token} as far as they go. */
  private static boolean prefixMatches(byte[] b, int p, int n, byte[] token) {
    int k = Math.min(n, token.length);
    for (int i = 0; i < k; i++) {
      if (b[p + i] != token[i]) {
        return false;
      }
    }
    return true;
  }

  /** Returns whether the bytes at {@code p} equal {@code token}; the caller checked they exist. */
  private static boolean equal(byte[] b, int p, byte[] token) {
    for (int i = 0; i < token.length; i++) {
      if (b[p + i] != token[i]) {
        return false;
      }
    }
    return true;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static int u8(byte[] b, int i) {
    return b[i] & 0xff;
  }

  private static int u16(byte[] b, int i) {
    return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
  }
}
