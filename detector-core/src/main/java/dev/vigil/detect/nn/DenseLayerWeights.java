package dev.vigil.detect.nn;

import java.util.Objects;

/**
 * The weights of one fully connected layer: {@code y = act(W·x + b)}.
 *
 * @param nIn inputs
 * @param nOut outputs
 * @param weights row-major {@code [nOut][nIn]}: row {@code o} holds the weights into output {@code
 *     o}
 * @param bias {@code nOut} biases
 * @param activation the activation after the affine map
 */
public record DenseLayerWeights(
    int nIn, int nOut, float[] weights, float[] bias, Activation activation) {
  /** Validates shapes and copies the arrays. */
  public DenseLayerWeights {
    Objects.requireNonNull(activation, "activation");
    if (nIn < 1 || nOut < 1) {
      throw new IllegalArgumentException(
          "nIn and nOut must be at least 1, were " + nIn + ", " + nOut);
    }
    if (weights.length != nIn * nOut) {
      throw new IllegalArgumentException(
          "weights has " + weights.length + " entries, expected nOut*nIn = " + nOut * nIn);
    }
    if (bias.length != nOut) {
      throw new IllegalArgumentException("bias has " + bias.length + " entries, expected " + nOut);
    }
    weights = weights.clone();
    bias = bias.clone();
  }
}
