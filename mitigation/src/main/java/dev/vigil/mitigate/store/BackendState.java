package dev.vigil.mitigate.store;

/**
 * Where one decision stands on one backend: its apply, then (once the decision ended) its revoke.
 * Stored by name in {@link DecisionStore}'s {@code backend_outcomes}.
 */
public enum BackendState {
  /** Apply queued or running (or to be retried after a failure). */
  PENDING(false),
  /** The backend applied it. */
  APPLIED(true),
  /** The last apply failed or ran past its deadline; retried with backoff until given up. */
  FAILED(false),
  /** The apply was given up after the most attempts; the next reconcile is its last chance. */
  GAVE_UP(true),
  /** Ended (expired or lifted): revoke queued or running. */
  REVOKE_PENDING(false),
  /** The backend revoked it. */
  REVOKED(true),
  /** The last revoke failed or ran past its deadline; retried with backoff until given up. */
  REVOKE_FAILED(false),
  /** The revoke was given up after the most attempts; the next reconcile drops it. */
  REVOKE_GAVE_UP(true);

  private final boolean settled;

  BackendState(boolean settled) {
    this.settled = settled;
  }

  /** Returns whether nothing more will be tried (no retry is due). */
  public boolean settled() {
    return settled;
  }

  /** Returns whether this is a state of the revoke (the decision has ended). */
  public boolean revoking() {
    return ordinal() >= REVOKE_PENDING.ordinal();
  }

  /** Returns the name as served and logged: lower case ({@code revoke_pending}). */
  public String text() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
