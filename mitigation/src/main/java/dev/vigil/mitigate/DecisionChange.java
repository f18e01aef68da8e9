package dev.vigil.mitigate;

import dev.vigil.mitigate.api.Decision;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One step in a decision's life, as {@link DecisionManager} reports it to its {@link
 * DecisionListener}.
 *
 * @param kind what happened
 * @param decision the decision it happened to
 * @param at when, by the manager's clock
 * @param backends {@link Kind#APPLIED}, {@link Kind#LIFTED}, {@link Kind#EXPIRED}: the backends
 *     that carried out the apply or the revoke; else empty
 * @param failed the backends whose apply or revoke failed (each failure is also counted by the
 *     registry); else empty
 */
public record DecisionChange(
    Kind kind, Decision decision, Instant at, List<String> backends, List<String> failed) {

  /** What happened to a decision. */
  public enum Kind {
    /** Made (by policy or an operator) and stored; simulated decisions stop here. */
    MADE,
    /** Handed to the backends of its action (a decision whose action has none is only made). */
    APPLIED,
    /** Lifted by an operator before it expired: revoked and marked in the store. */
    LIFTED,
    /** Reached its expiry: revoked and marked in the store. */
    EXPIRED
  }

  /** Validates and copies. */
  public DecisionChange {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(decision, "decision");
    Objects.requireNonNull(at, "at");
    backends = List.copyOf(backends);
    failed = List.copyOf(failed);
  }
}
