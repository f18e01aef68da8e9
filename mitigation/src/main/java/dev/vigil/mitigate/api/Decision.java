package dev.vigil.mitigate.api;

import java.time.Instant;
import java.util.Objects;

/**
 * A decision to act on one entity for a limited time: what mitigators carry out. Detectors never
 * create decisions directly; policy turns verdicts into decisions.
 *
 * @param id unique id
 * @param scope what {@code value} names
 * @param value the entity, in the canonical text form of its scope
 * @param action what to do
 * @param reason the verdict's summary, for operators
 * @param score the anomaly score that led here, or NaN for manual decisions
 * @param origin who decided
 * @param created when the decision was made
 * @param expires when it lapses; after {@code created}
 * @param simulated dry run: mitigators log instead of acting
 */
public record Decision(
    String id,
    Scope scope,
    String value,
    Action action,
    String reason,
    double score,
    Origin origin,
    Instant created,
    Instant expires,
    boolean simulated) {

  /** What a decision's value names. */
  public enum Scope {
    IP,
    CIDR,
    MAC,
    DEVICE
  }

  /** What a decision asks for. */
  public enum Action {
    QUARANTINE,
    REROUTE,
    ALERT
  }

  /** Who made a decision. */
  public enum Origin {
    DETECTOR,
    MANUAL
  }

  /** Validates every field. */
  public Decision {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(expires, "expires");
    if (id.isBlank()) {
      throw new IllegalArgumentException("id must not be blank");
    }
    if (value.isBlank()) {
      throw new IllegalArgumentException("value must not be blank");
    }
    if (!expires.isAfter(created)) {
      throw new IllegalArgumentException(
          "expires (" + expires + ") must be after created (" + created + ")");
    }
  }

  /** Returns whether the decision has lapsed at {@code now}. */
  public boolean expiredAt(Instant now) {
    return !now.isBefore(expires);
  }
}
