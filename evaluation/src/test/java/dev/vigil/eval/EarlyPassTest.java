package dev.vigil.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import org.junit.jupiter.api.Test;

/** Which test rows early windows alert, and how soon, on a second reading with known answers. */
class EarlyPassTest {
  /**
   * Six windows of a second reading onto five test rows (0, 1 attacks; 2, 3, 4 other): 0 early onto
   * row 0 (0.4 s); 1 the full window after it (high score: counts nowhere); 2 early onto row 1
   * below the threshold; 3 early onto row 1 at the threshold (1.5 s); 4 early onto row 2 above it;
   * 5 early, matching no row.
   */
  private static final EarlyPass PASS =
      new EarlyPass(
          Collections.nCopies(6, new float[] {0}),
          new long[6],
          new int[] {0, -1, 1, 1, 2, -1},
          new boolean[] {true, false, true, true, true, true},
          new long[] {400_000, 0, 200_000, 1_500_000, 300_000, 100_000},
          "how");

  private static final double[] SCORES = {2.0, 9.0, 0.5, 1.0, 3.0, 7.0};
  private static final boolean[] ATTACK = {true, true, false, false, false};

  @Test
  void alerted_earlyWindowsAtOrAboveTheThresholdOnly() {
    assertThat(PASS.alerted(SCORES, 1.0, 5)).containsExactly(true, true, true, false, false);
    // a higher threshold: only the early windows above it, never the full window's 9.0
    assertThat(PASS.alerted(SCORES, 2.5, 5)).containsExactly(false, false, true, false, false);
    assertThat(PASS.closedEarly()).isEqualTo(5);
  }

  @Test
  void attackDecideMicros_firstAlertingEarlyWindowOfEachAttackRow_sorted() {
    // row 0 by window 0 (0.4 s); row 1 by window 3 (window 2 is below the threshold)
    assertThat(PASS.attackDecideMicros(SCORES, 1.0, ATTACK)).containsExactly(400_000L, 1_500_000L);
    assertThat(PASS.attackDecideMicros(SCORES, 2.5, ATTACK)).isEmpty();
  }

  @Test
  void markdown_countsRowsAndWhatEarlyWindowsAdd() {
    // row 0 was alerted already (by the ensemble or a streaming detector): early adds row 1 and 2
    String md = PASS.markdown(SCORES, 1.0, ATTACK, new boolean[] {true, false, false, true, false});
    assertThat(md)
        .contains("how")
        .contains("Windows closed early: 5 of the second reading's 6 (1 matched no test row)")
        .contains("Of the 4 early windows matched, 3 scored at or above")
        .contains("Test rows with an early window: 2 of 2 attack and 1 of 3 other")
        .contains("**2 of 2 attack**, 1 other")
        .contains("combined row): 1 attack, 1 other")
        .contains("median 0.950 s (min 0.400 s, max 1.500 s)");
    assertThat(PASS.markdown(SCORES, 10, ATTACK, new boolean[5]))
        .contains("**0 of 2 attack**")
        .contains("no attack window was alerted by an early window");
  }

  @Test
  void lengthsMustAgree() {
    assertThatThrownBy(
            () ->
                new EarlyPass(
                    Collections.nCopies(2, new float[] {0}),
                    new long[2],
                    new int[1],
                    new boolean[2],
                    new long[2],
                    "how"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PASS.alerted(new double[5], 1, 5))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
