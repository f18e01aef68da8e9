package dev.vigil.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Proves the nd4j-native CPU backend (JavaCPP + OpenBLAS natives for this architecture) loads and
 * computes.
 */
class Nd4jBackendTest {
  @Test
  void nativeBackend_multipliesMatrices() {
    INDArray a = Nd4j.create(new double[][] {{1, 2}, {3, 4}});
    INDArray b = Nd4j.create(new double[][] {{5, 6}, {7, 8}});
    INDArray c = a.mmul(b);
    assertThat(c.getDouble(0, 0)).isEqualTo(19.0);
    assertThat(c.getDouble(1, 1)).isEqualTo(50.0);
    assertThat(Nd4j.getBackend().getClass().getName()).contains("CpuBackend");
  }
}
