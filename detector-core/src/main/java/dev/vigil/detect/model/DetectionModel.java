package dev.vigil.detect.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.detect.forest.FlatForest;
import dev.vigil.detect.fusion.Fusion;
import dev.vigil.detect.nn.DenseNet;
import dev.vigil.detect.nn.LstmNet;
import dev.vigil.detect.nn.QuantizedDenseNet;
import dev.vigil.detect.nn.QuantizedLstmNet;
import dev.vigil.detect.scale.FeatureScaler;
import dev.vigil.features.FeatureSchema;
import java.util.Objects;

/**
 * A trained ensemble: scaler, autoencoder, optional LSTM and Isolation Forest (each in float and,
 * for the networks, int8), and the fusion calibrated for each precision. Immutable and thread-safe;
 * scoring happens in per-thread {@link EnsembleScorer}s.
 *
 * @param schema the feature layout every vector must have
 * @param scaler fitted on normal training vectors
 * @param autoencoder float autoencoder
 * @param autoencoderInt8 its int8 version
 * @param lstm float next-vector predictor, or null when the model has none
 * @param lstmInt8 its int8 version, null with {@code lstm}
 * @param forest Isolation Forest, or null when the model has none
 * @param fusion fused-score calibration of the float runtime
 * @param fusionInt8 fused-score calibration of the int8 runtime
 * @param lstmWarmup vectors of an entity stepped through the LSTM before its prediction error
 *     counts
 * @param provenance how, when and on what the model was trained, and its metrics (JSON, kept in the
 *     bundle manifest)
 */
public record DetectionModel(
    FeatureSchema schema,
    FeatureScaler scaler,
    DenseNet autoencoder,
    QuantizedDenseNet autoencoderInt8,
    LstmNet lstm,
    QuantizedLstmNet lstmInt8,
    FlatForest forest,
    Fusion fusion,
    Fusion fusionInt8,
    int lstmWarmup,
    ObjectNode provenance) {

  /** Validates that every part agrees on the vector width. */
  public DetectionModel {
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(scaler, "scaler");
    Objects.requireNonNull(autoencoder, "autoencoder");
    Objects.requireNonNull(autoencoderInt8, "autoencoderInt8");
    Objects.requireNonNull(fusion, "fusion");
    Objects.requireNonNull(fusionInt8, "fusionInt8");
    Objects.requireNonNull(provenance, "provenance");
    if (lstmWarmup < 1 || lstmWarmup > 1_000_000) {
      throw new IllegalArgumentException("lstmWarmup must be in [1, 1000000], was " + lstmWarmup);
    }
    int d = schema.size();
    check("scaler", scaler.size(), d);
    check("autoencoder input", autoencoder.inputSize(), d);
    check("autoencoder output", autoencoder.outputSize(), d);
    if ((lstm == null) != (lstmInt8 == null)) {
      throw new IllegalArgumentException(
          "the LSTM needs both its float and int8 versions or neither");
    }
    if (lstm != null) {
      check("LSTM input", lstm.inputSize(), d);
    }
    if (forest != null) {
      check("forest", forest.dimension(), d);
    }
  }

  private static void check(String what, int got, int d) {
    if (got != d) {
      throw new IllegalArgumentException(what + " has width " + got + ", the schema " + d);
    }
  }

  /**
   * Returns a scorer for one thread, tracking LSTM state for up to {@code maxEntities} entities.
   */
  public EnsembleScorer scorer(Precision precision, int maxEntities) {
    return new EnsembleScorer(this, precision, maxEntities);
  }

  /** Returns the fusion calibrated for {@code precision}. */
  public Fusion fusion(Precision precision) {
    return precision == Precision.INT8 ? fusionInt8 : fusion;
  }
}
