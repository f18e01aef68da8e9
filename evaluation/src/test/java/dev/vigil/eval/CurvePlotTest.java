package dev.vigil.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CurvePlotTest {
  @TempDir Path dir;

  private static final Random R = new Random(3);
  private static final int N = 3000;
  private static final boolean[] Y = labels();

  @Test
  void roc_writesReadablePng() throws IOException {
    Map<String, double[][]> curves = new LinkedHashMap<>();
    curves.put("fused (AUC 0.93)", Curves.downsample(Curves.roc(scores(2.0), Y), 200));
    curves.put("forest", Curves.roc(scores(1.0), Y));
    curves.put("autoencoder", Curves.roc(scores(0.3), Y));
    Path png = dir.resolve("charts/roc.png"); // parent is created
    CurvePlot.roc(png, "NSL-KDD test: ROC", curves);
    assertPng(png, CurvePlot.WIDTH, CurvePlot.HEIGHT);
    assertThat(GraphicsEnvironment.isHeadless()).isTrue();
  }

  @Test
  void pr_writesReadablePng() throws IOException {
    Map<String, double[][]> curves = new LinkedHashMap<>();
    curves.put("fused", Curves.downsample(Curves.pr(scores(2.0), Y), 200));
    curves.put("lstm", Curves.pr(scores(0.5), Y));
    curves.put("gap", new double[][] {{0.1, Double.NaN, 0.9}, {1.0, 0.5, Double.NaN}});
    Path png = dir.resolve("pr.png");
    CurvePlot.pr(png, "NSL-KDD test: precision-recall", curves, 0.2);
    assertPng(png, CurvePlot.WIDTH, CurvePlot.HEIGHT);
  }

  @Test
  void confusion_writesReadablePng() throws IOException {
    Map<String, Confusion> m = new LinkedHashMap<>();
    m.put("fused", new Confusion(9_120, 310, 47_005, 1_830));
    m.put("forest", Confusion.at(scores(1.0), Y, 1.0));
    m.put("autoencoder", new Confusion(123_456_789, 0, 0, 5));
    m.put("no attacks in this set", new Confusion(0, 3, 97, 0));
    Path png = dir.resolve("confusion.png");
    CurvePlot.confusion(png, "NSL-KDD test: confusion at the calibrated threshold", m);
    assertPng(png, CurvePlot.WIDTH, CurvePlot.confusionHeight(4));
    assertThat(CurvePlot.confusionHeight(4)).isEqualTo(CurvePlot.confusionHeight(6));
  }

  @Test
  void emptyMapsStillDraw() throws IOException {
    CurvePlot.roc(dir.resolve("a.png"), "", Map.of());
    CurvePlot.pr(dir.resolve("b.png"), "nothing", Map.of(), Double.NaN);
    CurvePlot.confusion(dir.resolve("c.png"), "nothing", Map.of());
    assertPng(dir.resolve("c.png"), CurvePlot.WIDTH, CurvePlot.confusionHeight(0));
    assertThat(ImageIO.read(dir.resolve("a.png").toFile()).getWidth()).isEqualTo(640);
  }

  private static void assertPng(Path png, int width, int height) throws IOException {
    byte[] bytes = Files.readAllBytes(png);
    assertThat(bytes).startsWith(0x89, 'P', 'N', 'G');
    assertThat(bytes.length).isLessThan(200_000);
    BufferedImage img = ImageIO.read(png.toFile());
    assertThat(img).isNotNull();
    assertThat(img.getWidth()).isEqualTo(width);
    assertThat(img.getHeight()).isEqualTo(height);
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < img.getHeight(); y += 2) {
      for (int x = 0; x < img.getWidth(); x += 2) {
        colours.add(img.getRGB(x, y));
      }
    }
    assertThat(colours).hasSizeGreaterThan(2);
  }

  private static boolean[] labels() {
    boolean[] y = new boolean[N];
    for (int i = 0; i < N; i++) {
      y[i] = R.nextDouble() < 0.2;
    }
    return y;
  }

  private static double[] scores(double separation) {
    double[] s = new double[N];
    for (int i = 0; i < N; i++) {
      s[i] = R.nextGaussian() + (Y[i] ? separation : 0);
    }
    return s;
  }
}
