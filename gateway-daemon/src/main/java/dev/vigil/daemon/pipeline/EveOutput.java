package dev.vigil.daemon.pipeline;

import dev.vigil.daemon.alerts.Alert;
import dev.vigil.daemon.alerts.DecisionEvent;
import dev.vigil.daemon.alerts.EveLog;
import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.mitigate.DecisionChange;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.serde.ObjectMapper;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's eve.json event log ({@code alerts.eve-log}): alerts and decision events are queued
 * here (bounded; never blocking the caller) and written in order by one thread, {@code vigil-eve},
 * to an {@link EveLog} that follows logrotate's renames. Without {@code alerts.eve-log} every call
 * does nothing.
 *
 * <p>A line that cannot be written (disk full, folder unwritable) or queued (the writer fell
 * {@value #QUEUE_SIZE} events behind) is counted in {@code vigil.eve.write.failures} (tag {@code
 * reason}: {@code io} or {@code queue_full}) and logged (the first, then every power of two), and
 * the health component {@value #COMPONENT} is DEGRADED until a line is written again. Detection
 * never waits for the disk.
 *
 * <p>Thread-safe.
 */
@Singleton
public final class EveOutput implements AutoCloseable {
  /** The health component's name. */
  public static final String COMPONENT = "eve";

  /** Events queued at most; more are dropped and counted. */
  static final int QUEUE_SIZE = 4096;

  private static final Logger LOG = LoggerFactory.getLogger(EveOutput.class);
  private static final Object STOP = new Object();

  private final EveLog log;
  private final String host;
  private final ObjectMapper mapper;
  private final HealthState health;
  private final BlockingQueue<Object> queue;
  private final Thread writer;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong encodeFailures = new AtomicLong();
  private volatile boolean closed;

  /** Opens {@code alerts.eve-log}, if configured, and starts the writer. */
  @Inject
  public EveOutput(
      VigilConfig config, ObjectMapper mapper, MeterRegistry meters, HealthState health) {
    this(
        config.alerts().eveLog(),
        config.alerts().host(),
        EveLog.CHECK_EVERY,
        mapper,
        meters,
        health);
  }

  /**
   * Opens {@code file}, if present, checking its identity at most once per {@code checkEvery}, and
   * starts the writer.
   *
   * @param host the sensor name every event carries
   */
  EveOutput(
      Optional<Path> file,
      String host,
      Duration checkEvery,
      ObjectMapper mapper,
      MeterRegistry meters,
      HealthState health) {
    this.host = host;
    this.mapper = mapper;
    this.health = health;
    if (file.isEmpty()) {
      log = null;
      queue = null;
      writer = null;
      return;
    }
    log = EveLog.open(file.get(), checkEvery, System::nanoTime);
    if (log.lastError() != null) {
      LOG.error(
          "cannot open the eve log [{}]: {}; trying again at each event",
          file.get(),
          log.lastError());
    }
    FunctionCounter.builder("vigil.eve.write.failures", this, x -> x.ioFailures())
        .description("eve.json events not written, by why (io: the file; queue_full: too many)")
        .tag("reason", "io")
        .register(meters);
    FunctionCounter.builder("vigil.eve.write.failures", dropped, AtomicLong::get)
        .description("eve.json events not written, by why (io: the file; queue_full: too many)")
        .tag("reason", "queue_full")
        .register(meters);
    FunctionCounter.builder("vigil.eve.reopenings", log, EveLog::reopenings)
        .description("Times the eve log was opened anew (rotated, deleted, failed or reopened)")
        .register(meters);
    FunctionCounter.builder("vigil.eve.events", log, EveLog::written)
        .description("eve.json events written")
        .register(meters);
    queue = new ArrayBlockingQueue<>(QUEUE_SIZE);
    publishHealth();
    writer = new Thread(this::drain, "vigil-eve");
    writer.setDaemon(true);
    writer.start();
  }

  /** Returns whether an eve log is configured. */
  public boolean enabled() {
    return log != null;
  }

  /** Returns the sensor name ({@code alerts.host}) events carry. */
  public String host() {
    return host;
  }

  /** Queues {@code alert}'s line; never blocks. */
  public void alert(Alert alert) {
    offer(alert);
  }

  /**
   * Queues the event of a decision's {@code change}; never blocks.
   *
   * @param alertId the alert the decision was made for, or null
   */
  public void decision(DecisionChange change, String alertId) {
    if (log != null) {
      offer(DecisionEvent.of(change, alertId, host));
    }
  }

  /**
   * Encodes {@code events} as their eve lines would be and throws the text away: writes, queues and
   * counts nothing. For {@link AlertOutput#warmUp()}: the first encoding of a type builds its
   * serializer.
   *
   * @return how many characters were encoded
   */
  public int warmUp(Object... events) {
    int n = 0;
    for (Object e : events) {
      try {
        n += mapper.writeValueAsString(e).length();
      } catch (IOException | RuntimeException x) {
        LOG.debug("warm-up cannot encode [{}]: {}", e.getClass().getSimpleName(), x.toString());
      }
    }
    return n;
  }

  /**
   * Closes the log file and opens its path anew: what a reload (SIGHUP) calls after logrotate moved
   * it. Without it the log notices a move or deletion within a second of its next write anyway.
   *
   * @throws IOException if the path cannot be opened (counted; later writes try again)
   */
  public void reopen() throws IOException {
    if (log != null) {
      try {
        log.reopen();
      } finally {
        publishHealth();
      }
    }
  }

  private void offer(Object event) {
    if (log == null) {
      return;
    }
    if (closed || !queue.offer(event)) {
      long n = dropped.incrementAndGet();
      if (Long.bitCount(n) == 1) {
        LOG.warn(
            "eve log [{}] {}: {} event(s) not written so far",
            log.file(),
            closed ? "closed" : "queue full",
            n);
      }
      publishHealth();
    }
  }

  private void drain() {
    while (true) {
      Object e;
      try {
        e = queue.poll(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException x) {
        return;
      }
      if (e == STOP) {
        return;
      }
      if (e != null) {
        write(e);
      }
    }
  }

  private void write(Object event) {
    String line;
    try {
      line = mapper.writeValueAsString(event);
    } catch (IOException | RuntimeException x) {
      encodeFailures.incrementAndGet();
      LOG.warn("cannot encode an eve event: {}", x.toString());
      return;
    }
    boolean hadError = log.lastError() != null;
    if (!log.write(line)) {
      long n = log.failures();
      if (Long.bitCount(n) == 1) {
        LOG.warn(
            "cannot write to the eve log [{}]: {} ({} event(s) lost so far)",
            log.file(),
            log.lastError(),
            n);
      }
    } else if (hadError) {
      LOG.info("eve log [{}] written again", log.file());
    }
    publishHealth();
  }

  private double ioFailures() {
    return log.failures() + encodeFailures.get();
  }

  private void publishHealth() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("file", log.file().toString());
    d.put("host", host);
    d.put("events", log.written());
    d.put("write_failures", (long) ioFailures());
    d.put("dropped", dropped.get());
    d.put("reopenings", log.reopenings());
    String error = log.lastError();
    if (error != null) {
      d.put("error", error);
    }
    health.set(COMPONENT, error == null ? ComponentHealth.UP : ComponentHealth.DEGRADED, d);
  }

  /**
   * Stops taking events, writes those queued (waiting up to 5 s) and closes the file. Beans that
   * write here ({@code MitigationService}) depend on it, so the context closes them first.
   */
  @PreDestroy
  @Override
  public void close() {
    if (log == null || closed) {
      return;
    }
    closed = true;
    boolean stopQueued = false;
    try {
      stopQueued = queue.offer(STOP, 5, TimeUnit.SECONDS);
      writer.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (writer.isAlive() || !stopQueued) {
      writer.interrupt();
      LOG.warn("eve log [{}]: {} event(s) not written at shutdown", log.file(), queue.size());
    }
    log.close();
  }
}
