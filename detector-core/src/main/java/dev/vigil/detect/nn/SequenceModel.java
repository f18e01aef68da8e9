package dev.vigil.detect.nn;

/**
 * A recurrent model advanced one step per new vector of an entity, from a state the caller keeps
 * per entity (so scoring a stream costs O(1) per vector and never re-runs a sequence).
 *
 * <p>The state of a fresh entity is all zeros ({@code stateSize()} floats), as in DL4J. {@link
 * #step} must allocate nothing; implementations own scratch buffers and are therefore not
 * thread-safe: give each scoring thread its own {@link #copy()}.
 */
public interface SequenceModel {
  /** Returns the width of an input vector (and of a prediction). */
  int inputSize();

  /** Returns how many floats of state an entity needs. */
  int stateSize();

  /**
   * Feeds {@code x} to the model: advances {@code state[offset, offset + stateSize())} in place and
   * writes the model's prediction of the entity's next vector into {@code prediction} (length
   * {@link #inputSize()}).
   */
  void step(float[] state, int offset, float[] x, float[] prediction);

  /** Returns an independent instance sharing the (immutable) weights. */
  SequenceModel copy();
}
