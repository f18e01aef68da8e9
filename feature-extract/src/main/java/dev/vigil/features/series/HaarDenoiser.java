package dev.vigil.features.series;

/**
 * Wavelet denoising of a short window: a full Haar decomposition, soft thresholding of the detail
 * coefficients at the universal threshold {@code σ·sqrt(2·ln n)} with σ estimated from the finest
 * details' median absolute deviation, and reconstruction. Used on the last {@value #N} values of a
 * series to denoise its newest value. Allocation-free after construction; not thread-safe.
 */
final class HaarDenoiser {
  static final int N = 8;
  private final double[] a = new double[N];
  private final double[] tmp = new double[N];
  private final double[] abs = new double[N / 2];

  /**
   * Returns the denoised last value of {@code window[0..N)} (oldest first), or the last value as is
   * when the window is flat.
   */
  double denoiseLast(double[] window) {
    System.arraycopy(window, 0, a, 0, N);
    // forward transform: a[0] approximation, then details coarse to fine
    for (int len = N; len > 1; len /= 2) {
      int h = len / 2;
      for (int i = 0; i < h; i++) {
        tmp[i] = (a[2 * i] + a[2 * i + 1]) / Math.sqrt(2);
        tmp[h + i] = (a[2 * i] - a[2 * i + 1]) / Math.sqrt(2);
      }
      System.arraycopy(tmp, 0, a, 0, len);
    }
    for (int i = 0; i < N / 2; i++) {
      abs[i] = Math.abs(a[N / 2 + i]);
    }
    java.util.Arrays.sort(abs);
    double mad = (abs[N / 4 - 1] + abs[N / 4]) / 2;
    double sigma = mad / 0.6745;
    double t = sigma * Math.sqrt(2 * Math.log(N));
    for (int i = 1; i < N; i++) {
      double c = a[i];
      a[i] = Math.signum(c) * Math.max(0, Math.abs(c) - t);
    }
    for (int len = 2; len <= N; len *= 2) {
      int h = len / 2;
      for (int i = 0; i < h; i++) {
        tmp[2 * i] = (a[i] + a[h + i]) / Math.sqrt(2);
        tmp[2 * i + 1] = (a[i] - a[h + i]) / Math.sqrt(2);
      }
      System.arraycopy(tmp, 0, a, 0, len);
    }
    return a[N - 1];
  }
}
