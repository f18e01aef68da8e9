package dev.vigil.features.capture;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Points Pcap4J at the system's libpcap before first use.
 *
 * <p>Pcap4J loads {@code libpcap.so}, a name that only the development package provides on Debian;
 * the runtime package {@code libpcap0.8} has {@code libpcap.so.0.8}. This class sets Pcap4J's
 * {@code org.pcap4j.core.pcapLibName} system property to the first library it finds, unless the
 * operator already set it.
 */
public final class Libpcap {
  /** Pcap4J's system property naming the library to load. */
  public static final String PROPERTY = "org.pcap4j.core.pcapLibName";

  private static final List<String> CANDIDATES =
      List.of(
          "/usr/lib/x86_64-linux-gnu/libpcap.so.0.8",
          "/usr/lib/aarch64-linux-gnu/libpcap.so.0.8",
          "/usr/lib/arm-linux-gnueabihf/libpcap.so.0.8",
          "/usr/lib64/libpcap.so.1",
          "/usr/lib/libpcap.so.1",
          "/usr/lib/x86_64-linux-gnu/libpcap.so",
          "/usr/lib/aarch64-linux-gnu/libpcap.so",
          "/usr/lib/libpcap.so");

  private Libpcap() {}

  /**
   * Sets {@link #PROPERTY} if unset and returns the library Pcap4J will load.
   *
   * @throws IllegalStateException naming the Debian package to install when no libpcap is found
   */
  public static synchronized String configure() {
    String set = System.getProperty(PROPERTY);
    if (set != null && !set.isBlank()) {
      return set;
    }
    for (String c : CANDIDATES) {
      if (Files.isReadable(Path.of(c))) {
        System.setProperty(PROPERTY, c);
        return c;
      }
    }
    throw new IllegalStateException(
        "libpcap not found (looked for "
            + CANDIDATES
            + "); install it (Debian: apt-get install libpcap0.8) or set -D"
            + PROPERTY
            + "=/path/to/libpcap.so");
  }
}
