package dev.vigil.features.telemetry;

import java.util.Objects;
import java.util.Set;

/**
 * How {@link PayloadDecoder} reads payloads.
 *
 * @param maxPayloadBytes longest payload decoded; longer ones are counted as {@link
 *     BadPayload#OVERSIZED} without being parsed (1 to 268435455, the MQTT maximum)
 * @param allowedDevices the devices accepted; empty accepts every device, else a message from any
 *     other device is counted as {@link BadPayload#UNKNOWN_DEVICE}
 * @param timestampField the JSON field, a dotted path such as {@code ts} or {@code meta.time}, that
 *     holds the measurement time (epoch seconds, milliseconds, microseconds or nanoseconds, told
 *     apart by magnitude, or an ISO-8601 instant); empty for none. The field is not a reading.
 * @param maxDepth how deep JSON objects and arrays are read (1 to 32): a value at a deeper level is
 *     counted as {@link BadPayload#WRONG_TYPE}
 * @param format which payload formats are read; any other is counted as {@link
 *     BadPayload#WRONG_FORMAT}
 * @param maxNameLength longest device or metric name, in characters (1 to {@value
 *     #MAX_NAME_LENGTH}); a longer or unprintable one is counted as {@link BadPayload#BAD_NAME}
 *     ({@link TelemetryNames})
 */
public record DecoderOptions(
    int maxPayloadBytes,
    Set<String> allowedDevices,
    String timestampField,
    int maxDepth,
    Format format,
    int maxNameLength) {

  /** Which payloads {@link PayloadDecoder} accepts (see its class comment for each format). */
  public enum Format {
    /** Every format, told apart by the payload itself. */
    AUTO,
    /**
     * Plain values only: a number, {@code true}/{@code false}, or a JSON string holding a number;
     * a payload starting with {@code {} or {@code [} is {@link BadPayload#WRONG_FORMAT}.
     */
    NUMBER,
    /**
     * JSON objects only, every numeric field a reading; EdgeX events are read as plain JSON objects
     * too. Anything else is {@link BadPayload#WRONG_FORMAT}.
     */
    JSON,
    /**
     * EdgeX events only (bare, as an {@code AddEventRequest}, or in a message-bus envelope); any
     * other payload is {@link BadPayload#WRONG_FORMAT}.
     */
    EDGEX
  }

  /** Default {@link #maxPayloadBytes}: 64 KiB. */
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;

  /** Largest payload MQTT allows (268435455 bytes). */
  public static final int MQTT_MAX_PAYLOAD_BYTES = 268_435_455;

  /** Largest {@link #maxDepth}. */
  public static final int MAX_DEPTH = 32;

  /** Default {@link #maxNameLength}: 128 characters. */
  public static final int DEFAULT_MAX_NAME_LENGTH = 128;

  /** Largest {@link #maxNameLength}: 4096 characters. */
  public static final int MAX_NAME_LENGTH = 4096;

  /** Validates every field. */
  public DecoderOptions {
    Objects.requireNonNull(allowedDevices, "allowedDevices");
    Objects.requireNonNull(timestampField, "timestampField");
    Objects.requireNonNull(format, "format");
    if (maxPayloadBytes < 1 || maxPayloadBytes > MQTT_MAX_PAYLOAD_BYTES) {
      throw new IllegalArgumentException(
          "maxPayloadBytes must be between 1 and "
              + MQTT_MAX_PAYLOAD_BYTES
              + ", was "
              + maxPayloadBytes);
    }
    allowedDevices = Set.copyOf(allowedDevices);
    for (String d : allowedDevices) {
      if (d.isBlank()) {
        throw new IllegalArgumentException("allowedDevices must not hold a blank name");
      }
    }
    if (!timestampField.isEmpty()) {
      for (String part : timestampField.split("\\.", -1)) {
        if (part.isBlank()) {
          throw new IllegalArgumentException(
              "timestampField must be a dotted path of non-blank names such as 'ts' or"
                  + " 'meta.time', or empty for none; was '"
                  + timestampField
                  + "'");
        }
      }
    }
    if (maxDepth < 1 || maxDepth > MAX_DEPTH) {
      throw new IllegalArgumentException(
          "maxDepth must be between 1 and " + MAX_DEPTH + ", was " + maxDepth);
    }
    if (maxNameLength < 1 || maxNameLength > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          "maxNameLength must be between 1 and " + MAX_NAME_LENGTH + ", was " + maxNameLength);
    }
    for (String d : allowedDevices) {
      if (!TelemetryNames.isValid(d, maxNameLength)) {
        throw new IllegalArgumentException(
            "allowedDevices must hold only names of 1 to "
                + maxNameLength
                + " printable characters");
      }
    }
  }

  /** Creates options with the default name limit ({@value #DEFAULT_MAX_NAME_LENGTH}). */
  public DecoderOptions(
      int maxPayloadBytes,
      Set<String> allowedDevices,
      String timestampField,
      int maxDepth,
      Format format) {
    this(
        maxPayloadBytes, allowedDevices, timestampField, maxDepth, format, DEFAULT_MAX_NAME_LENGTH);
  }

  /** Creates options that accept every format ({@link Format#AUTO}). */
  public DecoderOptions(
      int maxPayloadBytes, Set<String> allowedDevices, String timestampField, int maxDepth) {
    this(maxPayloadBytes, allowedDevices, timestampField, maxDepth, Format.AUTO);
  }

  /**
   * Returns the defaults: 64 KiB, every device, timestamp field {@code ts}, depth 8, every format,
   * names of up to 128 characters.
   */
  public static DecoderOptions defaults() {
    return new DecoderOptions(DEFAULT_MAX_PAYLOAD_BYTES, Set.of(), "ts", 8, Format.AUTO);
  }

  /** Returns a copy that accepts only {@code f}. */
  public DecoderOptions withFormat(Format f) {
    return new DecoderOptions(
        maxPayloadBytes, allowedDevices, timestampField, maxDepth, f, maxNameLength);
  }

  /** Returns a copy accepting only {@code devices} (empty: every device). */
  public DecoderOptions withAllowedDevices(Set<String> devices) {
    return new DecoderOptions(
        maxPayloadBytes, devices, timestampField, maxDepth, format, maxNameLength);
  }

  /** Returns a copy with another payload limit. */
  public DecoderOptions withMaxPayloadBytes(int bytes) {
    return new DecoderOptions(
        bytes, allowedDevices, timestampField, maxDepth, format, maxNameLength);
  }

  /** Returns a copy with another timestamp field (empty: none). */
  public DecoderOptions withTimestampField(String field) {
    return new DecoderOptions(
        maxPayloadBytes, allowedDevices, field, maxDepth, format, maxNameLength);
  }

  /** Returns a copy with another name length limit. */
  public DecoderOptions withMaxNameLength(int length) {
    return new DecoderOptions(
        maxPayloadBytes, allowedDevices, timestampField, maxDepth, format, length);
  }

  /** Returns a copy with another depth limit. */
  public DecoderOptions withMaxDepth(int depth) {
    return new DecoderOptions(
        maxPayloadBytes, allowedDevices, timestampField, depth, format, maxNameLength);
  }
}
