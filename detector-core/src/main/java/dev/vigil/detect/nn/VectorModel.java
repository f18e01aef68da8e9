package dev.vigil.detect.nn;

/**
 * A feed-forward model mapping one vector to another (the autoencoder's reconstruction). {@link
 * #forward} must allocate nothing; implementations are not thread-safe: use {@link #copy()} per
 * thread.
 */
public interface VectorModel {
  /** Returns the input width. */
  int inputSize();

  /** Returns the output width. */
  int outputSize();

  /** Computes the output for {@code x} into {@code out}. */
  void forward(float[] x, float[] out);

  /** Returns an independent instance sharing the (immutable) weights. */
  VectorModel copy();
}
