package dev.vigil.daemon.systemd;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Sends systemd's service notifications ({@code READY=1}, {@code WATCHDOG=1}, {@code STOPPING=1},
 * {@code STATUS=...}) as datagrams on the unix socket that systemd names in {@code NOTIFY_SOCKET}
 * (a path, or an abstract name starting with {@code @}), as {@code sd_notify(3)} does. JDK 17 has
 * no unix datagram sockets, so it calls libc's {@code socket} and {@code sendto} through JNA;
 * without {@code NOTIFY_SOCKET} (not run by systemd, or {@code Type=} not {@code notify}) it is a
 * no-op.
 *
 * <p>Thread-safe: each send opens and closes its own socket.
 */
public final class SdNotify {
  private static final int AF_UNIX = 1;
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int MSG_NOSIGNAL = 0x4000;

  /** {@code sun_path}'s size in {@code struct sockaddr_un}. */
  private static final int SUN_PATH = 108;

  /** The libc calls used; mapped by JNA. */
  interface LibC extends Library {
    int socket(int domain, int type, int protocol);

    NativeLong sendto(int fd, byte[] buf, NativeLong len, int flags, byte[] addr, int addrLen);

    int close(int fd);
  }

  private static volatile LibC libc;

  private final byte[] address;
  private final String socket;

  private SdNotify(String socket) {
    this.socket = socket;
    this.address = socket == null ? null : sockaddr(socket);
  }

  /**
   * Returns a notifier for {@code NOTIFY_SOCKET}, a no-op one when it is unset, empty or not a unix
   * socket address.
   */
  public static SdNotify fromEnvironment() {
    String s = System.getenv("NOTIFY_SOCKET");
    try {
      return new SdNotify(s == null || s.isEmpty() ? null : s);
    } catch (IllegalArgumentException e) {
      return new SdNotify(null);
    }
  }

  /**
   * Returns a notifier for {@code socket}: a path, or {@code @name} for an abstract socket.
   *
   * @throws IllegalArgumentException if it does not fit a unix socket address
   */
  public static SdNotify to(String socket) {
    return new SdNotify(socket);
  }

  /** Returns whether notifications go anywhere (systemd waits for them). */
  public boolean enabled() {
    return address != null;
  }

  /** Returns the socket notifications go to, if any. */
  public Optional<String> socket() {
    return Optional.ofNullable(socket);
  }

  /**
   * Sends {@code state} (newline-separated assignments such as {@code READY=1}); returns whether it
   * was sent (true for a no-op notifier). Never throws: a failed send is reported by the result.
   */
  public boolean send(String state) {
    if (address == null) {
      return true;
    }
    try {
      LibC c = libc();
      int fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        return false;
      }
      try {
        byte[] msg = state.getBytes(StandardCharsets.UTF_8);
        long n =
            c.sendto(fd, msg, new NativeLong(msg.length), MSG_NOSIGNAL, address, address.length)
                .longValue();
        return n == msg.length;
      } finally {
        c.close(fd);
      }
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  private static LibC libc() {
    LibC c = libc;
    if (c == null) {
      c = Native.load("c", LibC.class);
      libc = c;
    }
    return c;
  }

  /**
   * Returns {@code struct sockaddr_un} for {@code socket}, cut to its used length: the family in
   * host byte order, then the path with its NUL, or for {@code @name} a NUL and the name (abstract
   * names are not NUL-terminated).
   */
  static byte[] sockaddr(String socket) {
    byte[] path = socket.getBytes(StandardCharsets.UTF_8);
    boolean abstractName = path.length > 0 && path[0] == '@';
    int len = abstractName ? path.length : path.length + 1;
    if (path.length == 0 || len > SUN_PATH) {
      throw new IllegalArgumentException(
          "NOTIFY_SOCKET must be a path or @name of at most " + (SUN_PATH - 1) + " bytes");
    }
    ByteBuffer b = ByteBuffer.allocate(2 + len).order(ByteOrder.nativeOrder());
    b.putShort((short) AF_UNIX);
    b.put(path);
    byte[] out = b.array();
    if (abstractName) {
      out[2] = 0;
    }
    return out;
  }
}
