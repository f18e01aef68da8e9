package dev.vigil.features;

import dev.vigil.features.packet.PacketMeta;

/**
 * Per-host feature state fed one parsed packet at a time, emitting one vector per host and window
 * to a {@link dev.vigil.features.window.WindowListener}.
 *
 * <p>Implementations are bounded in memory, allocate nothing per packet, and are not thread-safe.
 */
public interface HostFeatures {
  /** Returns the layout of the emitted vectors. */
  FeatureSchema schema();

  /** Accounts one parsed packet. */
  void update(PacketMeta m);

  /** Closes and emits every window that ended at or before {@code nowMicros}. */
  void expire(long nowMicros);

  /** Closes every open window at the end of input. */
  void flush();

  /** Returns the hosts currently tracked. */
  int hostCount();

  /** Returns entries evicted to stay within the memory bound. */
  long evictions();

  /** Returns windows emitted. */
  long emitted();

  /** Returns short end-of-input tails dropped by {@link #flush}. */
  long droppedTails();

  /**
   * During a listener's {@code onWindow}: whether the host of the window being emitted mostly
   * answered others' traffic (a responder, e.g. a scanned host) rather than opening its own; false
   * where the feature set does not tell.
   */
  default boolean emittingResponder() {
    return false;
  }

  /**
   * Sets the judge of in-progress windows (null: off, the default): a host whose window it finds
   * beyond the benign range has its window closed and emitted at once (see {@link
   * dev.vigil.features.table.WindowedHostTable}).
   */
  void earlyJudge(dev.vigil.features.window.EarlyJudge judge);

  /**
   * Returns the indices, ascending, of the features that can only grow within a window (counts):
   * those an {@link dev.vigil.features.window.EarlyJudge} is offered. A copy.
   */
  int[] growingFeatures();

  /**
   * During a listener's {@code onWindow}: whether the window being emitted was closed early, before
   * its end, because its judge found it beyond the benign range.
   */
  boolean emittingEarly();

  /** Returns windows closed early (a subset of {@link #emitted()}). */
  long earlyClosed();
}
