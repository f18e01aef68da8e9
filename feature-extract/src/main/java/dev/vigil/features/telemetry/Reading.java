package dev.vigil.features.telemetry;

import java.util.Objects;

/**
 * One numeric telemetry value from a device.
 *
 * @param device the device's name, from the topic or the payload
 * @param metric the metric's name: the topic's metric and/or the payload's field path ({@code
 *     a.b.0})
 * @param timestampMillis when the value was measured (the payload's timestamp) or, failing that,
 *     received; milliseconds since the epoch
 * @param value the value; finite
 * @param payloadBytes size of the message that carried it (0 if unknown)
 */
public record Reading(
    String device, String metric, long timestampMillis, double value, int payloadBytes) {
  /** Checks the names are present (cheap: this is on the message path). */
  public Reading {
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(metric, "metric");
  }

  /** Returns this reading with another message size (0: unknown). */
  public Reading withPayloadBytes(int bytes) {
    return bytes == payloadBytes
        ? this
        : new Reading(device, metric, timestampMillis, value, bytes);
  }

  /** A reading whose message size is unknown. */
  public Reading(String device, String metric, long timestampMillis, double value) {
    this(device, metric, timestampMillis, value, 0);
  }
}
