package dev.vigil.daemon.config;

import dev.vigil.common.settings.StrictSettings;
import dev.vigil.features.capture.CaptureOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads the {@code capture} section for {@link ConfigLoader}: a capture file or a live interface
 * and its options. Problems are recorded in the section's settings, each with its key.
 */
final class CaptureSection {
  /** The options that only apply to live capture. */
  private static final List<String> LIVE_ONLY =
      List.of(
          "promiscuous",
          "snaplen",
          "filter",
          "buffer-size",
          "immediate",
          "timeout",
          "nano-timestamps",
          "ring-slots");

  static final Set<String> KEYS =
      Stream.concat(Stream.of("pcap", "interface"), LIVE_ONLY.stream())
          .collect(Collectors.toUnmodifiableSet());

  private CaptureSection() {}

  /**
   * Reads the section; returns null when the packet path is off ({@code packetPath} false: a
   * telemetry-only gateway), else the capture settings (null parts where a problem was recorded).
   */
  static VigilConfig.Capture parse(
      ConfigLoader loader, StrictSettings capture, boolean packetPath) {
    Path pcap = null;
    CaptureOptions live = null;
    boolean hasPcap = capture.has("pcap");
    boolean hasInterface = capture.has("interface");
    if (!packetPath) {
      // telemetry only: nothing to check here
    } else if (hasPcap == hasInterface) {
      loader.problem(
          "capture: set exactly one of pcap (a capture file) or interface (live capture)"
              + (hasPcap ? ", not both" : "")
              + (hasPcap || hasInterface
                  ? ""
                  : "; or, for a telemetry-only gateway, no capture"
                      + " section and telemetry enabled"));
    } else if (hasPcap) {
      pcap = loader.requiredPath(capture, "pcap", true);
      for (String k : LIVE_ONLY) {
        if (capture.has(k)) {
          loader.problem("capture." + k + ": only applies to live capture (capture.interface)");
        }
      }
    }
    String device = capture.string("interface", "");
    if (!device.isBlank() && !interfaceName(device)) {
      loader.problem(
          "capture.interface: ["
              + StrictSettings.quote(device)
              + "] is not an interface name (auto, or 1 to 15 bytes without '/', ':', white space"
              + " or control characters, not . or ..)");
      device = "";
    }
    boolean promiscuous = capture.bool("promiscuous", true);
    int snaplen = capture.integer("snaplen", 256, 64, 262_144);
    String filter = capture.string("filter", "");
    int bufferBytes = capture.integer("buffer-size", 16 << 20, 65_536, 1 << 30);
    boolean immediate = capture.bool("immediate", false);
    Duration timeout =
        capture.duration(
            "timeout", Duration.ofMillis(100), Duration.ofMillis(1), Duration.ofSeconds(10));
    boolean nano = capture.bool("nano-timestamps", false);
    int ringSlots = capture.integer("ring-slots", 16_384, 2, 1 << 22);
    if (Integer.bitCount(ringSlots) != 1) {
      loader.problem("capture.ring-slots: must be a power of two, was " + ringSlots);
      ringSlots = 16_384;
    }
    if (hasInterface && !device.isBlank()) {
      live =
          new CaptureOptions(
              device,
              promiscuous,
              snaplen,
              filter,
              bufferBytes,
              immediate,
              (int) timeout.toMillis(),
              nano);
    }

    return packetPath ? new VigilConfig.Capture(pcap, live, ringSlots) : null;
  }

  /**
   * Returns whether {@code name} is one Linux accepts for an interface (its dev_valid_name): the
   * checks that read {@code /sys/class/net/NAME} use it as a path, so it must not climb out of that
   * folder or hold a NUL.
   */
  static boolean interfaceName(String name) {
    if (name.isEmpty()
        || name.getBytes(StandardCharsets.UTF_8).length > 15
        || name.equals(".")
        || name.equals("..")) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/' || c == ':' || Character.isWhitespace(c) || Character.isISOControl(c)) {
        return false;
      }
    }
    return true;
  }
}
