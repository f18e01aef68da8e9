package dev.vigil.detect.fusion;

/** The three detectors of the ensemble, in the order of the fusion weights α, β, γ. */
public enum Component {
  /** The autoencoder's reconstruction error (RE). */
  RECONSTRUCTION("ae"),
  /** The LSTM's error predicting the entity's vector from its history (PE). */
  PREDICTION("lstm"),
  /** The Isolation Forest's anomaly score (IF). */
  ISOLATION("iforest");

  private final String key;

  Component(String key) {
    this.key = key;
  }

  /** Returns the short name used in configuration, bundles and alerts. */
  public String key() {
    return key;
  }
}
