package dev.vigil.mitigate;

/**
 * Told of every {@link DecisionChange} a {@link DecisionManager} makes: the hook through which the
 * daemon writes decisions to its event log.
 *
 * <p>Called synchronously: {@code made} on the thread that made the decision (the caller of {@link
 * DecisionManager#onVerdict} or {@link DecisionManager#submit}); {@code applied}, {@code lifted}
 * and {@code expired} once each backend's first call for the step has settled, on the thread of the
 * backend that settled last (or on the caller's thread when no backend is called). So it must be
 * quick, thread-safe, and must not call back into the manager. A listener that throws is logged and
 * ignored: it never stops a decision.
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
