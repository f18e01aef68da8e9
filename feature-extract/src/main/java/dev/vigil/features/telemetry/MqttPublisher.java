package dev.vigil.features.telemetry;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLSocketFactory;

/**
 * Publishes messages to an MQTT broker with the connection settings of {@link MqttOptions}
 * (brokers, client id, credentials, TLS, protocol, QoS, keep-alive; the subscriptions are not
 * used), for tools that feed telemetry such as the CSV replay.
 *
 * <p>Publishes are pipelined: {@link #publish} returns once the message is handed to the client and
 * waits only while {@code maxInFlight} publishes are unconfirmed (QoS 1 and 2: until the broker
 * acknowledges; QoS 0: until written to the socket). {@link #flush} waits for all of them. There is
 * no reconnection: a lost connection fails the next call with the cause, since a replay that
 * silently skipped messages would mislead. Not thread-safe: one thread publishes.
 */
public final class MqttPublisher implements AutoCloseable {
  /** Most unconfirmed publishes allowed at once. */
  public static final int MAX_IN_FLIGHT = 1000;

  /** Longest wait for one confirmation before the publisher gives up. */
  private static final long CONFIRM_TIMEOUT_MILLIS = 30_000;

  private final MqttOptions options;
  private final int maxInFlight;
  private final ArrayDeque<MqttLink.Pending> pending = new ArrayDeque<>();
  private volatile Throwable lost;
  private MqttLink link;
  private boolean closed;
  private long published;

  /**
   * Creates a publisher; nothing connects until {@link #connect}.
   *
   * @param options broker and connection settings; {@link MqttOptions#qos()} is used for every
   *     message
   * @param maxInFlight unconfirmed publishes allowed at once, 1 to 1000
   */
  public MqttPublisher(MqttOptions options, int maxInFlight) {
    this.options = Objects.requireNonNull(options, "options");
    if (maxInFlight < 1 || maxInFlight > MAX_IN_FLIGHT) {
      throw new IllegalArgumentException(
          "maxInFlight must be between 1 and " + MAX_IN_FLIGHT + ", was " + maxInFlight);
    }
    this.maxInFlight = maxInFlight;
  }

  /**
   * Connects, trying the brokers in order, and waits for the outcome.
   *
   * @throws IOException naming the brokers and why the connection failed
   * @throws IllegalStateException if already connected or closed
   */
  public void connect() throws IOException {
    if (link != null || closed) {
      throw new IllegalStateException(closed ? "closed" : "connect() was already called");
    }
    SSLSocketFactory ssl = options.tls() == null ? null : TlsContexts.socketFactory(options.tls());
    try {
      link =
          MqttLink.create(
              options,
              ssl,
              new MqttLink.Listener() {
                @Override
                public void message(String topic, byte[] payload) {
                  // publisher only: nothing is subscribed
                }

                @Override
                public void lost(Throwable cause) {
                  lost = cause;
                }
              },
              // twice our window: Paho frees a slot a little after it completes the token, and a
              // refused publish costs a retry
              2 * maxInFlight);
      link.connect();
    } catch (Exception e) {
      throw new IOException("cannot connect to " + options.serverUris() + ": " + describe(e), e);
    }
  }

  /** Returns the URI of the broker connected to. */
  public String serverUri() {
    return link == null ? options.serverUris().get(0) : link.serverUri();
  }

  /**
   * Publishes one message at the options' QoS; waits while {@code maxInFlight} publishes are
   * unconfirmed.
   *
   * @throws IOException if the connection is lost or the broker does not confirm an earlier publish
   *     within 30 s
   */
  public void publish(String topic, byte[] payload) throws IOException {
    if (link == null) {
      throw new IllegalStateException(closed ? "closed" : "connect() first");
    }
    checkConnected();
    while (pending.size() >= maxInFlight) {
      confirmOldest();
    }
    long deadline = System.nanoTime() + Duration.ofMillis(CONFIRM_TIMEOUT_MILLIS).toNanos();
    while (true) {
      MqttLink.Pending p;
      try {
        p = link.publish(topic, payload, options.qos());
      } catch (Exception e) {
        throw failure("publishing to " + topic + " failed", e);
      }
      if (p != null) {
        pending.add(p);
        published++;
        return;
      }
      // The client's own window is full (MQTT 5: the broker's Receive Maximum); it frees a slot a
      // little after the confirmation.
      if (!pending.isEmpty()) {
        confirmOldest();
      } else if (System.nanoTime() - deadline > 0) {
        throw new IOException("the MQTT client stayed busy for 30 s publishing to " + topic);
      } else {
        LockSupport.parkNanos(100_000);
      }
    }
  }

  /**
   * Waits until every publish so far is confirmed.
   *
   * @throws IOException if one fails or is not confirmed within 30 s
   */
  public void flush() throws IOException {
    while (!pending.isEmpty()) {
      confirmOldest();
    }
    checkConnected();
  }

  /** Returns the messages handed to the client so far. */
  public long published() {
    return published;
  }

  private void confirmOldest() throws IOException {
    MqttLink.Pending p = pending.poll();
    boolean done;
    try {
      done = p.await(CONFIRM_TIMEOUT_MILLIS);
    } catch (Exception e) {
      throw failure("a publish was not confirmed", e);
    }
    if (!done) {
      throw new IOException("the broker " + serverUri() + " did not confirm a publish within 30 s");
    }
  }

  private void checkConnected() throws IOException {
    Throwable cause = lost;
    if (cause != null) {
      throw new IOException("connection to " + serverUri() + " lost: " + describe(cause), cause);
    }
  }

  private IOException failure(String what, Exception e) {
    Throwable cause = lost != null ? lost : e;
    return new IOException(what + " (" + serverUri() + "): " + describe(cause), cause);
  }

  private static String describe(Throwable e) {
    StringBuilder b = new StringBuilder();
    int depth = 0;
    for (Throwable c = e; c != null && depth < 8; c = c.getCause(), depth++) {
      String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
      if (b.indexOf(m) < 0) {
        b.append(b.length() == 0 ? "" : ": ").append(m);
      }
    }
    return b.toString();
  }

  /**
   * Waits briefly (at most 5 s) for unconfirmed publishes, then disconnects. Call {@link #flush}
   * first to learn whether every message arrived. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    if (link == null) {
      return;
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!pending.isEmpty() && System.nanoTime() - deadline < 0 && lost == null) {
      try {
        pending.poll().await(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      } catch (Exception e) {
        break;
      }
    }
    pending.clear();
    link.close();
    link = null;
  }
}
