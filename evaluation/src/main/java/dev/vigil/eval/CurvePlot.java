package dev.vigil.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.geom.AffineTransform;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * PNG charts of evaluation results, drawn with java.awt into an image (no window, no extra
 * dependencies), small enough for a README: ROC and PR charts are 640 x 480, confusion matrices 640
 * wide with three methods a row.
 *
 * <p>Loading this class sets {@code java.awt.headless=true} unless the property was set explicitly.
 * Text needs a font: a JRE without any (some minimal container images) fails in AWT's font setup.
 *
 * <p>Methods are drawn in the iteration order of the map given (use a {@link
 * java.util.LinkedHashMap} for a stable legend), in a colour-blind-safe palette (Okabe-Ito); past
 * eight methods the colours repeat with dashes. Curve points with a NaN coordinate are left out
 * (the line breaks there). Parent directories of the PNG are created.
 */
public final class CurvePlot {
  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  static final int WIDTH = 640;
  static final int HEIGHT = 480;

  // Confusion-matrix layout.
  static final int CONFUSION_COLUMNS = 3;
  static final int CONFUSION_HEADER = 58;
  static final int CONFUSION_PANEL_HEIGHT = 176;
  static final int CONFUSION_FOOTER = 8;

  private static final int LEFT = 64;
  private static final int RIGHT = 24;
  private static final int TOP = 44;
  private static final int BOTTOM = 58;

  private static final Color[] PALETTE = {
    new Color(0x0072B2), // blue
    new Color(0xD55E00), // vermillion
    new Color(0x009E73), // bluish green
    new Color(0xCC79A7), // reddish purple
    new Color(0xE69F00), // orange
    new Color(0x56B4E9), // sky blue
    new Color(0x000000), // black
    new Color(0x8C6D1F), // brown (Okabe-Ito's yellow is unreadable on white)
  };
  private static final Color TEXT = new Color(0x222222);
  private static final Color GRID = new Color(0xE4E4E4);
  private static final Color REFERENCE = new Color(0x888888);
  private static final Color CORRECT = new Color(0x0072B2);
  private static final Color WRONG = new Color(0xD55E00);

  private CurvePlot() {}

  /**
   * Draws ROC curves ({@code {fpr[], tpr[]}} as from {@link Curves#roc}), one line per method with
   * a legend of the names, and the diagonal of a chance scorer. Put the AUC into the name if the
   * legend should show it.
   */
  public static void roc(Path png, String title, Map<String, double[][]> curves)
      throws IOException {
    Chart c =
        new Chart(title, "False positive rate (normal traffic flagged)", "True positive rate");
    c.reference(0, 0, 1, 1);
    List<String> names = new ArrayList<>();
    List<Integer> styles = new ArrayList<>();
    int k = 0;
    for (Map.Entry<String, double[][]> e : curves.entrySet()) {
      c.line(e.getValue(), k, false);
      names.add(e.getKey());
      styles.add(k++);
    }
    names.add("chance");
    styles.add(-1);
    c.legend(names, styles, false);
    write(png, c.image);
  }

  /**
   * Draws precision-recall curves ({@code {recall[], precision[]}} as from {@link Curves#pr}), one
   * step line per method (the area under each step line is its average precision), and a dashed
   * line at {@code baseRate}, the share of positives: the precision of flagging everything.
   */
  public static void pr(Path png, String title, Map<String, double[][]> curves, double baseRate)
      throws IOException {
    Chart c = new Chart(title, "Recall (attacks flagged)", "Precision (alerts that are attacks)");
    List<String> names = new ArrayList<>();
    List<Integer> styles = new ArrayList<>();
    if (Double.isFinite(baseRate)) {
      c.reference(0, baseRate, 1, baseRate);
    }
    int k = 0;
    for (Map.Entry<String, double[][]> e : curves.entrySet()) {
      c.line(e.getValue(), k, true);
      names.add(e.getKey());
      styles.add(k++);
    }
    if (Double.isFinite(baseRate)) {
      names.add(String.format(Locale.ROOT, "base rate %.3f", baseRate));
      styles.add(-1);
    }
    c.legend(names, styles, true);
    write(png, c.image);
  }

  /**
   * Draws one 2 x 2 confusion matrix per method, three to a row: rows are the actual class (attack,
   * normal), columns the prediction (flagged, passed). Each cell shows its count and its share of
   * the row, and is shaded by that share, blue for correct cells (TP, TN) and orange for errors
   * (FP, FN). The image is 640 wide and as high as the rows need.
   */
  public static void confusion(Path png, String title, Map<String, Confusion> matrices)
      throws IOException {
    int height = confusionHeight(matrices.size());
    BufferedImage img = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = graphics(img);
    g.setColor(TEXT);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    centre(g, fit(g, title, WIDTH - 20), WIDTH / 2.0, 26);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    g.setColor(REFERENCE);
    centre(
        g,
        "rows: actual class, columns: prediction; shading and % = share of the row",
        WIDTH / 2.0,
        46);
    int panelW = (WIDTH - 20) / CONFUSION_COLUMNS;
    int i = 0;
    for (Map.Entry<String, Confusion> e : matrices.entrySet()) {
      int row = i / CONFUSION_COLUMNS;
      int col = i % CONFUSION_COLUMNS;
      int inRow = Math.min(CONFUSION_COLUMNS, matrices.size() - row * CONFUSION_COLUMNS);
      int x0 = 10 + (WIDTH - 20 - inRow * panelW) / 2 + col * panelW;
      int y0 = CONFUSION_HEADER + row * CONFUSION_PANEL_HEIGHT;
      panel(g, e.getKey(), e.getValue(), x0, y0, panelW);
      i++;
    }
    if (matrices.isEmpty()) {
      g.setColor(REFERENCE);
      centre(g, "no methods", WIDTH / 2.0, CONFUSION_HEADER + CONFUSION_PANEL_HEIGHT / 2.0);
    }
    g.dispose();
    write(png, img);
  }

  static int confusionHeight(int methods) {
    int rows = Math.max(1, (methods + CONFUSION_COLUMNS - 1) / CONFUSION_COLUMNS);
    return CONFUSION_HEADER + rows * CONFUSION_PANEL_HEIGHT + CONFUSION_FOOTER;
  }

  private static void panel(Graphics2D g, String name, Confusion m, int x0, int y0, int w) {
    int labelW = 50;
    int cellW = (w - labelW - 10) / 2;
    int cellH = 56;
    int gx = x0 + labelW;
    int gy = y0 + 40;
    g.setColor(TEXT);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
    centre(g, fit(g, name, w - 8), x0 + w / 2.0, y0 + 16);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    g.setColor(REFERENCE);
    centre(g, "flagged", gx + cellW / 2.0, gy - 6);
    centre(g, "passed", gx + cellW * 1.5, gy - 6);
    right(g, "attack", gx - 6, gy + cellH / 2.0 + 4);
    right(g, "normal", gx - 6, gy + cellH * 1.5 + 4);
    long attacks = m.tp() + m.fn();
    long normals = m.fp() + m.tn();
    cell(g, "TP", m.tp(), attacks, true, gx, gy, cellW, cellH);
    cell(g, "FN", m.fn(), attacks, false, gx + cellW, gy, cellW, cellH);
    cell(g, "FP", m.fp(), normals, false, gx, gy + cellH, cellW, cellH);
    cell(g, "TN", m.tn(), normals, true, gx + cellW, gy + cellH, cellW, cellH);
    g.setColor(TEXT);
    g.setStroke(new BasicStroke(1f));
    g.drawRect(gx, gy, 2 * cellW, 2 * cellH);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    g.setColor(REFERENCE);
    // Recall, FNR, FPR and TNR are the row shares in the cells.
    String summary = String.format(Locale.ROOT, "precision %.3f   F1 %.3f", m.precision(), m.f1());
    centre(g, fit(g, summary, w - 4), x0 + w / 2.0, gy + 2 * cellH + 18);
  }

  private static void cell(
      Graphics2D g,
      String label,
      long count,
      long rowTotal,
      boolean correct,
      int x,
      int y,
      int w,
      int h) {
    double share = rowTotal == 0 ? 0 : (double) count / rowTotal;
    Color base = correct ? CORRECT : WRONG;
    Color fill = blend(Color.WHITE, base, 0.08 + 0.82 * share);
    g.setColor(fill);
    g.fillRect(x, y, w, h);
    g.setColor(Color.WHITE);
    g.drawRect(x, y, w, h);
    boolean dark = 0.08 + 0.82 * share > 0.5;
    g.setColor(dark ? Color.WHITE : TEXT);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
    g.drawString(label, x + 4, y + 12);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    String text = String.format(Locale.ROOT, "%,d", count);
    if (g.getFontMetrics().stringWidth(text) > w - 6) {
      text = compact(count);
    }
    centre(g, text, x + w / 2.0, y + h / 2.0 + 6);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    String pct = rowTotal == 0 ? "–" : String.format(Locale.ROOT, "%.1f %%", 100 * share);
    centre(g, pct, x + w / 2.0, y + h - 6);
  }

  private static String compact(long v) {
    if (v >= 1_000_000_000L) {
      return String.format(Locale.ROOT, "%.1fG", v / 1e9);
    }
    if (v >= 1_000_000L) {
      return String.format(Locale.ROOT, "%.1fM", v / 1e6);
    }
    return String.format(Locale.ROOT, "%.1fk", v / 1e3);
  }

  private static Color blend(Color a, Color b, double t) {
    t = Math.max(0, Math.min(1, t));
    return new Color(
        (int) Math.round(a.getRed() + (b.getRed() - a.getRed()) * t),
        (int) Math.round(a.getGreen() + (b.getGreen() - a.getGreen()) * t),
        (int) Math.round(a.getBlue() + (b.getBlue() - a.getBlue()) * t));
  }

  /** A unit-square chart: axes 0..1 with ticks, grid, labels and title. */
  private static final class Chart {
    final BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    final Graphics2D g = graphics(image);
    final int plotW = WIDTH - LEFT - RIGHT;
    final int plotH = HEIGHT - TOP - BOTTOM;

    Chart(String title, String xLabel, String yLabel) {
      Font tick = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
      g.setFont(tick);
      for (int i = 0; i <= 10; i++) {
        double v = i / 10.0;
        double px = px(v);
        double py = py(v);
        boolean major = i % 2 == 0;
        if (major && i > 0 && i < 10) {
          g.setColor(GRID);
          g.setStroke(new BasicStroke(1f));
          g.draw(new Line2D.Double(px, TOP, px, TOP + plotH));
          g.draw(new Line2D.Double(LEFT, py, LEFT + plotW, py));
        }
        g.setColor(TEXT);
        int len = major ? 5 : 3;
        g.draw(new Line2D.Double(px, TOP + plotH, px, TOP + plotH + len));
        g.draw(new Line2D.Double(LEFT - len, py, LEFT, py));
        if (major) {
          String s = String.format(Locale.ROOT, "%.1f", v);
          centre(g, s, px, TOP + plotH + 18);
          right(g, s, LEFT - 8, py + 4);
        }
      }
      g.setColor(TEXT);
      g.setStroke(new BasicStroke(1f));
      g.drawRect(LEFT, TOP, plotW, plotH);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      centre(g, xLabel, LEFT + plotW / 2.0, HEIGHT - 16);
      AffineTransform saved = g.getTransform();
      g.rotate(-Math.PI / 2);
      centre(g, yLabel, -(TOP + plotH / 2.0), 20);
      g.setTransform(saved);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
      centre(g, fit(g, title, WIDTH - 20), WIDTH / 2.0, 28);
    }

    double px(double x) {
      return LEFT + x * plotW;
    }

    double py(double y) {
      return TOP + (1 - y) * plotH;
    }

    void reference(double x0, double y0, double x1, double y1) {
      g.setColor(REFERENCE);
      g.setStroke(style(-1));
      g.draw(new Line2D.Double(px(x0), py(y0), px(x1), py(y1)));
    }

    /** Draws {@code {x[], y[]}}; {@code steps} draws it as a PR step line from recall 0. */
    void line(double[][] curve, int k, boolean steps) {
      if (curve == null || curve.length < 2) {
        return;
      }
      double[] x = curve[0];
      double[] y = curve[1];
      int n = Math.min(x.length, y.length);
      Path2D.Double path = new Path2D.Double();
      boolean open = false;
      double prevX = 0;
      for (int i = 0; i < n; i++) {
        if (!Double.isFinite(x[i]) || !Double.isFinite(y[i])) {
          open = false;
          continue;
        }
        if (steps) {
          // Precision y[i] holds over recall (prevX, x[i]]: the area is the average precision.
          double from = open ? prevX : (i == 0 ? 0 : x[i]);
          if (open) {
            path.lineTo(px(from), py(y[i]));
          } else {
            path.moveTo(px(from), py(y[i]));
          }
          path.lineTo(px(x[i]), py(y[i]));
        } else if (open) {
          path.lineTo(px(x[i]), py(y[i]));
        } else {
          path.moveTo(px(x[i]), py(y[i]));
        }
        open = true;
        prevX = x[i];
      }
      g.setClip(new Rectangle2D.Double(LEFT - 3, TOP - 3, plotW + 6, plotH + 6));
      g.setColor(PALETTE[k % PALETTE.length]);
      g.setStroke(style(k));
      g.draw(path);
      g.setClip(null);
    }

    /**
     * Legend in the corner of the plot that hides the least of the curves drawn so far; of equal
     * corners the lower right (ROC) or lower left (PR) first.
     */
    void legend(List<String> names, List<Integer> styles, boolean lowerLeft) {
      if (names.isEmpty()) {
        return;
      }
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      FontMetrics fm = g.getFontMetrics();
      int maxText = plotW / 2;
      List<String> shown = new ArrayList<>();
      int textW = 0;
      for (String s : names) {
        String f = fit(g, s, maxText);
        shown.add(f);
        textW = Math.max(textW, fm.stringWidth(f));
      }
      int swatch = 28;
      int lineH = fm.getHeight() + 2;
      int boxW = 8 + swatch + 6 + textW + 8;
      int boxH = 6 + lineH * shown.size() + 2;
      int leftX = LEFT + 10;
      int rightX = LEFT + plotW - 10 - boxW;
      int lowY = TOP + plotH - 10 - boxH;
      int highY = TOP + 10;
      int[][] corners =
          lowerLeft
              ? new int[][] {{leftX, lowY}, {rightX, lowY}, {rightX, highY}, {leftX, highY}}
              : new int[][] {{rightX, lowY}, {leftX, lowY}, {rightX, highY}, {leftX, highY}};
      int bx = corners[0][0];
      int by = corners[0][1];
      long least = Long.MAX_VALUE;
      for (int[] c : corners) {
        long ink = ink(image, c[0], c[1], boxW, boxH);
        if (ink < least) {
          least = ink;
          bx = c[0];
          by = c[1];
        }
      }
      g.setColor(new Color(255, 255, 255, 225));
      g.fillRect(bx, by, boxW, boxH);
      g.setColor(GRID.darker());
      g.setStroke(new BasicStroke(1f));
      g.drawRect(bx, by, boxW, boxH);
      for (int i = 0; i < shown.size(); i++) {
        int k = styles.get(i);
        double cy = by + 6 + lineH * i + lineH / 2.0;
        g.setColor(k < 0 ? REFERENCE : PALETTE[k % PALETTE.length]);
        g.setStroke(style(k));
        g.draw(new Line2D.Double(bx + 8, cy, bx + 8 + swatch, cy));
        g.setColor(TEXT);
        g.drawString(shown.get(i), bx + 8 + swatch + 6, (float) (cy + fm.getAscent() / 2.0 - 1));
      }
    }
  }

  /** Counts the pixels in the box that are neither background nor grid. */
  private static long ink(BufferedImage img, int x0, int y0, int w, int h) {
    long n = 0;
    int white = Color.WHITE.getRGB();
    int grid = GRID.getRGB();
    for (int y = Math.max(0, y0); y < Math.min(img.getHeight(), y0 + h); y++) {
      for (int x = Math.max(0, x0); x < Math.min(img.getWidth(), x0 + w); x++) {
        int rgb = img.getRGB(x, y);
        if (rgb != white && rgb != grid) {
          n++;
        }
      }
    }
    return n;
  }

  /** Style {@code k}: solid for the first palette round, then dashed; -1 is the reference line. */
  private static Stroke style(int k) {
    if (k < 0) {
      return new BasicStroke(
          1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f);
    }
    int round = k / PALETTE.length;
    if (round == 0) {
      return new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    }
    float dash = round % 2 == 1 ? 8f : 2f;
    return new BasicStroke(
        2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {dash, 4f}, 0f);
  }

  private static Graphics2D graphics(BufferedImage img) {
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, img.getWidth(), img.getHeight());
    return g;
  }

  private static void centre(Graphics2D g, String s, double cx, double baseline) {
    g.drawString(s, (float) (cx - g.getFontMetrics().stringWidth(s) / 2.0), (float) baseline);
  }

  private static void right(Graphics2D g, String s, double rx, double baseline) {
    g.drawString(s, (float) (rx - g.getFontMetrics().stringWidth(s)), (float) baseline);
  }

  /** Shortens {@code s} with an ellipsis to fit {@code width} pixels in the current font. */
  private static String fit(Graphics2D g, String s, int width) {
    if (s == null) {
      return "";
    }
    FontMetrics fm = g.getFontMetrics();
    if (fm.stringWidth(s) <= width) {
      return s;
    }
    String t = s;
    while (!t.isEmpty() && fm.stringWidth(t + "…") > width) {
      t = t.substring(0, t.length() - 1);
    }
    return t + "…";
  }

  private static void write(Path png, BufferedImage img) throws IOException {
    Path parent = png.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try (OutputStream out = Files.newOutputStream(png)) {
      if (!ImageIO.write(img, "png", out)) {
        throw new IOException("no PNG writer available");
      }
    }
  }
}
