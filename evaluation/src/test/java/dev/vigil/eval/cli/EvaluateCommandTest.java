package dev.vigil.eval.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.eval.TabularEvaluator;
import dev.vigil.testsupport.SharedData;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code vigil evaluate}: the reduced configuration CI runs on NSL-KDD, with floors from what it
 * measured (see docs/RESULTS.md for the full run), and bad arguments.
 */
class EvaluateCommandTest {
  @TempDir Path tmp;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int vigil(String... args) {
    return new CommandLine(new EvaluationCli())
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .execute(args);
  }

  @Test
  @Tag("shared-data")
  void nslKdd_quick_everyMethodOnBothTestSets_withSaneFloors() throws Exception {
    Path json = tmp.resolve("eval.json");
    Path results = tmp.resolve("docs/RESULTS.md");
    int rc =
        vigil(
            "evaluate",
            "--dataset",
            "nsl-kdd",
            "--data",
            SharedData.file("nsl-kdd").toString(),
            "--quick",
            "--json",
            json.toString(),
            "--write",
            results.toString());
    System.out.println(out);
    assertThat(rc).as(err.toString()).isZero();

    JsonNode root = new ObjectMapper().readTree(json.toFile());
    assertThat(root.get("dataset").asText()).isEqualTo("nsl-kdd");
    assertThat(root.get("test_set").asText()).isEqualTo("KDDTest+");
    for (String set : new String[] {"KDDTest+", "KDDTest-21"}) {
      JsonNode s = root.get("test_sets").get(set);
      assertThat(s).as(set).isNotNull();
      JsonNode m = s.get("methods");
      for (String method : TabularEvaluator.METHODS) {
        JsonNode x = m.get(method);
        assertThat(x).as(set + " " + method).isNotNull();
        for (String k :
            new String[] {
              "roc_auc",
              "pr_auc",
              "accuracy",
              "precision",
              "recall",
              "f1",
              "fpr",
              "fnr",
              "latency_p50_us",
              "latency_p99_us"
            }) {
          assertThat(x.get(k).isNumber()).as(set + " " + method + " " + k).isTrue();
        }
        long total =
            x.get("tp").asLong()
                + x.get("fp").asLong()
                + x.get("tn").asLong()
                + x.get("fn").asLong();
        assertThat(total).isEqualTo(s.get("rows").asLong());
      }
    }
    JsonNode plus = root.get("methods");
    // floors from the reduced run (measured: see the printed table); the full run is in RESULTS.md
    assertThat(plus.get("ensemble").get("roc_auc").asDouble()).isGreaterThan(0.90);
    assertThat(plus.get("random_forest").get("roc_auc").asDouble()).isGreaterThan(0.80);
    for (String set : new String[] {"KDDTest+", "KDDTest-21"}) {
      JsonNode m = root.get("test_sets").get(set).get("methods");
      assertThat(
              Math.abs(
                  m.get("ensemble").get("roc_auc").asDouble()
                      - m.get("ensemble_int8").get("roc_auc").asDouble()))
          .as(set + ": int8 against float")
          .isLessThanOrEqualTo(0.005);
    }
    // thresholds from normal validation data: the false-positive rate on normal test traffic is
    // of the order of the 1 % target (KDDTest+'s normal records differ from training's)
    assertThat(plus.get("ensemble").get("fpr").asDouble()).isLessThan(0.15);
    // the latency goal: a vector scored at least 1000x faster than the papers' 35 ms
    assertThat(plus.get("ensemble_int8").get("latency_p50_us").asDouble()).isLessThan(35.0);

    String md = Files.readString(results);
    assertThat(md)
        .contains("<!-- eval-nsl-kdd:begin -->")
        .contains("### KDDTest+")
        .contains("| ensemble_int8 |");
    for (String png :
        new String[] {
          "eval-nsl-kdd-KDDTest_-roc.png",
          "eval-nsl-kdd-KDDTest_-pr.png",
          "eval-nsl-kdd-KDDTest_-confusion.png",
          "eval-nsl-kdd-KDDTest_21-roc.png"
        }) {
      Path p = results.getParent().resolve("eval").resolve(png);
      BufferedImage img = ImageIO.read(p.toFile());
      assertThat(img).as(png).isNotNull();
      assertThat(md).contains("eval/" + png);
    }
  }

  @Test
  @Tag("shared-data")
  void tonIot_quick_aModelPerDevice_weatherAttacksSeparated() throws Exception {
    Path json = tmp.resolve("ton.json");
    int rc =
        vigil(
            "evaluate",
            "--dataset",
            "ton-iot",
            "--data",
            SharedData.file("ton_iot_sample").toString(),
            "--quick",
            "--json",
            json.toString());
    System.out.println(out);
    assertThat(rc).as(err.toString()).isZero();
    JsonNode sets = new ObjectMapper().readTree(json.toFile()).get("test_sets");
    assertThat(sets.size()).isEqualTo(4); // one per device file
    JsonNode weather = sets.get("Train_Test_IoT_Weather").get("methods");
    // measured (quick): ensemble 0.81, ae 0.83, random_forest 0.87; the other devices' attacks
    // carry normal values (about 0.5 for every method, as TonIotMqttDetectionTest finds)
    assertThat(weather.get("ensemble").get("roc_auc").asDouble()).isGreaterThan(0.72);
    assertThat(weather.get("ensemble").get("fpr").asDouble()).isLessThan(0.05);
    for (var it = sets.fields(); it.hasNext(); ) {
      var e = it.next();
      JsonNode m = e.getValue().get("methods");
      assertThat(
              Math.abs(
                  m.get("ensemble").get("roc_auc").asDouble()
                      - m.get("ensemble_int8").get("roc_auc").asDouble()))
          .as(e.getKey() + ": int8 against float")
          .isLessThanOrEqualTo(0.005);
    }
  }

  @Test
  @Tag("shared-data")
  void nab_twoFiles_threeProfileScoresAndTheNabSection() throws Exception {
    Path src = SharedData.file("nab");
    Path nab = tmp.resolve("nab");
    String file = "artificialWithAnomaly/art_daily_jumpsup.csv";
    Files.createDirectories(nab.resolve("data/artificialWithAnomaly"));
    Files.createDirectories(nab.resolve("labels"));
    Files.copy(src.resolve("data").resolve(file), nab.resolve("data").resolve(file));
    ObjectMapper m = new ObjectMapper();
    JsonNode windows = m.readTree(src.resolve("labels/combined_windows.json").toFile());
    var one = m.createObjectNode();
    one.set(file, windows.get(file));
    m.writeValue(nab.resolve("labels/combined_windows.json").toFile(), one);

    Path json = tmp.resolve("nab.json");
    Path results = tmp.resolve("RESULTS.md");
    int rc =
        vigil(
            "evaluate",
            "--dataset",
            "nab",
            "--data",
            nab.toString(),
            "--json",
            json.toString(),
            "--write",
            results.toString());
    assertThat(rc).as(err.toString()).isZero();
    JsonNode r = m.readTree(json.toFile());
    assertThat(r.get("files").asInt()).isEqualTo(1);
    for (String p : new String[] {"standard", "reward_low_FP_rate", "reward_low_FN_rate"}) {
      // a jump in a clean daily pattern: found, well above the null detector's 0
      assertThat(r.get("methods").get("vigil").get(p).get("score").asDouble())
          .as(p)
          .isGreaterThan(50);
    }
    assertThat(Files.readString(results)).contains("<!-- nab:begin -->").contains("| standard |");
  }

  @Test
  void badArguments_clearErrors() throws Exception {
    assertThat(vigil("evaluate", "--dataset", "nsl-kdd", "--data", tmp.resolve("nope").toString()))
        .isEqualTo(2);
    assertThat(err.toString()).contains("is not a folder");
    assertThat(vigil("evaluate", "--dataset", "kdd99", "--data", tmp.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("unknown --dataset 'kdd99'");
    // a folder without the files
    assertThat(vigil("evaluate", "--dataset", "nsl-kdd", "--data", tmp.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("KDDTrain+");
    // a malformed file: a clear error naming the line
    Files.writeString(tmp.resolve("KDDTrain+.txt"), "0,tcp,http,SF,1,2\n");
    assertThat(vigil("evaluate", "--dataset", "nsl-kdd", "--data", tmp.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("line 1");
  }
}
