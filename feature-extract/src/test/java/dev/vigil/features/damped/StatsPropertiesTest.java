package dev.vigil.features.damped;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import org.assertj.core.data.Offset;
import org.assertj.core.data.Percentage;

/**
 * The incremental damped statistics against a naive reference that re-weights every sample from
 * scratch.
 */
class StatsPropertiesTest {
  record Sample(double dt, double x) {}

  @Provide
  Arbitrary<List<Sample>> samples() {
    Arbitrary<Double> dt = Arbitraries.doubles().between(0, 3).ofScale(4);
    Arbitrary<Double> x = Arbitraries.doubles().between(0, 1500).ofScale(2);
    return Combinators.combine(dt, x).as(Sample::new).list().ofMinSize(1).ofMaxSize(200);
  }

  @Property(tries = 300)
  void update_matchesNaiveDecayedSums(@ForAll("samples") List<Sample> seq) {
    double[] s = new double[Stats.STRIDE_1D];
    double[] f = new double[Decay.N];
    double[] times = new double[seq.size()];
    double t = 0;
    double last = 0;
    for (int k = 0; k < seq.size(); k++) {
      t += seq.get(k).dt();
      times[k] = t;
      Decay.factors(t - last, f);
      Stats.update(s, 0, f, seq.get(k).x());
      last = t;
    }
    for (int i = 0; i < Decay.N; i++) {
      double w = 0;
      double ls = 0;
      double ss = 0;
      for (int k = 0; k < seq.size(); k++) {
        double wk = Math.pow(2, -Decay.LAMBDAS[i] * (t - times[k]));
        double x = seq.get(k).x();
        w += wk;
        ls += wk * x;
        ss += wk * x * x;
      }
      double mean = ls / w;
      double var = Math.max(0, ss / w - mean * mean);
      assertThat(Stats.weight(s, 0, i, 1)).isCloseTo(w, Percentage.withPercentage(1e-6));
      assertThat(Stats.mean(s, 0, i)).isCloseTo(mean, Offset.offset(1e-6 * (1 + Math.abs(mean))));
      assertThat(Stats.variance(s, 0, i)).isCloseTo(var, Offset.offset(1e-6 * (1 + mean * mean)));
    }
  }

  @Property(tries = 500)
  void factors_equalPowerOfTwo(@ForAll @DoubleRange(min = 0, max = 5000) double dt) {
    double[] f = new double[Decay.N];
    Decay.factors(dt, f);
    for (int i = 0; i < Decay.N; i++) {
      double expected = Math.pow(2, -Decay.LAMBDAS[i] * dt);
      assertThat(f[i]).isCloseTo(expected, Offset.offset(1e-12 + 1e-9 * expected));
    }
  }

  @Property(tries = 100)
  void factors_nonPositiveIntervalDoesNotDecay(
      @ForAll @DoubleRange(min = -100, max = 0) double dt) {
    double[] f = new double[Decay.N];
    Decay.factors(dt, f);
    assertThat(f).containsOnly(1.0);
  }
}
