package dev.vigil.features.capture;

import java.util.Objects;

/**
 * How to open a live capture.
 *
 * @param device interface name, e.g. {@code eth0} or {@code br0}
 * @param promiscuous whether to capture frames not addressed to this host
 * @param snaplen bytes captured per frame (headers need about 128)
 * @param filter BPF filter expression, empty for none
 * @param bufferBytes kernel capture buffer size in bytes
 * @param immediate deliver each packet at once instead of batching (lower latency, more wake-ups)
 * @param timeoutMillis read timeout in milliseconds: how long the capture thread waits before it
 *     checks its counters and whether to stop
 * @param nanoTimestamps ask for nanosecond timestamps (used only if the device supports them)
 */
public record CaptureOptions(
    String device,
    boolean promiscuous,
    int snaplen,
    String filter,
    int bufferBytes,
    boolean immediate,
    int timeoutMillis,
    boolean nanoTimestamps) {
  /** Validates every field. */
  public CaptureOptions {
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(filter, "filter");
    if (device.isBlank()) {
      throw new IllegalArgumentException("device must not be blank");
    }
    if (snaplen < 64 || snaplen > 262_144) {
      throw new IllegalArgumentException("snaplen must be between 64 and 262144, was " + snaplen);
    }
    if (bufferBytes < 65_536) {
      throw new IllegalArgumentException("bufferBytes must be at least 65536, was " + bufferBytes);
    }
    if (timeoutMillis < 1 || timeoutMillis > 10_000) {
      throw new IllegalArgumentException(
          "timeoutMillis must be between 1 and 10000, was " + timeoutMillis);
    }
  }

  /**
   * Returns gateway defaults for {@code device}: promiscuous, 256-byte snap length, 16 MiB buffer,
   * 100 ms timeout.
   */
  public static CaptureOptions defaults(String device) {
    return new CaptureOptions(device, true, 256, "", 16 << 20, false, 100, false);
  }
}
