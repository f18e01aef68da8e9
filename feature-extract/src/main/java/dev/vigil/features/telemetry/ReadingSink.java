package dev.vigil.features.telemetry;

/** Receives decoded readings. */
@FunctionalInterface
public interface ReadingSink {
  /**
   * Handles one reading. Called on the decoding thread ({@link PayloadDecoder}), on the source's
   * consumer thread ({@link MqttTelemetrySource.Delivery#QUEUED}) or on the MQTT client's callback
   * thread ({@link MqttTelemetrySource.Delivery#DIRECT}: never at the same time as {@link
   * #caughtUp}, under one lock); must not block for long.
   */
  void accept(Reading reading);

  /**
   * Called by {@link MqttTelemetrySource} on its consumer thread, the thread that calls {@link
   * #accept}, whenever no reading is waiting: at least every 100 ms while the source runs, and
   * about once a millisecond while readings flow. Lets a sink do time-driven work (closing time
   * steps of silent series) on the thread that owns its state, without a lock. Must not block for
   * long; an exception is counted like one from {@link #accept}. Does nothing by default.
   */
  default void caughtUp() {}
}
