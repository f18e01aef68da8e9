package dev.vigil.detect.model;

/**
 * One feature's part in a verdict: its share of the autoencoder's reconstruction error.
 *
 * @param index position in the schema
 * @param name feature name
 * @param share fraction of the squared reconstruction error due to this feature, in [0, 1]
 * @param value the raw (unscaled) value
 * @param scaled the scaled value the models saw
 * @param reconstructed what the autoencoder reconstructed for it (scaled units): what a normal
 *     vector like this one would hold
 */
public record FeatureContribution(
    int index, String name, double share, double value, double scaled, double reconstructed) {}
