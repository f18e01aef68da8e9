package dev.vigil.features.telemetry;

/** Receives decoded readings. */
@FunctionalInterface
public interface ReadingSink {
  /**
   * Handles one reading. Called on the decoding thread ({@link PayloadDecoder}) or on the source's
   * consumer thread ({@link MqttTelemetrySource}); must not block for long.
   */
  void accept(Reading reading);
}
