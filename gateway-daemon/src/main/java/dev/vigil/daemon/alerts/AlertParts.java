package dev.vigil.daemon.alerts;

import dev.vigil.detect.fusion.Component;
import dev.vigil.detect.fusion.Severity;
import dev.vigil.detect.model.ExplainedScore;
import dev.vigil.detect.model.FeatureContribution;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The pieces the per-kind alert factories share: times, severity names, ensemble explanations. */
final class AlertParts {
  /** eve.json's {@code event_type} of every alert. */
  static final String EVENT_TYPE = "alert";

  /** The role of a host that opened the traffic its alert is about. */
  static final String INITIATOR = "initiator";

  /** The role of a host that mostly answered others' traffic. */
  static final String RESPONDER = "responder";

  private AlertParts() {}

  /** Returns an epoch time in microseconds as eve.json text ({@link EveTime}). */
  static String time(long epochMicros) {
    return EveTime.format(epochMicros);
  }

  /** Returns the wall-clock time now ({@link EveTime}): an alert's {@code detected_at}. */
  static String now() {
    return EveTime.format(Instant.now());
  }

  /** Returns a severity as alerts write it: {@code low}, {@code medium}, ... */
  static String name(Severity s) {
    return s.name().toLowerCase(Locale.ROOT);
  }

  /** Adds each ensemble component's normalised score to {@code into}, by component key. */
  static Map<String, Double> components(ExplainedScore e, Map<String, Double> into) {
    e.components().forEach((c, x) -> into.put(c.key(), x));
    return into;
  }

  /** Adds the keys of the ensemble components that fired to {@code into}. */
  static List<String> fired(ExplainedScore e, List<String> into) {
    for (Component c : e.fired()) {
      into.add(c.key());
    }
    return into;
  }

  /** Returns the features that explain the score, largest share first. */
  static List<Alert.Feature> features(ExplainedScore e) {
    List<Alert.Feature> why = new ArrayList<>();
    for (FeatureContribution f : e.topFeatures()) {
      why.add(new Alert.Feature(f.name(), f.value(), f.share(), f.scaled(), f.reconstructed()));
    }
    return why;
  }
}
