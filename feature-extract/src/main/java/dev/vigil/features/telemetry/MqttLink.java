package dev.vigil.features.telemetry;

/**
 * One MQTT client connection, MQTT 3.1.1 or 5 behind one interface ({@link PahoV3Link}, {@link
 * PahoV5Link}). Reconnection is not the link's: {@link MqttTelemetrySource} calls {@link #connect}
 * again after {@link Listener#lost}. {@link MqttPublisher} publishes through it.
 */
interface MqttLink {
  /** Receives what the client's threads report. Implementations must not block. */
  interface Listener {
    /** A message arrived (on the client's callback thread; {@code payload} is not reused). */
    void message(String topic, byte[] payload);

    /** The connection dropped (not called for {@link #close} or {@link #abort}). */
    void lost(Throwable cause);
  }

  /**
   * Connects, trying the server URIs in order, and waits for the outcome.
   *
   * @return whether the broker resumed an existing session
   * @throws Exception why the connection failed
   */
  boolean connect() throws Exception;

  /**
   * Subscribes to {@code filters} and waits for the acknowledgement.
   *
   * @return per filter, the granted QoS (0 to 2) or a failure code (128 or more)
   * @throws Exception if the request failed or timed out
   */
  int[] subscribe(String[] filters, int qos) throws Exception;

  /** A publish under way: confirmed once the broker has it (QoS 0: once written). */
  interface Pending {
    /**
     * Waits at most {@code timeoutMillis} for the confirmation.
     *
     * @return whether it came in time
     * @throws Exception if the publish failed
     */
    boolean await(long timeoutMillis) throws Exception;
  }

  /**
   * Starts publishing one message (not retained), without waiting for the broker.
   *
   * @return the pending publish, or null when the client's window of unconfirmed publishes is full
   *     (try again once an earlier one is confirmed)
   * @throws Exception if the client cannot publish (not connected, bad topic)
   */
  Pending publish(String topic, byte[] payload, int qos) throws Exception;

  /** Returns whether the client is connected now. */
  boolean isConnected();

  /** Returns the URI of the broker connected to (or last tried). */
  String serverUri();

  /** Drops the connection at once without telling the listener (a reconnect may follow). */
  void abort();

  /** Disconnects (briefly waiting for a clean DISCONNECT) and releases the client's resources. */
  void close();

  /** Creates the link for {@code options}' protocol, with the client's default publish window. */
  static MqttLink create(
      MqttOptions options, javax.net.ssl.SSLSocketFactory sslFactory, Listener listener)
      throws Exception {
    return create(options, sslFactory, listener, 0);
  }

  /**
   * Creates the link for {@code options}' protocol.
   *
   * @param maxInflight MQTT 3.1.1: unconfirmed publishes the client allows, for a publisher (Paho's
   *     default, 10, throttles QoS 1 publishing); 0 for the default. MQTT 5 takes the broker's
   *     Receive Maximum instead.
   */
  static MqttLink create(
      MqttOptions options,
      javax.net.ssl.SSLSocketFactory sslFactory,
      Listener listener,
      int maxInflight)
      throws Exception {
    return options.protocol() == MqttOptions.Protocol.V5
        ? new PahoV5Link(options, sslFactory, listener)
        : new PahoV3Link(options, sslFactory, listener, maxInflight);
  }
}
