package dev.vigil.features.table;

import dev.vigil.features.HostFeatures;
import dev.vigil.features.window.EarlyJudge;

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
 * <p><b>Early windows.</b> With an {@link EarlyJudge} set, a window may close before its end: so
 * that a flood or a scan is scored within a fraction of the window instead of a whole window later.
 * Computing a vector per packet would cost the hot path a vector per packet, so a host is judged
 * only at checkpoints of its outbound packet count in the window, the powers of two from {@link
 * #FIRST_CHECKPOINT} on (16, 32, 64, ...): at most about {@code log2(n)} checks for a window of
 * {@code n} packets, and the window closes at the first checkpoint after its counts passed the
 * judge's limit (at most twice the packets needed). At a checkpoint the subclass writes the
 * window's {@link #growingFeatures() growing features} (counts, which only grow within a window, so
 * a partial value past the benign maximum is a lower bound that the full window stays past) into a
 * reused scratch vector; no minimum elapsed time is needed, since no feature judged is a rate over
 * the elapsed time. If the judge finds it beyond the benign range, the window is emitted through
 * the same listener with its actual start and the packet's time as its end ({@link
 * #emittingEarly()} true during the call), and the host's next window opens then. That next window
 * is never closed early (it runs its full length), so a host under a lasting flood emits at most
 * two windows per window length rather than one per checkpoint: the cost of scoring and alerting
 * stays bounded.
 *
 * <p>Internal to the feature-extract module. Not thread-safe.
 */
public abstract class WindowedHostTable implements HostFeatures {
  /** Window length in microseconds. */
  protected final long windowMicros;

  /** The first outbound packet count at which a host's in-progress window is judged. */
  public static final int FIRST_CHECKPOINT = 16;

  private long nextDue = Long.MAX_VALUE; // no window ends before this (a lower bound)
  private long droppedTails;
  private EarlyJudge earlyJudge; // null: no early windows
  private float[] partial; // scratch of the growing features at a checkpoint; made with the judge
  private boolean emittingEarly;
  private long earlyClosed;

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

  /** Returns the schema indices of the features that only grow within a window, ascending. */
  protected abstract int[] growing();

  /**
   * Writes host slot {@code i}'s in-progress values of the {@link #growing()} features into {@code
   * out} (laid out as the schema; other entries untouched). Called at checkpoints only; must not
   * allocate.
   */
  protected abstract void writeGrowing(int i, float[] out);

  /** Returns whether host slot {@code i}'s current window opened at an early close. */
  protected abstract boolean followsEarly(int i);

  /**
   * Marks host slot {@code i}'s current window as opened at an early close; {@link #resetWindow}
   * clears the mark.
   */
  protected abstract void markFollowsEarly(int i);

  /**
   * Called by the subclass once it accounted a packet of host slot {@code i} (the sender), with the
   * host's outbound packet count in its window: judges the window at a checkpoint and closes it
   * early when the judge says so. Call it while slot {@code i} is still the sender's (before
   * inserting another host may move it).
   *
   * @param i the sender's slot
   * @param packetsOut the sender's outbound packets in its window, this one included
   * @param nowMicros the packet's time
   */
  protected final void checkpoint(int i, int packetsOut, long nowMicros) {
    EarlyJudge judge = earlyJudge;
    if (judge == null
        || packetsOut < FIRST_CHECKPOINT
        || (packetsOut & (packetsOut - 1)) != 0
        || followsEarly(i)) {
      return;
    }
    writeGrowing(i, partial);
    if (!judge.beyondBenign(partial, growing())) {
      return;
    }
    long end = Math.max(nowMicros, windowStart(i) + 1);
    emittingEarly = true;
    try {
      closeWindow(i, end);
    } finally {
      emittingEarly = false;
    }
    earlyClosed++;
    resetWindow(i, end);
    markFollowsEarly(i);
  }

  @Override
  public final void earlyJudge(EarlyJudge judge) {
    if (judge != null && partial == null) {
      partial = new float[schema().size()];
    }
    this.earlyJudge = judge;
  }

  @Override
  public final int[] growingFeatures() {
    return growing().clone();
  }

  @Override
  public final boolean emittingEarly() {
    return emittingEarly;
  }

  @Override
  public final long earlyClosed() {
    return earlyClosed;
  }

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
