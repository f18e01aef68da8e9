package dev.vigil.daemon.alerts;

import dev.vigil.detect.fusion.Severity;

/**
 * The rules Vigil's alerts name, one per detector kind: the eve.json {@code gid}, {@code
 * signature_id}, {@code rev}, {@code signature} and {@code category} each kind of alert carries.
 * The ids are stable (rules and dashboards downstream match on them): add new ones, never renumber;
 * raise a rule's {@code rev} when what makes it fire changes.
 */
public enum AlertSignature {
  /** A host's traffic window the packet ensemble scored anomalous. */
  HOST_WINDOW(9_000_001, "VIGIL anomalous host traffic window", "Anomalous traffic", "ensemble"),
  /** A step of a device's telemetry series the series ensemble and surprise flagged. */
  TELEMETRY(9_000_002, "VIGIL anomalous device telemetry", "Anomalous telemetry", "telemetry"),
  /** A host opening conversations with a new peer on a steady clock. */
  BEACON(
      9_000_003,
      "VIGIL periodic conversations with a new peer (beacon)",
      "Potential command and control",
      "beacon"),
  /** A client refused too many logins. */
  AUTH_FAILURES(
      9_000_004, "VIGIL repeated login refusals (password guessing)", "Attempted login", "auth"),
  /** A source whose first-contact connection attempts fail as a scanner's do. */
  SCAN(
      9_000_005,
      "VIGIL failed connection attempts to many hosts or ports (scan)",
      "Attempted information leak",
      "scan"),
  /** A host's packet rate of one kind far past its learned baseline, as sender or as target. */
  FLOOD(9_000_006, "VIGIL packet rate change (flood)", "Attempted denial of service", "flood");

  private static final AlertSignature[] ALL = values();

  /**
   * eve.json's {@code gid} of every Vigil rule: 1, the group of Suricata's own text rules, so that
   * tools that key rules on gid and sid (EveBox, Scirius) see {@code 1:9000001} as any local rule.
   */
  public static final int GID = 1;

  private final int id;
  private final String text;
  private final String category;
  private final String detector;

  AlertSignature(int id, String text, String category, String detector) {
    this.id = id;
    this.text = text;
    this.category = category;
    this.detector = detector;
  }

  /**
   * Returns the signature with eve.json {@code signature_id} {@code id}, or null; allocates
   * nothing.
   */
  public static AlertSignature of(int id) {
    for (AlertSignature s : ALL) {
      if (s.id == id) {
        return s;
      }
    }
    return null;
  }

  /**
   * Returns the detector kind's short name, the {@code detector} label of {@code
   * vigil_alerts_raised_total}: {@code ensemble} (host windows), {@code telemetry}, {@code beacon}
   * or {@code auth}, as policy rules name them.
   */
  public String detector() {
    return detector;
  }

  /** Returns the eve.json {@code signature_id}. */
  public int id() {
    return id;
  }

  /** Returns the eve.json {@code signature}: the rule's human-readable name. */
  public String text() {
    return text;
  }

  /** Returns the eve.json {@code rev}: the rule's revision (every rule is at its first). */
  public int rev() {
    return 1;
  }

  /** Returns the eve.json {@code category}. */
  public String category() {
    return category;
  }

  /**
   * Returns the eve alert object of this rule at {@code s}, as detection leaves it ({@link
   * Alert#ALLOWED}: nothing done yet).
   */
  public Alert.Signature allowed(Severity s) {
    return new Alert.Signature(Alert.ALLOWED, GID, id, rev(), text, category, eveSeverity(s));
  }

  /** Maps a severity to eve.json's scale, 1 (high) to 3 (low). */
  public static int eveSeverity(Severity s) {
    return switch (s) {
      case CRITICAL, HIGH -> 1;
      case MEDIUM -> 2;
      default -> 3;
    };
  }
}
