package dev.vigil.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The evaluation's thresholds and the TON_IoT split. */
class EvaluationSplitTest {
  @TempDir Path tmp;

  @Test
  void threshold_holdsTheTargetShare_evenWhenScoresAreTied() {
    double[] continuous = new double[1000];
    for (int i = 0; i < continuous.length; i++) {
      continuous[i] = i;
    }
    double t = TabularEvaluator.threshold(continuous, 0.01);
    long above = java.util.Arrays.stream(continuous).filter(x -> x >= t).count();
    assertThat(above).isBetween(9L, 11L);

    // a forest's vote on normal data: 0 for almost everything
    double[] tied = new double[1000];
    for (int i = 990; i < 1000; i++) {
      tied[i] = 0.5;
    }
    double u = TabularEvaluator.threshold(tied, 0.01);
    assertThat(java.util.Arrays.stream(tied).filter(x -> x >= u).count()).isLessThanOrEqualTo(20);
    assertThat(0.0).isLessThan(u); // a zero score is never flagged
  }

  /** Writes a TON_IoT-like file: 200 normal rows, then 100 attack rows, a backward time jump. */
  private Path tonIotFile() throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("\ufeffdate,time,temperature,door_state,label,type");
    for (int i = 0; i < 300; i++) {
      boolean attack = i >= 200;
      int sec = i == 150 ? 0 : i; // row 150 is out of order in the file
      lines.add(
          String.format(
              java.util.Locale.ROOT,
              "25-Apr-19, %d:%02d:%02d ,%s,%s,%d,%s",
              10 + sec / 3600,
              (sec / 60) % 60,
              sec % 60,
              attack ? "40.5" : Double.toString(20 + (i % 7) * 0.1),
              i % 2 == 0 ? "open " : "closed",
              attack ? 1 : 0,
              attack ? "ddos" : "normal"));
    }
    Path f = tmp.resolve("Train_Test_IoT_Test.csv");
    Files.write(f, lines);
    return f;
  }

  @Test
  void tonIot_split_learnsFromEarlyNormalRows_andTestsOnTheLaterOnes() throws IOException {
    TonIotEvaluation.Device d = TonIotEvaluation.device(tonIotFile());
    TabularEvaluator.Data data = d.data();
    assertThat(data.schema().names())
        .containsExactly("temperature", "door_state", "d_temperature", "d_door_state");
    assertThat(data.trainNormal()).hasSize(120); // 60 % of 200
    assertThat(data.validationNormal()).hasSize(40);
    TabularEvaluator.TestSet test = data.tests().get(d.name());
    assertThat(test.rows()).hasSize(40 + 50);
    long attacks = 0;
    for (boolean a : test.attack()) {
      attacks += a ? 1 : 0;
    }
    assertThat(attacks).isEqualTo(50);
    // in time order: the normal tail before the attacks
    assertThat(test.attack()[0]).isFalse();
    assertThat(test.attack()[test.attack().length - 1]).isTrue();
    // supervised: learning normal rows and the first half of the attacks
    assertThat(data.supervised().rows()).hasSize(120 + 50);
    // no row is both learned from and tested on (the same vector object)
    java.util.Set<float[]> learned =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    learned.addAll(data.trainNormal());
    learned.addAll(data.validationNormal());
    assertThat(test.rows()).noneMatch(learned::contains);
  }

  @Test
  void tonIot_badFiles_clearErrors() throws IOException {
    Path f = tmp.resolve("x.csv");
    Files.writeString(f, "date,time,temperature,label,type\n25-Apr-19,10:00:00,1,0,normal\n");
    assertThatThrownBy(() -> TonIotEvaluation.device(f))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("at least 100 normal");
    assertThatThrownBy(() -> TonIotEvaluation.load(tmp.resolve("none")))
        .isInstanceOf(IOException.class);
  }
}
