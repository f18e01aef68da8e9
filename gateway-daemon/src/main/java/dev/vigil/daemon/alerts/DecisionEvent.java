package dev.vigil.daemon.alerts;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.vigil.mitigate.DecisionChange;
import dev.vigil.mitigate.api.Decision;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Locale;

/**
 * One step of a mitigation decision's life (made, applied, lifted, expired) as an eve.json event of
 * its own, beside the alerts in the same log.
 *
 * <p>Suricata has no event type for a decision, and its schema's top level is closed (no key it
 * does not know) while {@code event_type} is any string. So a decision is an event of Vigil's own
 * type {@value #EVENT_TYPE} (prefixed: it can never clash with an event type Suricata adds, and
 * tools that route by {@code event_type}, such as Filebeat's Suricata module, keep it apart from
 * alerts instead of counting a second alert) that carries only envelope fields Suricata defines
 * ({@code timestamp}, {@code event_type}, {@code host}, and {@code src_ip} for a decision on an
 * address, so that it joins the alerts about that host), with the decision itself under {@code
 * vigil.decision} (schema: {@code eve/vigil-extension.schema.json}).
 *
 * @param timestamp when the step happened ({@link EveTime})
 * @param eventType always {@value #EVENT_TYPE}
 * @param srcIp the address decided on (scope {@code ip}), else null
 * @param host the sensor's name ({@code alerts.host})
 * @param vigil the decision
 */
@Serdeable
public record DecisionEvent(
    String timestamp,
    @JsonProperty("event_type") String eventType,
    @JsonProperty("src_ip") String srcIp,
    String host,
    Vigil vigil) {

  /** The {@code event_type} of every decision event. */
  public static final String EVENT_TYPE = "vigil_decision";

  /**
   * The {@code vigil} object of a decision event.
   *
   * @param decision the decision and what happened to it
   */
  @Serdeable
  public record Vigil(Detail decision) {}

  /**
   * A decision and one step of its life.
   *
   * @param event {@code made}, {@code applied}, {@code lifted} or {@code expired}
   * @param id the decision's id (as {@code /decisions} shows it)
   * @param alertId the alert the decision was made for ({@code vigil.id} of its alert event), or
   *     null (a manual decision; an expiry or a lift)
   * @param scope {@code ip}, {@code cidr}, {@code mac} or {@code device}
   * @param value the entity decided on
   * @param action {@code quarantine}, {@code reroute} or {@code alert}
   * @param origin {@code detector} or {@code manual}
   * @param simulated dry run: stored and logged, never applied
   * @param reason why, for operators
   * @param score the anomaly score that led to it; null for manual decisions
   * @param created when it was made ({@link EveTime})
   * @param expires when it lapses ({@link EveTime})
   * @param backends applied, lifted, expired: the backends that carried out the apply or revoke
   * @param failed the backends whose apply or revoke failed
   */
  @Serdeable
  public record Detail(
      String event,
      String id,
      @JsonProperty("alert_id") String alertId,
      String scope,
      String value,
      String action,
      String origin,
      boolean simulated,
      String reason,
      Double score,
      String created,
      String expires,
      List<String> backends,
      List<String> failed) {}

  /**
   * Returns the event of {@code change}, from the sensor {@code host}.
   *
   * @param alertId the alert the decision was made for, or null
   */
  public static DecisionEvent of(DecisionChange change, String alertId, String host) {
    Decision d = change.decision();
    return new DecisionEvent(
        EveTime.format(change.at()),
        EVENT_TYPE,
        d.scope() == Decision.Scope.IP ? d.value() : null,
        host,
        new Vigil(
            new Detail(
                lower(change.kind().name()),
                d.id(),
                alertId,
                lower(d.scope().name()),
                d.value(),
                lower(d.action().name()),
                lower(d.origin().name()),
                d.simulated(),
                d.reason(),
                Double.isFinite(d.score()) ? d.score() : null,
                EveTime.format(d.created()),
                EveTime.format(d.expires()),
                change.backends(),
                change.failed())));
  }

  /**
   * Returns whether {@code change} stopped the decided entity's traffic: a quarantine or reroute,
   * not simulated, that at least one backend applied. Its alert's action is then {@link
   * Alert#BLOCKED}.
   */
  public static boolean blocks(DecisionChange change) {
    Decision d = change.decision();
    return change.kind() == DecisionChange.Kind.APPLIED
        && !d.simulated()
        && d.action() != Decision.Action.ALERT
        && !change.backends().isEmpty();
  }

  private static String lower(String name) {
    return name.toLowerCase(Locale.ROOT);
  }
}
