package dev.vigil.features.damped;

/**
 * The decay factors of the damped statistics: a sample {@code dt} seconds old weighs {@code
 * 2^(-λ·dt)}, for the five decay rates λ = 5, 3, 1, 0.1 and 0.01 per second (half-lives of 0.2 s to
 * 100 s, as Kitsune's AfterImage).
 *
 * <p>{@link #factors} costs one {@code Math.exp} and a few multiplications instead of five {@code
 * Math.pow} calls.
 */
public final class Decay {
  /** The decay rates, fastest first. */
  public static final double[] LAMBDAS = {5, 3, 1, 0.1, 0.01};

  /** Number of decay rates. */
  public static final int N = LAMBDAS.length;

  private static final double LN2 = Math.log(2);

  private Decay() {}

  /**
   * Writes {@code 2^(-λ·dt)} for each λ of {@link #LAMBDAS} into {@code out}; {@code dt <= 0} gives
   * 1.
   */
  public static void factors(double dt, double[] out) {
    if (!(dt > 0)) {
      for (int i = 0; i < N; i++) {
        out[i] = 1;
      }
      return;
    }
    double f001 = Math.exp(-0.01 * LN2 * dt);
    double f01 = pow10(f001);
    double f1 = pow10(f01);
    double f3 = f1 * f1 * f1;
    out[0] = f3 * f1 * f1;
    out[1] = f3;
    out[2] = f1;
    out[3] = f01;
    out[4] = f001;
  }

  private static double pow10(double a) {
    double a2 = a * a;
    double a5 = a2 * a2 * a;
    return a5 * a5;
  }
}
