package dev.vigil.daemon.mitigation;

import dev.vigil.daemon.pipeline.EveOutput;
import dev.vigil.mitigate.DecisionChange;
import dev.vigil.mitigate.DecisionListener;
import java.util.List;
import java.util.function.Supplier;

/**
 * The daemon's {@link DecisionListener}: writes each decision change to the eve log ({@link
 * EveOutput}). While the mitigation worker decides on an alert ({@link #holding}), the changes that
 * decision makes on its thread are held instead, so that the worker writes the alert's line first
 * (with the action the decision took) and then the decision's events naming that alert. Changes on
 * other threads (an operator's decision or lift, the expiry sweep) are written at once.
 *
 * <p>Thread-safe.
 */
final class DecisionEvents implements DecisionListener {
  private final EveOutput eve;
  private final ThreadLocal<List<DecisionChange>> held = new ThreadLocal<>();

  DecisionEvents(EveOutput eve) {
    this.eve = eve;
  }

  @Override
  public void onChange(DecisionChange change) {
    List<DecisionChange> h = held.get();
    if (h != null) {
      h.add(change);
    } else {
      eve.decision(change, null);
    }
  }

  /**
   * Runs {@code decide} on this thread, adding the changes it makes to {@code into} (even when it
   * throws) instead of writing them; returns what it returned.
   */
  <T> T holding(List<DecisionChange> into, Supplier<T> decide) {
    held.set(into);
    try {
      return decide.get();
    } finally {
      held.remove();
    }
  }
}
