package dev.vigil.daemon.alerts;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Map;

/**
 * One alert, a Suricata eve.json {@code alert} event that Suricata's own schema accepts once the
 * {@code vigil} key is set aside, so that existing tooling (jq, Filebeat, Vector, EveBox) reads it;
 * Vigil's own fields sit under {@code vigil} (their schema: {@code eve/vigil-extension.schema.json}
 * on the class path).
 *
 * <p>Two kinds: a host's traffic (packet path: {@code src_ip} set) and a step of a device's
 * telemetry series (telemetry path: {@code vigil.telemetry} names the device and the metric, {@code
 * src_ip} absent). Absent fields are left out of the JSON.
 *
 * <p>Built by one factory per detector kind ({@link HostWindowAlerts}, {@link TelemetryAlerts},
 * {@link BeaconAlerts}, {@link AuthFailureAlerts}), whose rules are the {@link AlertSignature}s;
 * the daemon then adds the sensor ({@link #withSensor}) and, once the policy decided, the action
 * ({@link #withAction}).
 *
 * @param timestamp end of the window or step ({@link EveTime}: capture time for packets, the
 *     readings' time for telemetry)
 * @param inIface the capture interface the packets were read on (live packet capture), else null
 * @param eventType always {@code alert}
 * @param srcIp the host whose traffic was anomalous; null for telemetry
 * @param destIp the peer, where the detector names one (a beacon's server); else null
 * @param destPort the peer's port (TCP, UDP), else null
 * @param proto the protocol towards the peer ({@code TCP}, {@code UDP}, {@code ICMP}, as eve.json
 *     writes it), else null. A host window names no peer, port or protocol: it sums many flows, and
 *     tools join these fields to flows
 * @param alert the eve alert object
 * @param host the sensor's name ({@code alerts.host}); null until the daemon sets it
 * @param vigil the detector's score, threshold and explanation
 * @param ether the link layer of a LAN sender ({@code src_mac}, as Suricata writes it): the MAC
 *     that sent the host's packets, when {@code src_ip} is bound to a MAC on the LAN (learned from
 *     ARP, NDP or DHCP, see {@code AddressBindings}); null for a remote host or telemetry. A
 *     decision on the alert names this MAC; {@code vigil.spoofed} says whether it is not the
 *     address's own
 */
@Serdeable
public record Alert(
    String timestamp,
    @JsonProperty("in_iface") String inIface,
    @JsonProperty("event_type") String eventType,
    @JsonProperty("src_ip") String srcIp,
    @JsonProperty("dest_ip") String destIp,
    @JsonProperty("dest_port") Integer destPort,
    String proto,
    Signature alert,
    String host,
    Detail vigil,
    Ether ether) {

  /** eve.json's action of an alert nothing was done about (detection only, or a dry run). */
  public static final String ALLOWED = "allowed";

  /** eve.json's action of an alert a decision blocking its source was applied for. */
  public static final String BLOCKED = "blocked";

  /** The canonical constructor. */
  @io.micronaut.core.annotation.Creator
  public Alert {}

  /** An alert without a link layer ({@code ether} null). */
  public Alert(
      String timestamp,
      String inIface,
      String eventType,
      String srcIp,
      String destIp,
      Integer destPort,
      String proto,
      Signature alert,
      String host,
      Detail vigil) {
    this(timestamp, inIface, eventType, srcIp, destIp, destPort, proto, alert, host, vigil, null);
  }

  /** Returns this alert from the sensor {@code host}, read on {@code inIface} (null: none). */
  public Alert withSensor(String host, String inIface) {
    return new Alert(
        timestamp, inIface, eventType, srcIp, destIp, destPort, proto, alert, host, vigil, ether);
  }

  /**
   * Returns this alert as sent by the LAN device with MAC {@code srcMac} ({@code ether.src_mac}),
   * which {@code spoofed} its address or not ({@code vigil.spoofed}).
   */
  public Alert withSender(String srcMac, boolean spoofed) {
    Detail d = vigil;
    return new Alert(
        timestamp,
        inIface,
        eventType,
        srcIp,
        destIp,
        destPort,
        proto,
        alert,
        host,
        new Detail(
            d.id(),
            d.detector(),
            d.score(),
            d.threshold(),
            d.severity(),
            d.components(),
            d.fired(),
            d.summary(),
            d.windowStart(),
            d.windowEnd(),
            d.detectedAt(),
            d.schema(),
            d.topFeatures(),
            d.role(),
            d.telemetry(),
            spoofed,
            d.early()),
        new Ether(srcMac));
  }

  /**
   * The link layer of the alert's source, as Suricata's {@code ether} object.
   *
   * @param srcMac the MAC that sent the source address's packets
   */
  @Serdeable
  public record Ether(@JsonProperty("src_mac") String srcMac) {}

  /** Returns this alert with {@code alert.action} set to {@code action}. */
  public Alert withAction(String action) {
    Signature s = alert;
    return new Alert(
        timestamp,
        inIface,
        eventType,
        srcIp,
        destIp,
        destPort,
        proto,
        new Signature(
            action, s.gid(), s.signatureId(), s.rev(), s.signature(), s.category(), s.severity()),
        host,
        vigil,
        ether);
  }

  /**
   * The telemetry series an alert is about.
   *
   * @param device the device, as named by the topic or payload
   * @param metric the metric (the topic's metric and/or the payload's field path)
   * @param stepSeconds length of the series' step
   */
  @Serdeable
  public record Series(
      String device, String metric, @JsonProperty("step_seconds") double stepSeconds) {}

  /**
   * The eve alert object.
   *
   * @param action what was done: {@link #ALLOWED}, or {@link #BLOCKED} when a decision that
   *     quarantines or reroutes the source (not simulated) was applied for this alert or was
   *     already in force
   * @param gid the rule's group id ({@link AlertSignature#GID})
   * @param signatureId stable id of the rule that fired
   * @param rev the rule's revision
   * @param signature human-readable rule name
   * @param category alert category
   * @param severity 1 (high) to 3 (low)
   */
  @Serdeable
  public record Signature(
      String action,
      int gid,
      @JsonProperty("signature_id") int signatureId,
      int rev,
      String signature,
      String category,
      int severity) {}

  /**
   * Vigil's verdict details.
   *
   * @param id alert id, unique within a daemon run
   * @param detector which scorer fired
   * @param score fused anomaly score (normalised: 1 is the 99th percentile of normal components)
   * @param threshold the calibrated threshold the score reached
   * @param severity low, medium, high or critical: how deep in the normal tail the score lies
   * @param components each component's normalised score (ae, lstm, iforest)
   * @param fired components beyond their own normal tail
   * @param summary one line saying why
   * @param windowStart window (or telemetry step) start ({@link EveTime})
   * @param windowEnd window (or telemetry step) end ({@link EveTime})
   * @param detectedAt wall-clock time of detection ({@link EveTime})
   * @param schema feature schema id
   * @param topFeatures features with the largest share of the reconstruction error, largest first
   * @param role packet alerts: {@code initiator} (the host opened the traffic that made its window
   *     odd: a scanner, a flooder, an exfiltrating device) or {@code responder} (it mostly answered
   *     others: a scanned or flooded host); null for telemetry
   * @param telemetry the device and metric whose step was anomalous; null for packets
   * @param spoofed packet alerts of a LAN sender ({@code ether} set): whether the sender's MAC is
   *     not the one {@code src_ip} is bound to (another device used the address); null otherwise
   * @param early host-window alerts: true when the window was closed before its end because its
   *     counts already passed the benign maximum (early windows; {@code window_end} is then the
   *     packet that decided it); null otherwise
   */
  @Serdeable
  public record Detail(
      String id,
      String detector,
      double score,
      double threshold,
      String severity,
      Map<String, Double> components,
      List<String> fired,
      String summary,
      @JsonProperty("window_start") String windowStart,
      @JsonProperty("window_end") String windowEnd,
      @JsonProperty("detected_at") String detectedAt,
      String schema,
      @JsonProperty("top_features") List<Feature> topFeatures,
      String role,
      Series telemetry,
      Boolean spoofed,
      Boolean early) {
    /** The canonical constructor. */
    @io.micronaut.core.annotation.Creator
    public Detail {}

    /** Details without a sender ({@code spoofed} null). */
    public Detail(
        String id,
        String detector,
        double score,
        double threshold,
        String severity,
        Map<String, Double> components,
        List<String> fired,
        String summary,
        String windowStart,
        String windowEnd,
        String detectedAt,
        String schema,
        List<Feature> topFeatures,
        String role,
        Series telemetry) {
      this(
          id,
          detector,
          score,
          threshold,
          severity,
          components,
          fired,
          summary,
          windowStart,
          windowEnd,
          detectedAt,
          schema,
          topFeatures,
          role,
          telemetry,
          null,
          null);
    }
  }

  /**
   * One explaining feature.
   *
   * @param name feature name
   * @param value the window's (or step's) raw feature value
   * @param share its share of the autoencoder's reconstruction error, in [0, 1]
   * @param scaled the scaled value the models saw
   * @param expected what the autoencoder reconstructed (scaled units): what normal would look like
   */
  @Serdeable
  public record Feature(String name, double value, double share, double scaled, double expected) {}
}
