package dev.vigil.daemon.config;

import dev.vigil.common.settings.StrictSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the {@code alerts} section for {@link ConfigLoader}: the eve log, how many alerts to keep,
 * and the sensor name ({@code host}) events carry.
 */
final class AlertsSection {
  static final Set<String> KEYS = Set.of("eve-log", "keep", "host");

  /** Longest sensor name: a DNS name's length. */
  static final int MAX_HOST_LENGTH = 253;

  private AlertsSection() {}

  /** Reads the section; problems are recorded in {@code alerts}, each with its key. */
  static VigilConfig.Alerts parse(ConfigLoader loader, StrictSettings alerts) {
    Optional<Path> eve = loader.optionalPath(alerts, "eve-log", false);
    int keep = alerts.integer("keep", 10_000, 1, 10_000_000);
    String host = alerts.string("host", null);
    if (host == null) {
      host = localHostName();
    } else if (host.length() > MAX_HOST_LENGTH || !host.strip().equals(host) || !printable(host)) {
      alerts.problem(
          "host",
          "must be printable text of at most "
              + MAX_HOST_LENGTH
              + " characters without surrounding blanks, was "
              + StrictSettings.quote(host));
    }
    return new VigilConfig.Alerts(eve, keep, host == null ? "" : host);
  }

  private static boolean printable(String s) {
    return s.codePoints().noneMatch(c -> Character.isISOControl(c) || c == 0x2028 || c == 0x2029);
  }

  /**
   * Returns this machine's host name: the kernel's ({@code /proc/sys/kernel/hostname}, no lookup),
   * else Java's (which may ask the resolver), else {@code localhost}.
   */
  static String localHostName() {
    try {
      String k =
          Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
      if (!k.isEmpty()) {
        return k;
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: ask Java
    }
    try {
      String j = InetAddress.getLocalHost().getHostName();
      if (j != null && !j.isBlank()) {
        return j.strip();
      }
    } catch (IOException | RuntimeException e) {
      // no name at all
    }
    return "localhost";
  }
}
