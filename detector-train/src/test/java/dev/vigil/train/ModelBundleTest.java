package dev.vigil.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.detect.model.BundleException;
import dev.vigil.detect.model.BundleFile;
import dev.vigil.detect.model.DetectionModel;
import dev.vigil.detect.model.EnsembleScorer;
import dev.vigil.detect.model.ModelBundle;
import dev.vigil.detect.model.Precision;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelBundleTest {
  private static DetectionModel model;
  @TempDir Path dir;

  @BeforeAll
  static void train() {
    model =
        ModelTrainer.train(
            Synthetic.SCHEMA,
            Synthetic.normal(8, 120, 2),
            null,
            Synthetic.fastConfig(6),
            ModelTrainer.Listener.silent());
  }

  private static double[] scores(DetectionModel m, Precision p) {
    EnsembleScorer s = m.scorer(p, 64);
    List<ModelTrainer.Sequence> seqs = Synthetic.normal(3, 40, 11);
    double[] out = new double[3 * 40];
    int k = 0;
    for (ModelTrainer.Sequence q : seqs) {
      for (int t = 0; t < q.vectors().size(); t++) {
        out[k++] = s.score(q.hi(), q.lo(), t, q.vectors().get(t));
      }
    }
    return out;
  }

  @Test
  void roundTripScoresIdentically() throws IOException {
    Path f = dir.resolve("m.vigil");
    ModelBundle.write(model, f);
    DetectionModel back = ModelBundle.read(f, Synthetic.SCHEMA);
    for (Precision p : Precision.values()) {
      assertThat(scores(back, p)).containsExactly(scores(model, p));
    }
    assertThat(back.fusion()).isEqualTo(model.fusion());
    assertThat(back.provenance().path("trainVectors").asInt())
        .isEqualTo(model.provenance().path("trainVectors").asInt());
    ObjectNode m = ModelBundle.manifest(f);
    assertThat(m.path("formatVersion").asInt()).isEqualTo(BundleFile.FORMAT_VERSION);
    assertThat(m.path("sections").has("lstm.i8")).isTrue();
  }

  @Test
  void aChangedByteIsFound() throws IOException {
    Path f = dir.resolve("m.vigil");
    ModelBundle.write(model, f);
    Map<String, byte[]> entries = entries(f);
    byte[] ae = entries.get("ae.f32");
    ae[ae.length / 2] ^= 1;
    rewrite(f, entries);
    assertThatThrownBy(() -> ModelBundle.read(f, Synthetic.SCHEMA))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("ae.f32 fails its checksum");
    Files.write(f, new byte[] {1, 2, 3});
    assertThatThrownBy(() -> ModelBundle.read(f, null))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("not a readable ZIP");
  }

  @Test
  void anEditedManifestIsFound() throws IOException {
    Path f = dir.resolve("m.vigil");
    ModelBundle.write(model, f);
    Map<String, byte[]> entries = entries(f);
    String json = new String(entries.get("manifest.json"), StandardCharsets.UTF_8);
    entries.put(
        "manifest.json",
        json.replace("\"targetFpr\" : 0.01", "\"targetFpr\" : 0.2")
            .getBytes(StandardCharsets.UTF_8));
    rewrite(f, entries);
    assertThatThrownBy(() -> ModelBundle.read(f, null))
        .hasMessageContaining("manifest does not match its checksum");
  }

  @Test
  void anotherSchemaIsRefusedWithAReason() throws IOException {
    Path f = dir.resolve("m.vigil");
    ModelBundle.write(model, f);
    assertThatThrownBy(() -> ModelBundle.read(f, Synthetic.schema("test.other.v2")))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("trained on feature schema test.synthetic.v1")
        .hasMessageContaining("extracts test.other.v2");
  }

  @Test
  void aNewerFormatIsRefusedButUnknownAdditionsAreIgnored() throws IOException {
    Path f = dir.resolve("m.vigil");
    ModelBundle.write(model, f);
    // a later release adds a manifest field and a section: this release still reads the bundle
    Map<String, byte[]> entries = entries(f);
    ObjectNode m = (ObjectNode) BundleFile.json().readTree(entries.get("manifest.json"));
    m.put("formatVersion", BundleFile.FORMAT_VERSION + 1);
    m.putObject("futureField").put("x", 1);
    byte[] extra = {9, 9, 9};
    ((ObjectNode) m.path("sections"))
        .putObject("future.bin")
        .put("bytes", 3)
        .put("sha256", BundleFile.sha256(extra));
    entries.put("future.bin", extra);
    putManifest(entries, m);
    rewrite(f, entries);
    assertThat(scores(ModelBundle.read(f, Synthetic.SCHEMA), Precision.INT8))
        .containsExactly(scores(model, Precision.INT8));
    // but one that needs a newer reader is refused
    m.put("minReaderVersion", BundleFile.READER_VERSION + 1);
    putManifest(entries, m);
    rewrite(f, entries);
    assertThatThrownBy(() -> ModelBundle.read(f, Synthetic.SCHEMA))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("upgrade Vigil");
  }

  @Test
  void sameDataAndSeedGiveTheSameModelBytes() throws IOException {
    DetectionModel again =
        ModelTrainer.train(
            Synthetic.SCHEMA,
            Synthetic.normal(8, 120, 2),
            null,
            Synthetic.fastConfig(6),
            ModelTrainer.Listener.silent());
    Path a = dir.resolve("a.vigil");
    Path b = dir.resolve("b.vigil");
    ModelBundle.write(model, a);
    ModelBundle.write(again, b);
    ObjectNode ma = ModelBundle.manifest(a);
    ObjectNode mb = ModelBundle.manifest(b);
    assertThat(mb.path("sections")).isEqualTo(ma.path("sections"));
    assertThat(mb.path("fusion")).isEqualTo(ma.path("fusion"));
  }

  @Test
  void aMissingFileIsAClearError() {
    assertThatThrownBy(() -> ModelBundle.read(dir.resolve("none.vigil"), null))
        .hasMessageContaining("does not exist");
  }

  private static void putManifest(Map<String, byte[]> entries, ObjectNode m) throws IOException {
    byte[] bytes = BundleFile.json().writeValueAsBytes(m);
    entries.put("manifest.json", bytes);
    entries.put(
        "manifest.sha256", (BundleFile.sha256(bytes) + "\n").getBytes(StandardCharsets.US_ASCII));
  }

  private static Map<String, byte[]> entries(Path f) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (ZipFile z = new ZipFile(f.toFile())) {
      for (ZipEntry e : java.util.Collections.list(z.entries())) {
        out.put(e.getName(), z.getInputStream(e).readAllBytes());
      }
    }
    return out;
  }

  private static void rewrite(Path f, Map<String, byte[]> entries) throws IOException {
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        z.putNextEntry(new ZipEntry(e.getKey()));
        z.write(e.getValue());
        z.closeEntry();
      }
    }
  }
}
