package dev.vigil.daemon.alerts;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Map;

/**
 * One alert, shaped like a Suricata eve.json {@code alert} event so that existing tooling (jq,
 * Filebeat, Vector) reads it; Vigil's own fields sit under {@code vigil}.
 *
 * <p>Two kinds: a host's traffic window (packet path: {@code src_ip} set, {@code telemetry} absent)
 * and a step of a device's telemetry series (telemetry path: {@code telemetry} names the device and
 * the metric, {@code src_ip} absent). Absent fields are left out of the JSON.
 *
 * <p>Built by one factory per detector kind ({@link HostWindowAlerts}, {@link TelemetryAlerts},
 * {@link BeaconAlerts}, {@link AuthFailureAlerts}), whose rules are the {@link AlertSignature}s.
 *
 * @param timestamp end of the window or step, ISO-8601 UTC (capture time for packets, the readings'
 *     time for telemetry)
 * @param eventType always {@code alert}
 * @param srcIp the host whose window was anomalous; null for telemetry
 * @param telemetry the device and metric whose step was anomalous; null for packets
 * @param alert the eve-style alert object
 * @param vigil the detector's score, threshold and explanation
 * @param destIp the peer, where the detector names one (a beacon's server); else null
 * @param destPort the peer's port (TCP, UDP), else null
 * @param proto the protocol towards the peer ({@code TCP}, {@code UDP}, {@code ICMP}, as eve.json
 *     writes it), else null
 */
@Serdeable
public record Alert(
    String timestamp,
    @JsonProperty("event_type") String eventType,
    @JsonProperty("src_ip") String srcIp,
    Series telemetry,
    Signature alert,
    Detail vigil,
    @JsonProperty("dest_ip") String destIp,
    @JsonProperty("dest_port") Integer destPort,
    String proto) {

  /** The canonical constructor. */
  @io.micronaut.core.annotation.Creator
  public Alert {}

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
   * The eve-style alert object.
   *
   * @param action what was done ({@code allowed}: detection only)
   * @param signatureId stable id of the rule that fired
   * @param signature human-readable rule name
   * @param category alert category
   * @param severity 1 (high) to 3 (low)
   */
  @Serdeable
  public record Signature(
      String action,
      @JsonProperty("signature_id") int signatureId,
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
   * @param windowStart window (or telemetry step) start, ISO-8601 UTC
   * @param windowEnd window (or telemetry step) end, ISO-8601 UTC
   * @param detectedAt wall-clock time of detection, ISO-8601 UTC
   * @param schema feature schema id
   * @param topFeatures features with the largest share of the reconstruction error, largest first
   * @param role packet alerts: {@code initiator} (the host opened the traffic that made its window
   *     odd: a scanner, a flooder, an exfiltrating device) or {@code responder} (it mostly answered
   *     others: a scanned or flooded host); null for telemetry
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
      String role) {
    /** The canonical constructor. */
    @io.micronaut.core.annotation.Creator
    public Detail {}
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
