package dev.vigil.detect.model;

import dev.vigil.features.table.SlotTable;

/**
 * Per-entity LSTM state and the prediction of each entity's next vector, in a bounded table keyed
 * by two longs (a host's address, a hashed device id). When full, the least recently seen of a few
 * sampled entities is evicted (counted); an evicted entity starts again from a zero state.
 */
final class EntityStates extends SlotTable {
  final int stateSize;
  final int width;
  final float[] state;
  final float[] prediction;
  final boolean[] hasPrediction;
  final int[] steps;

  EntityStates(int maxEntities, int stateSize, int width) {
    super(2, maxEntities);
    this.stateSize = stateSize;
    this.width = width;
    this.state = new float[capacity * stateSize];
    this.prediction = new float[capacity * width];
    this.hasPrediction = new boolean[capacity];
    this.steps = new int[capacity];
  }

  @Override
  protected void initSlot(int slot) {
    java.util.Arrays.fill(state, slot * stateSize, (slot + 1) * stateSize, 0f);
    hasPrediction[slot] = false;
    steps[slot] = 0;
  }

  @Override
  protected void moveValues(int from, int to) {
    System.arraycopy(state, from * stateSize, state, to * stateSize, stateSize);
    System.arraycopy(prediction, from * width, prediction, to * width, width);
    hasPrediction[to] = hasPrediction[from];
    steps[to] = steps[from];
  }
}
