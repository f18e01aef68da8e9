package dev.vigil.daemon.logging;

import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each alert to the log as one WARN line (logger {@code vigil.alerts}), at most {@code
 * perMinute} a minute: a flood of alerts cannot flood the journal. Lines over the limit are
 * counted, and the count is said in the first line of the next minute that has room.
 *
 * <p>Thread-safe.
 */
public final class AlertLogLines {
  private static final Logger LOG = LoggerFactory.getLogger("vigil.alerts");
  private static final long MINUTE_NANOS = 60_000_000_000L;

  private final LongSupplier nanos;
  private volatile int perMinute;
  private long windowStart;
  private int written;
  private long suppressedHere;
  private long suppressed;

  /**
   * @param perMinute most lines a minute (0: none)
   */
  public AlertLogLines(int perMinute) {
    this(perMinute, System::nanoTime);
  }

  AlertLogLines(int perMinute, LongSupplier nanos) {
    this.perMinute = perMinute;
    this.nanos = nanos;
    this.windowStart = nanos.getAsLong();
  }

  /** Changes the limit (on reload). */
  public void setPerMinute(int perMinute) {
    this.perMinute = perMinute;
  }

  /**
   * Logs {@code line} unless the minute's limit is reached.
   *
   * @return whether it was written
   */
  public synchronized boolean log(String line) {
    long now = nanos.getAsLong();
    if (now - windowStart >= MINUTE_NANOS) {
      windowStart = now;
      written = 0;
    }
    if (written >= perMinute) {
      suppressedHere++;
      suppressed++;
      return false;
    }
    written++;
    if (suppressedHere > 0) {
      LOG.warn(
          "{} (and {} alert line(s) not logged before it: over logging.alerts-per-minute)",
          line,
          suppressedHere);
      suppressedHere = 0;
    } else {
      LOG.warn("{}", line);
    }
    return true;
  }

  /** Alert lines not written, since start. */
  public synchronized long suppressed() {
    return suppressed;
  }
}
