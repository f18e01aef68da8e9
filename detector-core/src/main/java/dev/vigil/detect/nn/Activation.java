package dev.vigil.detect.nn;

/** Element-wise activation functions of the runtime, matching DL4J's of the same name. */
public enum Activation {
  IDENTITY,
  RELU,
  TANH,
  SIGMOID;

  /** Applies the function in place to {@code v[0..n)}. */
  void apply(float[] v, int n) {
    switch (this) {
      case IDENTITY -> {}
      case RELU -> {
        for (int i = 0; i < n; i++) {
          v[i] = Math.max(0f, v[i]);
        }
      }
      case TANH -> {
        for (int i = 0; i < n; i++) {
          v[i] = (float) Math.tanh(v[i]);
        }
      }
      case SIGMOID -> {
        for (int i = 0; i < n; i++) {
          v[i] = (float) (1.0 / (1.0 + Math.exp(-v[i])));
        }
      }
    }
  }
}
