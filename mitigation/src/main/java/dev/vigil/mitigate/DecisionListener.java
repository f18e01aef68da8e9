package dev.vigil.mitigate;

/**
 * Told of every {@link DecisionChange} a {@link DecisionManager} makes: the hook through which the
 * daemon writes decisions to its event log.
 *
 * <p>Called synchronously on the thread that made the change (the caller of {@link
 * DecisionManager#onVerdict}, {@link DecisionManager#submit} or {@link DecisionManager#lift}, or
 * the expiry sweep), so it must be quick and must not call back into the manager. A listener that
 * throws is logged and ignored: it never stops a decision.
 */
@FunctionalInterface
public interface DecisionListener {
  /** Receives one change. */
  void onChange(DecisionChange change);

  /** Returns a listener that ignores every change. */
  static DecisionListener none() {
    return c -> {};
  }
}
