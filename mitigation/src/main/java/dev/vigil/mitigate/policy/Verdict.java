package dev.vigil.mitigate.policy;

import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.Targets;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * What a detector concluded about one entity at one time: the input to {@link PolicyEngine}. The
 * entity is validated and canonicalised by {@link Targets} on construction, so a verdict can only
 * name a well-formed target.
 *
 * @param kind which detection path produced it
 * @param severity how bad the detector judged it
 * @param score the fused anomaly score (finite; higher is more anomalous)
 * @param scope what {@code entity} names
 * @param entity the entity, canonicalised
 * @param summary one line for operators, e.g. {@code "port scan from 10.0.0.7"}
 * @param explanation why (top features, component scores); may be empty
 * @param time when the evidence was seen
 * @param role what the entity did in the traffic (packet path)
 * @param detector which detector of its path concluded it
 * @param address the host address the evidence is about (packet path: the alert's {@code src_ip}),
 *     canonical; the entity itself for an IP verdict, else null. A verdict on a LAN sender names
 *     its MAC as the entity and keeps the address here, so that rules on addresses ({@code cidr},
 *     {@code scope: ip}) and the allowlist still see it
 * @param spoofed whether the address's packets came from a MAC other than the address's trusted
 *     binding: the entity (that MAC) spoofed the address, so the address's own device is not the
 *     one acting and its allowlisting does not protect the entity
 */
public record Verdict(
    Kind kind,
    Severity severity,
    double score,
    Decision.Scope scope,
    String entity,
    String summary,
    String explanation,
    Instant time,
    Role role,
    Detector detector,
    String address,
    boolean spoofed) {

  /** A verdict on its entity alone: the address is the entity's for an IP verdict, not spoofed. */
  public Verdict(
      Kind kind,
      Severity severity,
      double score,
      Decision.Scope scope,
      String entity,
      String summary,
      String explanation,
      Instant time,
      Role role,
      Detector detector) {
    this(
        kind,
        severity,
        score,
        scope,
        entity,
        summary,
        explanation,
        time,
        role,
        detector,
        scope == Decision.Scope.IP ? entity : null,
        false);
  }

  /** A verdict of the detection path's anomaly detector ({@link Detector#ENSEMBLE}). */
  public Verdict(
      Kind kind,
      Severity severity,
      double score,
      Decision.Scope scope,
      String entity,
      String summary,
      String explanation,
      Instant time,
      Role role) {
    this(kind, severity, score, scope, entity, summary, explanation, time, role, Detector.ENSEMBLE);
  }

  /** A verdict whose traffic role is not known ({@link Role#UNKNOWN}). */
  public Verdict(
      Kind kind,
      Severity severity,
      double score,
      Decision.Scope scope,
      String entity,
      String summary,
      String explanation,
      Instant time) {
    this(kind, severity, score, scope, entity, summary, explanation, time, Role.UNKNOWN);
  }

  /** What the entity did in the traffic that made the verdict (packet path). */
  public enum Role {
    /** It opened the traffic: a scanner, a flooder, a device sending data out. */
    INITIATOR,
    /** It mostly answered others' traffic: a scanned or flooded host. */
    RESPONDER,
    /** Not known (telemetry, or a detector that does not tell). */
    UNKNOWN;

    /** Returns the lower-case name used in policy files. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Which detector of a path concluded a verdict. */
  public enum Detector {
    /**
     * The path's anomaly detector: the ensemble over host traffic windows (packets) or over a
     * series' steps (telemetry).
     */
    ENSEMBLE,
    /** The beacon tracker: a host opening conversations with a new peer on a steady clock. */
    BEACON,
    /** The authentication-failure tracker: a client a server refused too often (guessing). */
    AUTH,
    /**
     * The scan detector: a source whose first-contact connection attempts fail as a scanner's do
     * (sequential hypothesis test, Threshold Random Walk).
     */
    SCAN,
    /**
     * The flood detector: a host's packet rate of one kind changed far past its learned baseline.
     */
    FLOOD;

    /** Returns the lower-case name used in policy files and alerts. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The detection path a verdict comes from. */
  public enum Kind {
    /** Network traffic (the packet path). */
    PACKET,
    /** Device telemetry (the MQTT path). */
    TELEMETRY;

    /** Returns the lower-case name used in policy files. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** How bad a verdict is, in increasing order. */
  public enum Severity {
    /** Nothing anomalous. */
    NONE,
    /** Slightly unusual. */
    LOW,
    /** Clearly unusual. */
    MEDIUM,
    /** Likely an attack or a fault. */
    HIGH,
    /** Certainly an attack or a fault, act now. */
    CRITICAL;

    /** Returns the lower-case name used in policy files. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Validates every field and canonicalises {@code entity}.
   *
   * @throws IllegalArgumentException if {@code entity} is not a valid value of {@code scope}, or
   *     {@code score} is not finite
   */
  public Verdict {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(summary, "summary");
    Objects.requireNonNull(explanation, "explanation");
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(detector, "detector");
    if (!Double.isFinite(score)) {
      throw new IllegalArgumentException("score must be finite, was " + score);
    }
    entity = Targets.canonical(scope, entity);
    if (address != null) {
      address = Targets.canonical(Decision.Scope.IP, address);
    }
    if (spoofed && address == null) {
      throw new IllegalArgumentException("a spoofed verdict must name the spoofed address");
    }
  }
}
