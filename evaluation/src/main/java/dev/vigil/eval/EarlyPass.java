package dev.vigil.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A test set's data read a second time with early windows ({@code features.early-windows}), once
 * the model exists: early windows need the trained model's scaler as their judge, so they cannot be
 * part of the first reading, whose windows (the test rows) are built before any model.
 *
 * <p>The second reading's windows are all kept, in stream order, so that they are scored as the
 * daemon scores them: every window, early or not, through one ensemble scorer with one state per
 * entity, and an early window alerts like any window, when its score reaches the ensemble's
 * threshold. Only the early windows count: each for the test row {@link #row} names (the reader
 * decides how the second reading's windows map onto the first's); the others are scored for the
 * sequence state only.
 *
 * @param rows every window of the second reading, in stream order
 * @param entity the entity of each (as the test rows')
 * @param row for each early window, the index of the test row it counts for; -1 for the windows
 *     that ran their full length, and for an early window no test row matches
 * @param early whether each window was closed early
 * @param decideMicros for each early window, microseconds from its start to its close (the deciding
 *     packet); 0 for the others
 * @param method how the second reading was made, in words (for the notes)
 */
public record EarlyPass(
    List<float[]> rows,
    long[] entity,
    int[] row,
    boolean[] early,
    long[] decideMicros,
    String method) {
  /** The early windows' detector name, as reported. */
  public static final String NAME = "early";

  /** Checks lengths; copies the list. */
  public EarlyPass {
    rows = List.copyOf(rows);
    int n = rows.size();
    if (entity.length != n || row.length != n || early.length != n || decideMicros.length != n) {
      throw new IllegalArgumentException("one entity, row, flag and time per window are needed");
    }
    Objects.requireNonNull(method, "method");
  }

  /** Returns how many windows were closed early. */
  public long closedEarly() {
    long k = 0;
    for (boolean e : early) {
      k += e ? 1 : 0;
    }
    return k;
  }

  /**
   * Returns, per test row, whether an early window counting for it scored at or above {@code
   * threshold}.
   *
   * @param scores the ensemble's score of each window of {@link #rows}
   * @param threshold the ensemble's threshold
   * @param testRows how many test rows there are
   */
  public boolean[] alerted(double[] scores, double threshold, int testRows) {
    if (scores.length != rows.size()) {
      throw new IllegalArgumentException("one score per window is needed");
    }
    boolean[] out = new boolean[testRows];
    for (int i = 0; i < scores.length; i++) {
      if (early[i] && row[i] >= 0 && scores[i] >= threshold) {
        out[row[i]] = true;
      }
    }
    return out;
  }

  /**
   * Returns, for the test rows that are attacks and alerted by an early window, the time from that
   * early window's start to its close, microseconds (the first alerting early window of each row),
   * ascending.
   */
  public long[] attackDecideMicros(double[] scores, double threshold, boolean[] attack) {
    long[] first = new long[attack.length];
    Arrays.fill(first, -1);
    for (int i = 0; i < scores.length; i++) {
      int r = row[i];
      if (early[i] && r >= 0 && attack[r] && scores[i] >= threshold && first[r] < 0) {
        first[r] = decideMicros[i];
      }
    }
    return Arrays.stream(first).filter(x -> x >= 0).sorted().toArray();
  }

  /**
   * The notes on the second reading, in Markdown: how it was made, how many windows closed early,
   * how many of them alerted, on attack rows and others, and how soon.
   *
   * @param scores the ensemble's score of each window of {@link #rows}
   * @param threshold the ensemble's threshold
   * @param attack whether each test row is an attack
   * @param otherwise whether each test row is alerted without early windows (the ensemble at its
   *     threshold, or a streaming detector)
   */
  public String markdown(double[] scores, double threshold, boolean[] attack, boolean[] otherwise) {
    long closed = 0;
    long closedUnmatched = 0;
    long closedAlerting = 0;
    List<Integer> rowsClosed = new ArrayList<>();
    for (int i = 0; i < scores.length; i++) {
      if (!early[i]) {
        continue;
      }
      closed++;
      if (row[i] < 0) {
        closedUnmatched++;
        continue;
      }
      rowsClosed.add(row[i]);
      closedAlerting += scores[i] >= threshold ? 1 : 0;
    }
    boolean[] any = new boolean[attack.length];
    rowsClosed.forEach(r -> any[r] = true);
    boolean[] hit = alerted(scores, threshold, attack.length);
    long attacks = 0;
    long attackClosed = 0;
    long attackHit = 0;
    long attackNew = 0;
    long benignClosed = 0;
    long benignHit = 0;
    long benignNew = 0;
    for (int r = 0; r < attack.length; r++) {
      if (attack[r]) {
        attacks++;
        attackClosed += any[r] ? 1 : 0;
        attackHit += hit[r] ? 1 : 0;
        attackNew += hit[r] && !otherwise[r] ? 1 : 0;
      } else {
        benignClosed += any[r] ? 1 : 0;
        benignHit += hit[r] ? 1 : 0;
        benignNew += hit[r] && !otherwise[r] ? 1 : 0;
      }
    }
    long[] decide = attackDecideMicros(scores, threshold, attack);
    String soon =
        decide.length == 0
            ? "no attack window was alerted by an early window, so there is no time to early"
                + " decision to report"
            : String.format(
                Locale.ROOT,
                "from the early window's start to its close (the deciding packet), over the %d"
                    + " attack windows alerted early: median %.3f s (min %.3f s, max %.3f s)",
                decide.length,
                median(decide) / 1e6,
                decide[0] / 1e6,
                decide[decide.length - 1] / 1e6);
    return String.format(
        Locale.ROOT,
        "### Early windows on the test captures\n\n"
            + "%s.\n\n"
            + "Windows closed early: %,d of the second reading's %,d (%,d matched no test row)."
            + " Of the %,d early windows matched, %,d scored at or above the ensemble's threshold"
            + " (%.4f). Test rows with an early window: %,d of %,d attack and %,d of %,d other;"
            + " alerted by one (row `%s`): **%,d of %,d attack**, %,d other; alerted by one and by"
            + " neither the ensemble nor a streaming detector (what early windows add to the"
            + " combined row): %,d attack, %,d other. Time to decision: %s.\n",
        method,
        closed,
        scores.length,
        closedUnmatched,
        closed - closedUnmatched,
        closedAlerting,
        threshold,
        attackClosed,
        attacks,
        benignClosed,
        attack.length - attacks,
        NAME,
        attackHit,
        attacks,
        benignHit,
        attackNew,
        benignNew,
        soon);
  }

  private static double median(long[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
  }
}
