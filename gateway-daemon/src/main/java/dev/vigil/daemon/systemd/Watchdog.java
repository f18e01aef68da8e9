package dev.vigil.daemon.systemd;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds systemd's watchdog ({@code WatchdogSec=}) only while the daemon makes progress: every third
 * of the watchdog period it asks {@link Progress} and sends {@code WATCHDOG=1} when the answer is
 * yes. When detection stalls the pings stop, and systemd kills and restarts the daemon after the
 * period (the unit's {@code Restart=on-failure}); the stall is logged at ERROR once, and its end at
 * INFO. A progress check that throws counts as a stall.
 *
 * <p>Runs on one daemon thread, {@code vigil-watchdog}. Thread-safe.
 */
public final class Watchdog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);

  /** Whether the daemon makes progress; asked from the watchdog's thread. */
  @FunctionalInterface
  public interface Progress {
    /**
     * Returns whether the daemon made progress within {@code staleNanos} of {@code nowNanos}
     * ({@link System#nanoTime()}).
     */
    boolean progressing(long nowNanos, long staleNanos);
  }

  private final SdNotify notify;
  private final Progress progress;
  private final long staleNanos;
  private final ScheduledExecutorService timer;
  private volatile long pings;
  private boolean stalled;

  private Watchdog(SdNotify notify, Progress progress, Duration period) {
    this.notify = notify;
    this.progress = progress;
    // stale after half the period: a stall is caught before systemd gives up on the last ping
    this.staleNanos = period.toNanos() / 2;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "vigil-watchdog");
              t.setDaemon(true);
              return t;
            });
    long every = Math.max(1, period.toMillis() / 3);
    timer.scheduleAtFixedRate(this::tick, 0, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Starts feeding the watchdog of {@code WATCHDOG_USEC} (set by systemd for this process: {@code
   * WATCHDOG_PID} is absent or ours); empty when there is none.
   */
  public static Optional<Watchdog> fromEnvironment(SdNotify notify, Progress progress) {
    Optional<Duration> period =
        period(
            System.getenv("WATCHDOG_USEC"),
            System.getenv("WATCHDOG_PID"),
            ProcessHandle.current().pid());
    return notify.enabled() ? period.map(p -> start(notify, progress, p)) : Optional.empty();
  }

  /** Starts feeding a watchdog of {@code period} through {@code notify}. */
  public static Watchdog start(SdNotify notify, Progress progress, Duration period) {
    Objects.requireNonNull(notify, "notify");
    Objects.requireNonNull(progress, "progress");
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("period must be positive, was " + period);
    }
    return new Watchdog(notify, progress, period);
  }

  /** The watchdog period systemd set, if it set one for process {@code pid}. */
  static Optional<Duration> period(String usec, String watchdogPid, long pid) {
    if (usec == null || usec.isEmpty()) {
      return Optional.empty();
    }
    if (watchdogPid != null && !watchdogPid.isEmpty() && !watchdogPid.equals(Long.toString(pid))) {
      return Optional.empty();
    }
    try {
      long us = Long.parseLong(usec);
      return us > 0 ? Optional.of(Duration.ofNanos(us * 1000)) : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private synchronized void tick() {
    boolean ok;
    try {
      ok = progress.progressing(System.nanoTime(), staleNanos);
    } catch (RuntimeException e) {
      ok = false;
    }
    if (ok) {
      if (notify.send("WATCHDOG=1")) {
        pings++;
      }
      if (stalled) {
        LOG.info("detection makes progress again; feeding the systemd watchdog");
        stalled = false;
      }
    } else if (!stalled) {
      stalled = true;
      LOG.error(
          "detection has made no progress for {} ms; not feeding the systemd watchdog, which"
              + " restarts the daemon unless it recovers",
          staleNanos / 1_000_000);
    }
  }

  /** Returns how many pings were sent. */
  public long pings() {
    return pings;
  }

  /** Stops feeding the watchdog. */
  @Override
  public void close() {
    timer.shutdownNow();
  }
}
