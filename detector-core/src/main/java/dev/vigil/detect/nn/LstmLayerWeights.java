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
 * @param nIn width of the layer's input
 * @param units hidden units {@code n}
 * @param inputWeights row-major {@code [4n][nIn]}: row {@code r} holds the weights from the input
 *     into pre-activation {@code r}
 * @param recurrentWeights row-major {@code [4n][n]}: row {@code r} holds the weights from {@code
 *     h_prev} into pre-activation {@code r}
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
              + " entries, expected 4*units*nIn = "
              + gates * nIn);
    }
    if (recurrentWeights.length != gates * units) {
      throw new IllegalArgumentException(
          "recurrentWeights has "
              + recurrentWeights.length
              + " entries, expected 4*units*units = "
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
