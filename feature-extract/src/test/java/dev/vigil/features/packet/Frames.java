package dev.vigil.features.packet;

import java.io.ByteArrayOutputStream;

/** Builds test frames byte by byte. */
final class Frames {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

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

  byte[] bytes() {
    return out.toByteArray();
  }
}
