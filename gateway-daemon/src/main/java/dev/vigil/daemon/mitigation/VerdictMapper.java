package dev.vigil.daemon.mitigation;

import dev.vigil.daemon.alerts.Alert;
import dev.vigil.daemon.alerts.EveTime;
import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.policy.Verdict;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Turns an alert into the {@link Verdict} the policy engine decides on: a packet alert is about the
 * MAC that sent it on the LAN ({@code ether.src_mac}), else the host's IP ({@code src_ip}); a
 * telemetry alert about the device.
 *
 * <p>Stateless and thread-safe.
 */
final class VerdictMapper {
  private VerdictMapper() {}

  /**
   * Returns the verdict an alert makes: a packet alert ({@code src_ip}) of a LAN sender ({@code
   * ether.src_mac}) is about the sender's MAC, for its address and spoofed or not ({@code
   * vigil.spoofed}); one of a remote host about the host's IP; a telemetry alert about the device;
   * severity, score and summary are the alert's; the time is when its evidence began: a window
   * alert's {@code vigil.window_start}, else its timestamp ({@code now} if neither parses), so that
   * a window overlapping an operator's lift (mostly traffic from the quarantined time) is judged as
   * evidence from before the lift. An unknown severity is NONE, an unknown role UNKNOWN, an unknown
   * detector the ensemble.
   *
   * @throws IllegalArgumentException if the alert names no entity, or one that is not a valid
   *     target of its scope
   */
  static Verdict verdictOf(Alert a, Instant now) {
    Alert.Detail d = a.vigil();
    Verdict.Severity sev;
    try {
      sev = Verdict.Severity.valueOf(d.severity().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      sev = Verdict.Severity.NONE;
    }
    Instant time;
    try {
      time = EveTime.parse(d.windowStart() != null ? d.windowStart() : a.timestamp());
    } catch (DateTimeParseException e) {
      try {
        time = EveTime.parse(a.timestamp());
      } catch (DateTimeParseException | NullPointerException e2) {
        time = now;
      }
    } catch (NullPointerException e) {
      time = now;
    }
    double score = Double.isFinite(d.score()) ? d.score() : 0;
    String summary = "alert " + d.id() + ": " + (d.summary() == null ? "" : d.summary());
    if (a.srcIp() != null) {
      Verdict.Role role =
          d.role() == null
              ? Verdict.Role.UNKNOWN
              : switch (d.role()) {
                case "initiator" -> Verdict.Role.INITIATOR;
                case "responder" -> Verdict.Role.RESPONDER;
                default -> Verdict.Role.UNKNOWN;
              };
      Verdict.Detector detector =
          switch (d.detector() == null ? "" : d.detector()) {
            case "beacon" -> Verdict.Detector.BEACON;
            case "auth" -> Verdict.Detector.AUTH;
            case "scan" -> Verdict.Detector.SCAN;
            case "flood" -> Verdict.Detector.FLOOD;
            default -> Verdict.Detector.ENSEMBLE;
          };
      Alert.Ether ether = a.ether();
      if (ether != null && ether.srcMac() != null) {
        return new Verdict(
            Verdict.Kind.PACKET,
            sev,
            score,
            Decision.Scope.MAC,
            ether.srcMac(),
            summary,
            "",
            time,
            role,
            detector,
            a.srcIp(),
            Boolean.TRUE.equals(d.spoofed()));
      }
      return new Verdict(
          Verdict.Kind.PACKET,
          sev,
          score,
          Decision.Scope.IP,
          a.srcIp(),
          summary,
          "",
          time,
          role,
          detector);
    }
    Alert.Series series = d.telemetry();
    if (series != null && series.device() != null) {
      return new Verdict(
          Verdict.Kind.TELEMETRY,
          sev,
          score,
          Decision.Scope.DEVICE,
          series.device(),
          summary,
          "",
          time);
    }
    throw new IllegalArgumentException("the alert names neither a host nor a device");
  }
}
