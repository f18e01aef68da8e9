package dev.vigil.features.capture;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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

  private static final List<String> CANDIDATES = candidates(System.getProperty("os.arch", ""));

  private Libpcap() {}

  /**
   * The libraries looked for on a JVM of architecture {@code osArch}: the Debian multiarch folder
   * of that architecture only (a machine with several architectures installed, e.g. an x86 host
   * running arm64 under qemu, has libpcap in each; loading another architecture's fails), then the
   * folders of distributions without multiarch.
   */
  static List<String> candidates(String osArch) {
    String triplet =
        switch (osArch) {
          case "amd64", "x86_64" -> "x86_64-linux-gnu";
          case "aarch64", "arm64" -> "aarch64-linux-gnu";
          case "arm" -> "arm-linux-gnueabihf";
          case "riscv64" -> "riscv64-linux-gnu";
          default -> null;
        };
    List<String> c = new ArrayList<>();
    if (triplet != null) {
      c.add("/usr/lib/" + triplet + "/libpcap.so.0.8");
      c.add("/usr/lib/" + triplet + "/libpcap.so");
    }
    c.addAll(List.of("/usr/lib64/libpcap.so.1", "/usr/lib/libpcap.so.1", "/usr/lib/libpcap.so"));
    return List.copyOf(c);
  }

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
