package dev.vigil.detect.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.detect.forest.FlatForest;
import dev.vigil.detect.fusion.Component;
import dev.vigil.detect.fusion.Fusion;
import dev.vigil.detect.fusion.Normaliser;
import dev.vigil.detect.nn.DenseNet;
import dev.vigil.detect.nn.LstmNet;
import dev.vigil.detect.nn.QuantizedDenseNet;
import dev.vigil.detect.nn.QuantizedLstmNet;
import dev.vigil.detect.scale.FeatureScaler;
import dev.vigil.features.FeatureSchema;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes and reads a {@link DetectionModel} as one versioned, checksummed file (see {@link
 * BundleFile} for the container and its compatibility rules).
 *
 * <p>Sections: {@code scaler.bin}, {@code ae.f32}, {@code ae.i8}, and where present {@code
 * lstm.f32}, {@code lstm.i8}, {@code forest.bin} (big-endian {@code DataOutput} encodings). The
 * manifest carries the feature schema (id, names, units), both fusion calibrations, and the
 * training provenance and metrics, readable with {@code unzip -p model.vigil manifest.json}.
 */
public final class ModelBundle {
  private ModelBundle() {}

  /** Writes {@code model} to {@code file} atomically. */
  public static void write(DetectionModel model, Path file) throws IOException {
    Map<String, byte[]> sections = new LinkedHashMap<>();
    sections.put("scaler.bin", bytes(out -> model.scaler().writeTo(out)));
    sections.put("ae.f32", bytes(out -> model.autoencoder().writeTo(out)));
    sections.put("ae.i8", bytes(out -> model.autoencoderInt8().writeTo(out)));
    if (model.lstm() != null) {
      sections.put("lstm.f32", bytes(out -> model.lstm().writeTo(out)));
      sections.put("lstm.i8", bytes(out -> model.lstmInt8().writeTo(out)));
    }
    if (model.forest() != null) {
      sections.put("forest.bin", bytes(out -> model.forest().writeTo(out)));
    }
    ObjectNode body = BundleFile.json().createObjectNode();
    ObjectNode schema = body.putObject("schema");
    schema.put("id", model.schema().id());
    ArrayNode names = schema.putArray("names");
    model.schema().names().forEach(names::add);
    ArrayNode units = schema.putArray("units");
    model.schema().units().forEach(units::add);
    ObjectNode fusion = body.putObject("fusion");
    fusion.set("float", fusionJson(model.fusion()));
    fusion.set("int8", fusionJson(model.fusionInt8()));
    body.put("lstmWarmup", model.lstmWarmup());
    body.set("training", model.provenance());
    BundleFile.write(file, body, sections);
  }

  /**
   * Reads and verifies a bundle. If {@code expected} is not null, a bundle trained on another
   * feature schema (id or feature names) is refused.
   *
   * @throws BundleException naming what is wrong and what to do
   */
  public static DetectionModel read(Path file, FeatureSchema expected) throws IOException {
    BundleFile.Contents c = BundleFile.read(file);
    ObjectNode m = c.manifest();
    FeatureSchema schema;
    try {
      JsonNode s = m.path("schema");
      schema =
          new FeatureSchema(
              s.path("id").asText(), strings(s.path("names")), strings(s.path("units")));
    } catch (IllegalArgumentException e) {
      throw new BundleException(
          "model bundle " + file + " has an invalid schema: " + e.getMessage(), e);
    }
    if (expected != null
        && (!expected.id().equals(schema.id()) || !expected.names().equals(schema.names()))) {
      throw new BundleException(
          "model bundle "
              + file
              + " was trained on feature schema "
              + schema.id()
              + " ("
              + schema.size()
              + " features) but this configuration extracts "
              + expected.id()
              + " ("
              + expected.size()
              + " features): set features.set to match the bundle, or train a new one");
    }
    try {
      Map<String, byte[]> sec = c.sections();
      FeatureScaler scaler = FeatureScaler.readFrom(in(file, sec, "scaler.bin"));
      DenseNet ae = DenseNet.readFrom(in(file, sec, "ae.f32"));
      QuantizedDenseNet aeQ = QuantizedDenseNet.readFrom(in(file, sec, "ae.i8"), ae);
      LstmNet lstm = null;
      QuantizedLstmNet lstmQ = null;
      if (sec.containsKey("lstm.f32")) {
        lstm = LstmNet.readFrom(in(file, sec, "lstm.f32"));
        lstmQ = QuantizedLstmNet.readFrom(in(file, sec, "lstm.i8"));
      }
      FlatForest forest =
          sec.containsKey("forest.bin") ? FlatForest.readFrom(in(file, sec, "forest.bin")) : null;
      Fusion f = fusion(m.path("fusion").path("float"));
      Fusion fq = fusion(m.path("fusion").path("int8"));
      JsonNode prov = m.path("training");
      return new DetectionModel(
          schema,
          scaler,
          ae,
          aeQ,
          lstm,
          lstmQ,
          forest,
          f,
          fq,
          m.path("lstmWarmup").asInt(1),
          prov instanceof ObjectNode o ? o : BundleFile.json().createObjectNode());
    } catch (BundleException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new BundleException("model bundle " + file + " is inconsistent: " + e.getMessage(), e);
    }
  }

  /** Returns the manifest of a verified bundle, without building the model (for inspection). */
  public static ObjectNode manifest(Path file) throws IOException {
    return BundleFile.read(file).manifest();
  }

  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  private static byte[] bytes(Writer w) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(b)) {
      w.write(out);
    }
    return b.toByteArray();
  }

  private static DataInputStream in(Path file, Map<String, byte[]> sec, String name)
      throws BundleException {
    byte[] b = sec.get(name);
    if (b == null) {
      throw new BundleException("model bundle " + file + " lacks section " + name);
    }
    return new DataInputStream(new ByteArrayInputStream(b));
  }

  private static List<String> strings(JsonNode array) {
    if (!array.isArray()) {
      throw new IllegalArgumentException("expected an array of strings");
    }
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static ObjectNode fusionJson(Fusion f) {
    ObjectNode o = BundleFile.json().createObjectNode();
    ObjectNode w = o.putObject("weights");
    ObjectNode n = o.putObject("normalisers");
    ObjectNode t = o.putObject("componentThresholds");
    for (Component c : Component.values()) {
      w.put(c.key(), f.weights()[c.ordinal()]);
      ObjectNode nc = n.putObject(c.key());
      nc.put("median", f.normalisers().get(c.ordinal()).median());
      nc.put("scale", f.normalisers().get(c.ordinal()).scale());
      double ct = f.componentThresholds()[c.ordinal()];
      if (Double.isFinite(ct)) {
        t.put(c.key(), ct);
      } else {
        t.putNull(c.key());
      }
    }
    o.put("targetFpr", f.targetFpr());
    o.put("threshold", f.threshold());
    ArrayNode cuts = o.putArray("severityCuts");
    for (double x : f.severityCuts()) {
      cuts.add(x);
    }
    return o;
  }

  private static Fusion fusion(JsonNode o) throws BundleException {
    if (!o.isObject()) {
      throw new BundleException("the fusion calibration is missing");
    }
    List<Normaliser> norms = new ArrayList<>();
    double[] w = new double[Component.values().length];
    double[] t = new double[w.length];
    for (Component c : Component.values()) {
      JsonNode nc = o.path("normalisers").path(c.key());
      norms.add(new Normaliser(number(nc, "median"), number(nc, "scale")));
      w[c.ordinal()] = number(o.path("weights"), c.key());
      JsonNode ct = o.path("componentThresholds").path(c.key());
      t[c.ordinal()] = ct.isNumber() ? ct.asDouble() : Double.POSITIVE_INFINITY;
    }
    JsonNode cutsNode = o.path("severityCuts");
    double[] cuts = new double[cutsNode.size()];
    for (int i = 0; i < cuts.length; i++) {
      cuts[i] = cutsNode.get(i).asDouble(Double.NaN);
    }
    return new Fusion(norms, w, number(o, "targetFpr"), number(o, "threshold"), cuts, t);
  }

  private static double number(JsonNode o, String field) throws BundleException {
    JsonNode v = o.path(field);
    if (!v.isNumber()) {
      throw new BundleException("fusion field '" + field + "' is missing or not a number");
    }
    return v.asDouble();
  }
}
