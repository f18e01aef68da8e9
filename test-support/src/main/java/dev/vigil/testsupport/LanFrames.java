package dev.vigil.testsupport;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Ethernet frames of a test LAN, 10.77.0.0/24, for captures written with {@link PcapFiles}: host
 * {@code n} has address 10.77.0.n and MAC 02:00:00:00:00:n.
 */
public final class LanFrames {
  private LanFrames() {}

  /** Returns host {@code n}'s MAC. */
  public static byte[] mac(int n) {
    return new byte[] {2, 0, 0, 0, 0, (byte) n};
  }

  /** Returns host {@code n}'s IPv4 address. */
  public static byte[] ip(int n) {
    return new byte[] {10, 77, 0, (byte) n};
  }

  /** An IPv4 TCP frame (no payload) from host {@code src} to host {@code dst}. */
  public static byte[] tcp(int src, int dst, int sport, int dport, int flags) {
    return tcp(src, ip(src), dst, sport, dport, flags, new byte[0]);
  }

  /** An IPv4 TCP frame carrying {@code payload} from host {@code src} to host {@code dst}. */
  public static byte[] tcp(int src, int dst, int sport, int dport, int flags, byte[] payload) {
    return tcp(src, ip(src), dst, sport, dport, flags, payload);
  }

  /**
   * An IPv4 TCP frame from the MAC of host {@code srcMac} with source address {@code srcIp}
   * (another host's, or one from outside the LAN: a spoofed sender) to host {@code dst}.
   */
  public static byte[] tcp(
      int srcMac, byte[] srcIp, int dst, int sport, int dport, int flags, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(14 + 20 + 20 + payload.length);
    b.put(mac(dst)).put(mac(srcMac)).putShort((short) 0x0800);
    b.put((byte) 0x45).put((byte) 0).putShort((short) (40 + payload.length));
    b.putShort((short) 1).putShort((short) 0);
    b.put((byte) 64).put((byte) 6).putShort((short) 0);
    b.put(srcIp).put(ip(dst));
    b.putShort((short) sport).putShort((short) dport).putInt(1).putInt(flags == 2 ? 0 : 1);
    b.put((byte) 0x50).put((byte) flags).putShort((short) 65535).putShort((short) 0);
    b.putShort((short) 0);
    b.put(payload);
    return b.array();
  }

  /** An ARP request from host {@code host} (its own MAC and address) for host {@code target}. */
  public static byte[] arp(int host, int target) {
    ByteBuffer b = ByteBuffer.allocate(14 + 28);
    b.put(new byte[] {-1, -1, -1, -1, -1, -1}).put(mac(host)).putShort((short) 0x0806);
    b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4);
    b.putShort((short) 1).put(mac(host)).put(ip(host));
    b.put(new byte[6]).put(ip(target));
    return b.array();
  }

  /**
   * Adds a whole short TCP conversation from {@code src} to {@code dst}:{@code dport} starting at
   * {@code ts}: SYN, SYN-ACK, ACK, FIN, 400 µs apart.
   */
  public static void exchange(List<PcapFiles.Frame> out, long ts, int src, int dst, int dport) {
    int sport = 40000 + (int) ((ts / 1000) % 20000);
    out.add(new PcapFiles.Frame(ts, tcp(src, dst, sport, dport, 0x02)));
    out.add(new PcapFiles.Frame(ts + 400, tcp(dst, src, dport, sport, 0x12)));
    out.add(new PcapFiles.Frame(ts + 800, tcp(src, dst, sport, dport, 0x10)));
    out.add(new PcapFiles.Frame(ts + 1200, tcp(src, dst, sport, dport, 0x11)));
  }
}
