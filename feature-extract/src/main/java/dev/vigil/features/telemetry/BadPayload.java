package dev.vigil.features.telemetry;

/**
 * Why an MQTT message, or one value in it, gave no reading; counted by {@link PayloadDecoder},
 * never thrown.
 *
 * <p>Message-level reasons ({@link #NO_TEMPLATE_MATCH}, {@link #OVERSIZED}, {@link
 * #UNKNOWN_DEVICE}, {@link #NO_DEVICE}, {@link #NOT_JSON}, {@link #WRONG_FORMAT}, {@link #EMPTY})
 * count messages: the whole message is dropped, and only the first reason that applies, in that
 * order, is counted. Value-level reasons ({@link #NOT_A_NUMBER}, {@link #NAN_OR_INFINITE}, {@link
 * #WRONG_TYPE}) count values: the other values of the same message are still read. {@link
 * #BAD_NAME} is either: a bad device name drops the message (counted once, after {@link #OVERSIZED}
 * and before {@link #UNKNOWN_DEVICE} for a topic's device), a bad metric name drops that value.
 * {@link #BAD_TIMESTAMP} counts messages whose readings were stamped with the arrival time instead.
 *
 * <p>Every message either gives at least one reading or is counted under at least one reason.
 */
public enum BadPayload {
  /** The topic matched none of the templates (message). */
  NO_TEMPLATE_MATCH,
  /** The payload was longer than the configured maximum; not parsed (message). */
  OVERSIZED,
  /** A device allow-list is configured and the message's device is not on it (message). */
  UNKNOWN_DEVICE,
  /** The topic template names no device and the payload carries none (message). */
  NO_DEVICE,
  /**
   * The payload starts like JSON ({@code {}, {@code [} or {@code "}) but is not valid JSON: a syntax
   * error, invalid UTF-8, trailing data, nesting past the parser's limit, or an EdgeX envelope whose
   * payload is not valid JSON or Base64 (message).
   */
  NOT_JSON,
  /**
   * The payload is not of the format the decoder is restricted to ({@link DecoderOptions#format}):
   * a JSON object where plain numbers are expected, a plain number where JSON objects are, or a
   * JSON object that is not an EdgeX event where EdgeX events are (message).
   */
  WRONG_FORMAT,
  /**
   * The payload or a JSON object carried no value at all: an empty payload, {@code {}}, or an EdgeX
   * event without readings (message).
   */
  EMPTY,
  /** A plain payload, a JSON string or an EdgeX value that is not a number or a boolean (value). */
  NOT_A_NUMBER,
  /**
   * {@code NaN}, an infinity, or a literal beyond the range of a double such as {@code 1e999}
   * (value).
   */
  NAN_OR_INFINITE,
  /**
   * A value of a type that cannot be a reading: JSON {@code null}, a top-level array, an EdgeX
   * {@code String} or {@code Binary} reading or a malformed EdgeX reading, or an object nested
   * deeper than the configured depth (value).
   */
  WRONG_TYPE,
  /**
   * A device or metric name that is empty, longer than {@link DecoderOptions#maxNameLength}, or
   * holds a character that is not printable ({@link TelemetryNames#isValid}): a device name drops
   * the message, a metric name the value. Such names never reach the series tables or the logs.
   */
  BAD_NAME,
  /**
   * The timestamp field was present but not a positive epoch number or an ISO-8601 instant; the
   * message's readings carry the arrival time (message).
   */
  BAD_TIMESTAMP;

  private static final BadPayload[] VALUES = values();

  /** Returns the reason with this ordinal. */
  public static BadPayload of(int ordinal) {
    return VALUES[ordinal];
  }
}
