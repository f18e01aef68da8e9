package dev.vigil.detect.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeatureScalerTest {
  private static final List<float[]> ROWS =
      List.of(
          new float[] {0, 10, 5},
          new float[] {1, 20, 5},
          new float[] {2, 30, 5},
          new float[] {3, 40, 5});

  @Test
  void compressIsMathLog1pInFloat() {
    java.util.Random rnd = new java.util.Random(7);
    int differ = 0;
    int n = 2_000_000;
    for (int t = 0; t < n; t++) {
      float v =
          switch (t % 4) {
            case 0 -> Float.intBitsToFloat(rnd.nextInt() & 0x7f7fffff); // any finite magnitude
            case 1 -> (float) (rnd.nextDouble() * Math.pow(10, rnd.nextInt(16) - 8));
            case 2 -> rnd.nextInt(100_000); // counts
            default -> (float) rnd.nextGaussian();
          };
      v = rnd.nextBoolean() ? v : -v;
      float expected = v >= 0 ? (float) Math.log1p(v) : (float) -Math.log1p(-v);
      float got = FeatureScaler.compress(v);
      if (got != expected) {
        differ++;
        assertThat(Math.abs(got - expected)).isLessThanOrEqualTo(Math.ulp(expected));
      }
    }
    assertThat(differ).as("values off by one float ulp").isLessThan(n / 100_000);
    for (float v :
        new float[] {
          0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE
        }) {
      assertThat(FeatureScaler.compress(v))
          .isEqualTo(v >= 0 ? (float) Math.log1p(v) : (float) -Math.log1p(-v));
    }
    assertThat(FeatureScaler.compress(Float.POSITIVE_INFINITY)).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(FeatureScaler.compress(Float.NEGATIVE_INFINITY)).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(FeatureScaler.compress(Float.NaN)).isNaN();
    assertThat(Float.floatToRawIntBits(FeatureScaler.compress(-0f)))
        .isEqualTo(Float.floatToRawIntBits(-0f));
  }

  @Test
  void minMaxMapsTheNormalRangeToUnitAndClipsBeyondTheMargin() {
    FeatureScaler s =
        FeatureScaler.fit(ROWS, new FeatureScaler.Options(FeatureScaler.Kind.MINMAX, false, 1));
    float[] out = new float[3];
    s.transform(new float[] {1.5f, 40, 5}, out);
    assertThat(out[0]).isCloseTo(0.5f, within(1e-6f));
    assertThat(out[1]).isCloseTo(1f, within(1e-6f));
    assertThat(out[2]).isZero(); // constant feature: scale 1
    s.transform(new float[] {4.5f, 1e9f, Float.NaN}, out);
    assertThat(out[0]).isCloseTo(1.5f, within(1e-6f)); // beyond the range still counts
    assertThat(out[1]).isEqualTo(2f); // but is clipped at 1 + clip
    assertThat(out[2]).isEqualTo(2f); // NaN is as far from normal as can be
    s.transform(new float[] {-1e9f, 10, Float.NEGATIVE_INFINITY}, out);
    assertThat(out[0]).isEqualTo(-1f);
    assertThat(out[2]).isEqualTo(-1f);
  }

  @Test
  void beyondRange_judgesOnlyTheGivenFeaturesPastTheMarginOfTheBenignRange() {
    FeatureScaler s =
        FeatureScaler.fit(ROWS, new FeatureScaler.Options(FeatureScaler.Kind.MINMAX, false, 1));
    int[] second = {1};
    // Feature 1's benign range is 10..40: with margin 0.5 the limit is 40 + 0.5 * 30 = 55.
    assertThat(s.beyondRange(new float[] {0, 54.9f, 5}, second, 0.5)).isFalse();
    assertThat(s.beyondRange(new float[] {0, 55.1f, 5}, second, 0.5)).isTrue();
    assertThat(s.beyondRange(new float[] {0, 41, 5}, second, 0)).isTrue();
    assertThat(s.beyondRange(new float[] {0, -1e9f, 5}, second, 0)).isFalse(); // below: never
    // Feature 0 far past its range is not looked at unless named.
    assertThat(s.beyondRange(new float[] {1e6f, 20, 5}, second, 0.5)).isFalse();
    assertThat(s.beyondRange(new float[] {1e6f, 20, 5}, new int[] {1, 0}, 0.5)).isTrue();
  }

  @Test
  void beyondRange_compressesAsTransformDoes_andRobustScalersKnowNoMaximum() {
    FeatureScaler log = FeatureScaler.fit(ROWS, FeatureScaler.Options.defaults());
    int[] second = {1};
    // After log1p the range of feature 1 is log1p(10)..log1p(40); margin 1 doubles it.
    double limit = 2 * Math.log1p(40) - Math.log1p(10);
    assertThat(log.beyondRange(new float[] {0, (float) Math.expm1(limit - 0.01), 5}, second, 1))
        .isFalse();
    assertThat(log.beyondRange(new float[] {0, (float) Math.expm1(limit + 0.01), 5}, second, 1))
        .isTrue();
    float[] out = new float[3];
    log.transform(new float[] {0, (float) Math.expm1(limit + 0.01), 5}, out);
    assertThat(out[1]).isGreaterThan(2f - 1e-6f); // what transform scales past 1 + margin
    FeatureScaler robust =
        FeatureScaler.fit(ROWS, new FeatureScaler.Options(FeatureScaler.Kind.ROBUST, false, 5));
    assertThat(robust.beyondRange(new float[] {0, 1e9f, 5}, second, 0)).isFalse();
  }

  @Test
  void log1pCompressesHeavyTails() {
    FeatureScaler s = FeatureScaler.fit(ROWS, FeatureScaler.Options.defaults());
    float[] out = new float[3];
    s.transform(
        new float[] {0, (float) Math.expm1(0.5 * (Math.log1p(10) + Math.log1p(40))), 5}, out);
    assertThat(out[1]).isCloseTo(0.5f, within(1e-5f));
  }

  @Test
  void robustCentresOnTheMedian() {
    FeatureScaler s =
        FeatureScaler.fit(ROWS, new FeatureScaler.Options(FeatureScaler.Kind.ROBUST, false, 5));
    float[] out = new float[3];
    s.transform(new float[] {1.5f, 25, 5}, out);
    assertThat(out[0]).isCloseTo(0f, within(1e-6f));
    assertThat(out[1]).isCloseTo(0f, within(1e-6f));
    s.transform(new float[] {3, 40, 5}, out);
    assertThat(out[0]).isCloseTo(1.5f / 1.5f, within(1e-6f)); // IQR of 0..3 is 1.5
  }

  @Test
  void roundTripsThroughItsBinaryForm() throws Exception {
    FeatureScaler s = FeatureScaler.fit(ROWS, FeatureScaler.Options.defaults());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    s.writeTo(new DataOutputStream(bytes));
    FeatureScaler t =
        FeatureScaler.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    float[] a = new float[3];
    float[] b = new float[3];
    float[] x = {2.2f, 17, 6};
    s.transform(x, a);
    t.transform(x, b);
    assertThat(b).containsExactly(a);
    assertThat(t.options()).isEqualTo(s.options());
  }

  @Test
  void refusesBadInput() {
    assertThatThrownBy(() -> FeatureScaler.fit(List.of(), FeatureScaler.Options.defaults()))
        .hasMessageContaining("at least one row");
    assertThatThrownBy(
            () ->
                FeatureScaler.fit(
                    List.of(new float[] {1}, new float[] {1, 2}), FeatureScaler.Options.defaults()))
        .hasMessageContaining("expected 1");
    assertThatThrownBy(
            () ->
                FeatureScaler.fit(
                    List.of(new float[] {Float.NaN}), FeatureScaler.Options.defaults()))
        .hasMessageContaining("NaN");
    assertThatThrownBy(() -> new FeatureScaler.Options(FeatureScaler.Kind.MINMAX, true, 0))
        .hasMessageContaining("clip");
  }
}
