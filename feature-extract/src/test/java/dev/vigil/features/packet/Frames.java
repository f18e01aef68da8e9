package dev.vigil.features.packet;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds test frames byte by byte. */
final class Frames {
  static final long MAC_A = 0x0200_0000_0011L;
  static final long MAC_B = 0x0200_0000_0001L;
  static final int IP_A = 0x0a4d_000b; // 10.77.0.11
  static final int IP_B = 0x0a4d_0001; // 10.77.0.1

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  /** Returns an Ethernet/IPv4/UDP frame from IP_A to IP_B carrying {@code payload}. */
  static byte[] udpFrame(int sport, int dport, byte[] payload) {
    return ethernet(MAC_B, MAC_A)
        .u16(0x0800)
        .ipv4(20 + 8 + payload.length, 0, 17, IP_A, IP_B)
        .udp(sport, dport, 8 + payload.length)
        .raw(payload)
        .bytes();
  }

  /** Returns an Ethernet/IPv4/TCP (PSH+ACK) frame from IP_A to IP_B carrying {@code payload}. */
  static byte[] tcpFrame(int sport, int dport, byte[] payload) {
    return ethernet(MAC_B, MAC_A)
        .u16(0x0800)
        .ipv4(20 + 20 + payload.length, 0x4000, 6, IP_A, IP_B)
        .tcp(sport, dport, 0x18)
        .raw(payload)
        .bytes();
  }

  /** Returns the bytes given as unsigned values, for payloads written out byte by byte. */
  static byte[] of(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  /** Returns the US-ASCII bytes of {@code s}. */
  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Returns the concatenation of {@code parts}. */
  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      o.writeBytes(p);
    }
    return o.toByteArray();
  }

  static Frames ethernet(long dst, long src) {
    Frames f = new Frames();
    f.u48(dst).u48(src);
    return f;
  }

  Frames u8(int v) {
    out.write(v & 0xff);
    return this;
  }

  Frames u16(int v) {
    return u8(v >>> 8).u8(v);
  }

  Frames u32(int v) {
    return u16(v >>> 16).u16(v);
  }

  Frames u48(long v) {
    return u16((int) (v >>> 32)).u32((int) v);
  }

  Frames raw(byte[] b) {
    out.writeBytes(b);
    return this;
  }

  Frames zeros(int n) {
    for (int i = 0; i < n; i++) {
      u8(0);
    }
    return this;
  }

  /** IPv4 header without options. */
  Frames ipv4(int totalLength, int fragField, int protocol, int src, int dst) {
    return u8(0x45)
        .u8(0)
        .u16(totalLength)
        .u16(0x1234)
        .u16(fragField)
        .u8(64)
        .u8(protocol)
        .u16(0)
        .u32(src)
        .u32(dst);
  }

  Frames tcp(int sport, int dport, int flags) {
    return u16(sport).u16(dport).u32(1).u32(0).u8(5 << 4).u8(flags).u16(65535).u16(0).u16(0);
  }

  Frames udp(int sport, int dport, int length) {
    return u16(sport).u16(dport).u16(length).u16(0);
  }

  /**
   * Returns an Ethernet/IPv4 ICMP destination unreachable (type 3, {@code code}) from {@code
   * router} to {@code host}, quoting a 20-byte IPv4 header from {@code host} to {@code target} with
   * protocol {@code proto}, followed by 8 transport bytes starting with {@code sport} and {@code
   * dport}.
   */
  static byte[] icmpUnreachable(
      int router, int host, int code, int proto, int target, int sport, int dport) {
    int quote = 20 + 8;
    return ethernet(MAC_A, MAC_B)
        .u16(0x0800)
        .ipv4(20 + 8 + quote, 0, 1, router, host)
        .u8(3)
        .u8(code)
        .u16(0)
        .u32(0)
        .ipv4(20 + 8, 0, proto, host, target)
        .u16(sport)
        .u16(dport)
        .u32(0)
        .bytes();
  }

  byte[] bytes() {
    return out.toByteArray();
  }
}
