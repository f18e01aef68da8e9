package dev.vigil.detect.nn;

/**
 * The weights of one LSTM layer (no peepholes), in DL4J's gate order.
 *
 * <p>The {@code 4·units} pre-activations of a step are {@code z = Wx·x + Wh·h_prev + b}, split into
 * four blocks of {@code units} rows, in this order (DL4J's {@code LSTMHelpers}):
 *
 * <ol>
 *   <li>{@code [0, n)}: block input, activated with tanh;
 *   <li>{@code [n, 2n)}: forget gate, sigmoid;
 *   <li>{@code [2n, 3n)}: output gate, sigmoid;
 *   <li>{@code [3n, 4n)}: input (modulation) gate, sigmoid.
 * </ol>
 *
 * then {@code c = forget·c_prev + inputGate·blockInput} and {@code h = outputGate·tanh(c)}.
 *
 * <p>The matrices are stored input-major, as DL4J stores {@code W} and {@code RW}: the runtime adds
 * one row per input value to the pre-activations, a loop the JIT vectorises.
 *
 * @param nIn width of the layer's input
 * @param units hidden units {@code n}
 * @param inputWeights row-major {@code [nIn][4n]}: row {@code i} holds the weights from input
 *     {@code i} into the {@code 4n} pre-activations (DL4J's {@code W})
 * @param recurrentWeights row-major {@code [n][4n]}: row {@code j} holds the weights from {@code
 *     h_prev[j]} into the {@code 4n} pre-activations (DL4J's {@code RW})
 * @param bias {@code 4n} biases
 */
public record LstmLayerWeights(
    int nIn, int units, float[] inputWeights, float[] recurrentWeights, float[] bias) {
  /** Validates shapes and copies the arrays. */
  public LstmLayerWeights {
    if (nIn < 1 || units < 1) {
      throw new IllegalArgumentException(
          "nIn and units must be at least 1, were " + nIn + ", " + units);
    }
    long gates = 4L * units;
    if (inputWeights.length != gates * nIn) {
      throw new IllegalArgumentException(
          "inputWeights has "
              + inputWeights.length
              + " entries, expected nIn*4*units = "
              + gates * nIn);
    }
    if (recurrentWeights.length != gates * units) {
      throw new IllegalArgumentException(
          "recurrentWeights has "
              + recurrentWeights.length
              + " entries, expected units*4*units = "
              + gates * units);
    }
    if (bias.length != gates) {
      throw new IllegalArgumentException(
          "bias has " + bias.length + " entries, expected 4*units = " + gates);
    }
    inputWeights = inputWeights.clone();
    recurrentWeights = recurrentWeights.clone();
    bias = bias.clone();
  }
}
