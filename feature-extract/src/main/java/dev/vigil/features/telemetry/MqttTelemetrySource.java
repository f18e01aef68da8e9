package dev.vigil.features.telemetry;

import dev.vigil.common.settings.StrictSettings;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLSocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscribes to MQTT telemetry and hands the decoded {@link Reading}s to a consumer.
 *
 * <p>Threads: the MQTT client's callback thread decodes each message ({@link PayloadDecoder}) and
 * offers its readings to a bounded lock-free ring; it never waits: a reading that finds the ring
 * full is dropped and counted ({@link Stats#overflows}). A consumer thread of this source takes the
 * readings from the ring and calls the {@link ReadingSink} (an exception from the sink is counted,
 * {@link Stats#sinkFailures}, and the next reading is delivered), and {@link ReadingSink#caughtUp}
 * whenever the ring is empty. While messages flow the consumer takes the readings in batches, at
 * least once a millisecond and at once when the ring is a quarter full, so that the MQTT thread
 * does not pay for a wake-up per message; when idle it sleeps until the next reading. A third
 * thread (re)connects.
 *
 * <p>Connection: {@link #start} returns at once and connects in the background, trying {@link
 * MqttOptions#serverUris} in order; a failed attempt, including the first, is retried after {@link
 * MqttOptions#minReconnectDelay}, doubled (plus up to 25 % jitter) after each further failure up to
 * {@link MqttOptions#maxReconnectDelay}. After a lost connection the first retry comes after the
 * minimum delay. After each connect the subscriptions are made again unless the broker resumed the
 * session ({@link MqttOptions#cleanSession} false and the session still present), so that they
 * survive a broker restart either way. MQTT QoS acknowledgements are sent once a message is decoded
 * into the ring (or counted as overflow), not once the consumer has it.
 */
public final class MqttTelemetrySource implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MqttTelemetrySource.class);

  /** While readings came this recently, the consumer naps instead of waiting to be woken. */
  private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  /** The consumer's nap while readings flow: the most a reading waits in the ring then. */
  private static final long NAP_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /**
   * The consumer's sleep when idle (it is woken by the next reading; this bounds a lost wake-up).
   */
  private static final long SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /**
   * Counters, as of the call to {@link #stats}.
   *
   * @param messages MQTT messages received (decoded, good or bad)
   * @param readings readings decoded (offered to the ring)
   * @param delivered readings handed to the sink
   * @param overflows readings dropped because the ring was full
   * @param bad bad payloads by reason (only non-zero ones)
   * @param connected whether connected and subscribed now
   * @param connects successful connections
   * @param reconnects successful connections after the first
   * @param connectFailures failed connect attempts
   * @param subscribes subscription requests acknowledged (the session was not resumed)
   * @param subscribeFailures filters the broker refused, and subscription requests that failed
   * @param sessionPresent whether the broker resumed the session at the last connect
   * @param sinkFailures exceptions thrown by the sink
   * @param lastError the last connection problem, or null
   */
  public record Stats(
      long messages,
      long readings,
      long delivered,
      long overflows,
      Map<BadPayload, Long> bad,
      boolean connected,
      long connects,
      long reconnects,
      long connectFailures,
      long subscribes,
      long subscribeFailures,
      boolean sessionPresent,
      long sinkFailures,
      String lastError) {}

  /**
   * How readings reach the sink.
   *
   * <ul>
   *   <li>{@link #QUEUED}: through a bounded ring to this source's consumer thread; a slow sink
   *       never holds up the MQTT client, and what finds the ring full is dropped and counted.
   *   <li>{@link #DIRECT}: on the MQTT client's callback thread, under a lock that the consumer
   *       thread takes only to call {@link ReadingSink#caughtUp} (every 10 ms); a slow sink holds
   *       up the client (the broker then queues), nothing is dropped here, and acknowledgements are
   *       sent once the sink has the reading. One thread hand-off fewer: measured with {@code vigil
   *       bench mqtt} on 2 cores, every message scored at QoS 0, 113 % of a bare subscriber's rate
   *       against 76 % queued.
   * </ul>
   */
  public enum Delivery {
    /** Through the ring to the consumer thread. */
    QUEUED,
    /** On the MQTT callback thread, serialised with the consumer's ticks. */
    DIRECT
  }

  /**
   * In {@link Delivery#DIRECT}, how often the consumer thread calls {@link ReadingSink#caughtUp}.
   */
  private static final long DIRECT_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final MqttOptions options;
  private final PayloadDecoder decoder;
  private final ReadingSink sink;
  private final Delivery delivery;
  private final Object sinkLock = new Object();
  private final ReadingRing ring;
  private final String[] filters;

  private final AtomicLong overflows = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong connects = new AtomicLong();
  private final AtomicLong connectFailures = new AtomicLong();
  private final AtomicLong subscribes = new AtomicLong();
  private final AtomicLong subscribeFailures = new AtomicLong();
  private final AtomicLong sinkFailures = new AtomicLong();
  private final AtomicBoolean retryPending = new AtomicBoolean();
  private volatile boolean connected;
  private volatile boolean sessionPresent;
  private volatile String lastError;
  // Set while the consumer sleeps until woken (idle); while messages flow it naps instead.
  private volatile boolean consumerAsleep;
  private final int wakeThreshold;
  private volatile boolean running;
  private volatile boolean closed;

  // Connect thread only.
  private boolean subscribedOnce;
  private long nextDelayMillis;
  private int failuresInARow;

  private MqttLink link;
  private ScheduledExecutorService connector;
  private Thread consumer;

  /**
   * Creates a source; nothing connects until {@link #start}.
   *
   * @param options broker, session and subscriptions (none: the decoder's template filters)
   * @param decoder turns messages into readings; its counters are this source's
   * @param queueCapacity readings held between the MQTT thread and the consumer, rounded up to a
   *     power of two (2 to 2^24)
   * @param sink receives every reading, on this source's consumer thread
   */
  public MqttTelemetrySource(
      MqttOptions options, PayloadDecoder decoder, int queueCapacity, ReadingSink sink) {
    this(options, decoder, queueCapacity, sink, Delivery.QUEUED);
  }

  /**
   * Creates a source that delivers as {@code delivery} says; nothing connects until {@link #start}.
   *
   * @param queueCapacity as for the four-argument constructor (unused with {@link Delivery#DIRECT})
   */
  public MqttTelemetrySource(
      MqttOptions options,
      PayloadDecoder decoder,
      int queueCapacity,
      ReadingSink sink,
      Delivery delivery) {
    this.delivery = Objects.requireNonNull(delivery, "delivery");
    this.options = Objects.requireNonNull(options, "options");
    this.decoder = Objects.requireNonNull(decoder, "decoder");
    this.sink = Objects.requireNonNull(sink, "sink");
    if (queueCapacity < 2 || queueCapacity > (1 << 24)) {
      throw new IllegalArgumentException(
          "queueCapacity must be between 2 and 16777216, was " + queueCapacity);
    }
    this.ring = new ReadingRing(Integer.highestOneBit(queueCapacity - 1) << 1);
    this.wakeThreshold = Math.max(1, ring.capacity() / 4);
    List<String> subs =
        options.subscriptions().isEmpty() ? decoder.subscriptionFilters() : options.subscriptions();
    for (String f : subs) {
      MqttOptions.validateFilter(f);
    }
    this.filters = subs.toArray(new String[0]);
    this.nextDelayMillis = options.minReconnectDelay().toMillis();
  }

  /**
   * Starts the consumer thread and the first connect attempt; returns without waiting for the
   * connection ({@link #awaitConnected}).
   *
   * @throws IOException if the TLS files cannot be read
   * @throws IllegalStateException if already started or closed
   */
  public synchronized void start() throws IOException {
    if (running || closed) {
      throw new IllegalStateException(closed ? "closed" : "already started");
    }
    SSLSocketFactory ssl = options.tls() == null ? null : TlsContexts.socketFactory(options.tls());
    try {
      link = MqttLink.create(options, ssl, new Callbacks());
    } catch (Exception e) {
      throw new IOException("cannot create the MQTT client: " + e.getMessage(), e);
    }
    running = true;
    String name = options.clientId();
    consumer = new Thread(this::consume, "vigil-mqtt-consumer-" + name);
    consumer.setDaemon(true);
    consumer.start();
    connector =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "vigil-mqtt-connect-" + name);
              t.setDaemon(true);
              return t;
            });
    schedule(0);
  }

  /** Returns whether the source is connected and subscribed now. */
  public boolean isConnected() {
    return connected;
  }

  /**
   * Waits until the source is connected and subscribed, at most {@code timeout}; returns whether it
   * is.
   */
  public boolean awaitConnected(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!connected) {
      if (System.nanoTime() - deadline >= 0 || closed) {
        return connected;
      }
      Thread.sleep(5);
    }
    return true;
  }

  /** Returns the decoder. */
  public PayloadDecoder decoder() {
    return decoder;
  }

  /** Returns the subscriptions made. */
  public List<String> subscriptions() {
    return List.of(filters);
  }

  /** Returns readings waiting for the consumer. */
  public int queued() {
    return ring.size();
  }

  /** Returns the counters now. */
  public Stats stats() {
    long c = connects.get();
    return new Stats(
        decoder.messages(),
        decoder.readings(),
        delivered.get(),
        overflows.get(),
        decoder.bad().snapshot(),
        connected,
        c,
        Math.max(0, c - 1),
        connectFailures.get(),
        subscribes.get(),
        subscribeFailures.get(),
        sessionPresent,
        sinkFailures.get(),
        lastError);
  }

  // ---- MQTT callback thread

  private final class Callbacks implements MqttLink.Listener {
    private final ReadingSink enqueue =
        delivery == Delivery.DIRECT
            ? this::direct
            : r -> {
              if (!ring.offer(r)) {
                overflows.incrementAndGet();
              } else if (consumerAsleep || ring.size() >= wakeThreshold) {
                LockSupport.unpark(consumer);
              }
            };

    private void direct(Reading r) {
      synchronized (sinkLock) {
        deliver(r);
      }
    }

    @Override
    public void message(String topic, byte[] payload) {
      // Never throw into the client: Paho would drop the connection.
      try {
        decoder.decode(topic, payload, System.currentTimeMillis(), enqueue);
      } catch (RuntimeException e) {
        LOG.error("MQTT message on [{}] could not be decoded", StrictSettings.quote(topic), e);
      }
    }

    @Override
    public void lost(Throwable cause) {
      connected = false;
      if (closed) {
        return;
      }
      lastError = describe(cause);
      LOG.warn("MQTT connection to {} lost ({}); reconnecting", link.serverUri(), describe(cause));
      schedule(options.minReconnectDelay().toMillis());
    }
  }

  // ---- connect thread

  private void schedule(long delayMillis) {
    if (closed || !retryPending.compareAndSet(false, true)) {
      return;
    }
    try {
      connector.schedule(this::attempt, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      retryPending.set(false); // closing
    }
  }

  private void attempt() {
    retryPending.set(false);
    if (closed) {
      return;
    }
    if (link.isConnected()) {
      if (connected) {
        return;
      }
      // Connected without our knowing the outcome (a connect that finished after its wait timed
      // out): start over, so that the session state and subscriptions are known.
      link.abort();
    }
    connected = false;
    boolean present;
    try {
      present = link.connect();
    } catch (Exception e) {
      connectFailures.incrementAndGet();
      lastError = describe(e);
      link.abort(); // cancel a connect still under way (the wait timed out)
      failed("connect to " + options.serverUris() + " failed", e);
      return;
    }
    sessionPresent = present;
    long n = connects.incrementAndGet();
    boolean resubscribe = !present || !subscribedOnce;
    if (resubscribe) {
      try {
        int[] granted = link.subscribe(filters, options.qos());
        subscribes.incrementAndGet();
        for (int i = 0; i < filters.length; i++) {
          if (granted == null || i >= granted.length || granted[i] >= 0x80) {
            subscribeFailures.incrementAndGet();
            LOG.warn(
                "MQTT broker refused the subscription to {} (code {})",
                filters[i],
                granted == null || i >= granted.length ? "none" : granted[i]);
          }
        }
        subscribedOnce = true;
      } catch (Exception e) {
        subscribeFailures.incrementAndGet();
        lastError = describe(e);
        link.abort();
        failed("subscribing to " + List.of(filters) + " failed", e);
        return;
      }
    }
    if (!link.isConnected()) {
      failed("connection dropped while subscribing", null);
      return;
    }
    connected = true;
    if (failuresInARow > 0 || n > 1) {
      LOG.info(
          "MQTT connected to {} ({}; session {}){}",
          link.serverUri(),
          n > 1 ? "reconnect " + (n - 1) : "first connect",
          present ? "resumed" : "new",
          resubscribe ? ", subscribed to " + List.of(filters) : "");
    } else {
      LOG.info("MQTT connected to {}, subscribed to {}", link.serverUri(), List.of(filters));
    }
    failuresInARow = 0;
    nextDelayMillis = options.minReconnectDelay().toMillis();
  }

  private void failed(String what, Exception e) {
    failuresInARow++;
    long delay = nextDelayMillis;
    if (failuresInARow == 1) {
      LOG.warn("MQTT {}: {}; retrying in {} ms", what, describe(e), delay);
    } else {
      LOG.debug("MQTT {} ({} in a row): {}", what, failuresInARow, describe(e));
    }
    long max = options.maxReconnectDelay().toMillis();
    nextDelayMillis = Math.min(max, nextDelayMillis * 2);
    long jitter = delay / 4 > 0 ? ThreadLocalRandom.current().nextLong(delay / 4 + 1) : 0;
    schedule(Math.min(max, delay + jitter));
  }

  private static String describe(Throwable e) {
    if (e == null) {
      return "no detail";
    }
    StringBuilder b = new StringBuilder(message(e));
    int depth = 0;
    for (Throwable c = e.getCause(); c != null && depth < 8; c = c.getCause(), depth++) {
      String m = message(c);
      if (b.indexOf(m) < 0) {
        b.append(": ").append(m);
      }
    }
    return b.toString();
  }

  private static String message(Throwable t) {
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  // ---- consumer thread

  private void deliver(Reading r) {
    try {
      sink.accept(r);
    } catch (RuntimeException e) {
      if (sinkFailures.incrementAndGet() == 1) {
        LOG.error("telemetry sink failed (counted; later failures are not logged)", e);
      }
    }
    delivered.incrementAndGet();
  }

  private void caughtUp() {
    try {
      sink.caughtUp();
    } catch (RuntimeException e) {
      if (sinkFailures.incrementAndGet() == 1) {
        LOG.error("telemetry sink failed (counted; later failures are not logged)", e);
      }
    }
  }

  /** {@link Delivery#DIRECT}: the consumer thread only ticks, under the sink's lock. */
  private void tickDirect() {
    while (running) {
      synchronized (sinkLock) {
        caughtUp();
      }
      LockSupport.parkNanos(this, DIRECT_TICK_NANOS);
    }
  }

  private void consume() {
    if (delivery == Delivery.DIRECT) {
      tickDirect();
      return;
    }
    long lastActive = System.nanoTime();
    while (true) {
      Reading r = ring.poll();
      if (r != null) {
        deliver(r);
        continue;
      }
      if (!running) {
        return; // closed and drained
      }
      caughtUp();
      long now = System.nanoTime();
      if (now - lastActive < IDLE_NANOS) {
        // Messages are flowing: nap and take what came meanwhile in one go, rather than be woken
        // for every reading (a wake-up per message costs the MQTT thread more than decoding).
        LockSupport.parkNanos(this, NAP_NANOS);
        if (!ring.isEmpty()) {
          lastActive = System.nanoTime();
        }
        continue;
      }
      consumerAsleep = true;
      if (ring.isEmpty() && running) {
        LockSupport.parkNanos(this, SLEEP_NANOS); // woken by the next reading
      }
      consumerAsleep = false;
      lastActive = System.nanoTime();
    }
  }

  /**
   * Disconnects, stops the threads and delivers the readings already queued (waiting at most 5 s
   * for the consumer). Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    connected = false;
    if (connector != null) {
      connector.shutdownNow();
      try {
        connector.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (link != null) {
      link.close();
    }
    running = false;
    if (consumer != null) {
      LockSupport.unpark(consumer);
      try {
        consumer.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
