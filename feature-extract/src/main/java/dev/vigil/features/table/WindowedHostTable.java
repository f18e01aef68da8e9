package dev.vigil.features.table;

import dev.vigil.features.HostFeatures;

/**
 * A per-host slot table with a tumbling window per host: the window clock shared by the per-host
 * feature sets ({@code HostWindowFeatures}, {@code DampedFeatureExtractor}). Each host's window
 * opens at its first packet (or the end of its previous window) and closes {@code windowMicros}
 * later. This class decides when windows close, sweeping the hosts' {@link SlotTable}; subclasses
 * keep the per-host state in that table and compute the vectors.
 *
 * <p>{@link #expire} skips the sweep over the table until some window is due (a lower bound on the
 * earliest window end is kept), so sparse traffic does not pay a full-table scan per check. {@link
 * #flush} applies the end-of-input rule: a trailing partial window is emitted only if it spans at
 * least half a window or its host never had a window emitted (a short-lived host, such as a brief
 * scanner, must still be scored); other short tails are dropped and counted, since their few
 * packets would make an ordinary host look anomalous.
 *
 * <p>Internal to the feature-extract module. Not thread-safe.
 */
public abstract class WindowedHostTable implements HostFeatures {
  /** Window length in microseconds. */
  protected final long windowMicros;

  private long nextDue = Long.MAX_VALUE; // no window ends before this (a lower bound)
  private long droppedTails;

  /** Validates the window length (at least 1 ms). */
  protected WindowedHostTable(long windowMicros) {
    if (windowMicros < 1000) {
      throw new IllegalArgumentException("windowMicros must be at least 1000, was " + windowMicros);
    }
    this.windowMicros = windowMicros;
  }

  /** Returns the table holding the hosts (for its slots). */
  protected abstract SlotTable hostTable();

  /** Returns when host slot {@code i}'s current window opened, microseconds. */
  protected abstract long windowStart(int i);

  /** Returns host slot {@code i}'s last packet time, microseconds. */
  protected abstract long lastSeenMicros(int i);

  /** Returns whether host slot {@code i} sent anything in its current window. */
  protected abstract boolean hasOutbound(int i);

  /** Returns whether host slot {@code i} ever had a window emitted. */
  protected abstract boolean everEmitted(int i);

  /** Emits host slot {@code i}'s window as ending at {@code endMicros} (if it has traffic). */
  protected abstract void closeWindow(int i, long endMicros);

  /**
   * Clears host slot {@code i}'s window counters; implementations must call {@link #windowOpened}.
   */
  protected abstract void resetWindow(int i, long startMicros);

  /** Records that a window opened at {@code startMicros}, for the due-time bound. */
  protected final void windowOpened(long startMicros) {
    nextDue = Math.min(nextDue, startMicros + windowMicros);
  }

  /** Returns the lower bound on the end of the earliest open window. */
  protected final long nextDue() {
    return nextDue;
  }

  /** Sets the lower bound on the end of the earliest open window (after a sweep). */
  protected final void nextDue(long micros) {
    nextDue = micros;
  }

  /**
   * Closes and resets every window that ended by {@code nowMicros}, in slot order; a sweep over the
   * whole table, skipped while no window is due. A subclass may do the same work more cheaply.
   */
  @Override
  public void expire(long nowMicros) {
    if (nowMicros < nextDue) {
      return; // no window is due yet: skip the sweep over the whole table
    }
    SlotTable t = hostTable();
    long due = Long.MAX_VALUE;
    for (int i = 0; i < t.capacity; i++) {
      if (t.isUsed(i)) {
        if (nowMicros - windowStart(i) >= windowMicros) {
          closeWindow(i, windowStart(i) + windowMicros);
          resetWindow(i, nowMicros);
        }
        due = Math.min(due, windowStart(i) + windowMicros);
      }
    }
    nextDue = due;
  }

  @Override
  public final void flush() {
    SlotTable t = hostTable();
    for (int i = 0; i < t.capacity; i++) {
      if (t.isUsed(i)) {
        long last = lastSeenMicros(i);
        if (hasOutbound(i)) {
          if (last - windowStart(i) >= windowMicros / 2 || !everEmitted(i)) {
            closeWindow(i, Math.max(last, windowStart(i) + 1));
          } else {
            droppedTails++;
          }
        }
        resetWindow(i, last);
      }
    }
  }

  @Override
  public final long droppedTails() {
    return droppedTails;
  }
}
