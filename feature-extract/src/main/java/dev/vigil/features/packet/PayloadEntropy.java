package dev.vigil.features.packet;

/**
 * Computes the Shannon entropy of a byte range without allocating or calling {@code Math.log} per
 * byte.
 *
 * <p>With byte counts {@code c_i} over {@code n} bytes, {@code H = log2(n) - (1/n) Σ c_i log2(c_i)
 * = (T[n] - Σ T[c_i]) / n} where {@code T[c] = c·log2(c)}. Each byte raises one count from {@code c
 * - 1} to {@code c}, so the sum is built in one pass from the tabulated steps {@code D[c] = T[c] -
 * T[c - 1]}; {@code T} itself is tabulated as the running sum of {@code D}, so that a payload of
 * one repeated value gives exactly 0. The 256-entry histogram is reused and, after each call, reset
 * only where the range touched it: the cost follows the bytes read, not 256.
 *
 * <p>Not thread-safe: it belongs to one parser.
 */
final class PayloadEntropy {
  private final int maxBytes;
  private final int[] histogram = new int[256];
  private final double[] step;
  private final double[] nLog2n;

  /** Creates a calculator that reads at most {@code maxBytes} bytes per call. */
  PayloadEntropy(int maxBytes) {
    this.maxBytes = maxBytes;
    this.step = new double[maxBytes + 1];
    this.nLog2n = new double[maxBytes + 1];
    double previous = 0;
    for (int c = 2; c <= maxBytes; c++) {
      double t = c * (Math.log(c) / Math.log(2));
      step[c] = t - previous;
      previous = t;
      nLog2n[c] = nLog2n[c - 1] + step[c];
    }
  }

  /**
   * Returns the entropy in bits per byte (0 to 8) of the first {@code min(length, maxBytes)} bytes
   * at {@code from}, or 0 when that is no bytes.
   */
  float of(byte[] b, int from, int length) {
    int n = Math.min(length, maxBytes);
    if (n <= 0) {
      return 0f;
    }
    int[] h = histogram;
    double[] d = step;
    int end = from + n;
    double sum = 0;
    for (int i = from; i < end; i++) {
      sum += d[++h[b[i] & 0xff]];
    }
    for (int i = from; i < end; i++) {
      h[b[i] & 0xff] = 0;
    }
    double bits = (nLog2n[n] - sum) / n;
    return bits <= 0 ? 0f : (float) bits;
  }
}
