package dev.vigil.daemon.mitigation;

import dev.vigil.daemon.pipeline.EveOutput;
import dev.vigil.mitigate.DecisionChange;
import dev.vigil.mitigate.DecisionListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The daemon's {@link DecisionListener}: writes each decision change to the eve log ({@link
 * EveOutput}). While the mitigation worker decides on an alert ({@link #holding}), the changes that
 * decision makes are held instead, so that the alert's line is written first (with the action the
 * decision took) and then the decision's events naming that alert.
 *
 * <p>The backends apply on their own threads, so a decision's {@code applied} change arrives after
 * the worker has moved on: {@link Held#release} hands over the writer, which runs once that change
 * has arrived (at once when none is awaited), on whichever thread comes last. The worker never
 * waits; the alert's line waits at most the backends' deadline. Changes on other threads (an
 * operator's decision or lift, the expiry sweep, their backends' results) are written at once.
 *
 * <p>Thread-safe.
 */
final class DecisionEvents implements DecisionListener {
  private final Consumer<DecisionChange> direct;
  private final ThreadLocal<Held> holding = new ThreadLocal<>();
  // decisions made while holding, until their APPLIED arrives (each gets one: bounded by the
  // backends' deadline)
  private final Map<String, Held> awaiting = new ConcurrentHashMap<>();
  private volatile Runnable afterBackends = () -> {};

  DecisionEvents(EveOutput eve) {
    this(c -> eve.decision(c, null));
  }

  /** Creates the listener over {@code direct}, which writes a change that is not held. */
  DecisionEvents(Consumer<DecisionChange> direct) {
    this.direct = direct;
  }

  /** The changes of one alert's decision, held until its line can be written. */
  final class Held {
    private final List<DecisionChange> changes = new ArrayList<>();
    private final List<String> made = new ArrayList<>();
    private Consumer<List<DecisionChange>> writer;
    private boolean awaitApplied;
    private boolean applied;
    private boolean ran;

    private synchronized void add(DecisionChange c) {
      changes.add(c);
      if (c.kind() == DecisionChange.Kind.MADE) {
        made.add(c.decision().id());
      } else if (c.kind() == DecisionChange.Kind.APPLIED) {
        applied = true;
        maybeRun();
      }
    }

    /**
     * Hands over what writes the alert's line and the held changes: run now when {@code
     * awaitApplied} is false or the decision's {@code applied} change has arrived, else when it
     * does.
     */
    void release(boolean awaitApplied, Consumer<List<DecisionChange>> write) {
      List<String> forget;
      synchronized (this) {
        this.awaitApplied = awaitApplied;
        this.writer = write;
        forget = awaitApplied ? List.of() : List.copyOf(made);
        maybeRun();
      }
      forget.forEach(awaiting::remove);
    }

    /** Runs the writer with what has arrived (at shutdown: an apply that will not report). */
    private synchronized void force() {
      awaitApplied = false;
      maybeRun();
    }

    private void maybeRun() {
      if (writer != null && !ran && (!awaitApplied || applied)) {
        ran = true;
        writer.accept(List.copyOf(changes));
      }
    }
  }

  /**
   * Runs {@code r} after each change that backends answered ({@code applied}, {@code lifted},
   * {@code expired}): how the mitigation health learns of their failures at once.
   */
  void afterBackends(Runnable r) {
    afterBackends = r;
  }

  @Override
  public void onChange(DecisionChange change) {
    try {
      route(change);
    } finally {
      if (change.kind() != DecisionChange.Kind.MADE) {
        afterBackends.run();
      }
    }
  }

  private void route(DecisionChange change) {
    Held h = holding.get();
    if (h != null && change.kind() == DecisionChange.Kind.MADE) {
      awaiting.put(change.decision().id(), h);
      h.add(change);
      return;
    }
    Held w =
        change.kind() == DecisionChange.Kind.APPLIED
            ? awaiting.remove(change.decision().id())
            : null;
    if (w != null) {
      w.add(change);
    } else if (h != null) {
      h.add(change);
    } else {
      direct.accept(change);
    }
  }

  /**
   * Runs {@code decide} on this thread, holding the changes it makes (even when it throws) in a new
   * {@link Held}, which the caller must {@link Held#release}; returns what {@code decide} returned
   * and the held changes.
   */
  <T> T holding(Held into, Supplier<T> decide) {
    holding.set(into);
    try {
      return decide.get();
    } finally {
      holding.remove();
    }
  }

  /** Returns a new, empty hold. */
  Held hold() {
    return new Held();
  }

  /** Writes every alert still waiting for its decision's apply (at shutdown). */
  void flush() {
    for (Held h : List.copyOf(awaiting.values())) {
      h.force();
    }
    awaiting.clear();
  }
}
