package dev.vigil.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Fuzzes {@link ConfigLoader#parse} (Jazzer) and checks its contract: whatever the text, it returns
 * a configuration or throws {@link ConfigException} with at least one problem, each a non-blank
 * line. Any other exception, an error, or a hang is a finding.
 *
 * <p>Two targets: {@link #parse_arbitraryText} reads arbitrary bytes as YAML text (seeds in {@code
 * src/test/resources/dev/vigil/daemon/config/ConfigLoaderFuzzTestInputs/parse_arbitraryText});
 * {@link #parse_mutatedValidConfig} starts from the documented valid configuration ({@code
 * config/vigil.yaml} with a mitigation section) and lets the fuzzer replace, remove and add values
 * anywhere in its tree before writing it back as YAML, which reaches the section readers' range and
 * type checks far more often than text mutation does. In a normal test run both only replay their
 * seeds and committed findings; {@code JAZZER_FUZZ=1} fuzzes them (scripts/test does, each for a
 * bounded time), as for {@code PacketParserFuzzTest}.
 *
 * <p>Relative paths resolve against the repository's {@code config/} folder, so the valid
 * configuration's capture files, policy and token resolve as in {@code ConfigLoaderTest}.
 */
class ConfigLoaderFuzzTest {
  private static final Path CONFIG = ConfigLoaderTest.projectRoot().resolve("config");

  /** The valid configuration the structured target mutates: config/vigil.yaml plus mitigation. */
  private static final Map<String, Object> VALID = validTree();

  /** Every key of the valid tree, offered to the fuzzer when it adds a key. */
  private static final List<String> KEYS = keysOf(VALID);

  @FuzzTest(maxDuration = "60s")
  @DictionaryEntries({
    "\\0",
    "\"",
    "classpath:",
    "capture: {pcap: ",
    "capture: {interface: ",
    "model: {bundle: ",
    "mitigation: {policy: policy.yaml, store: ",
    "telemetry: {mqtt: {brokers: [",
    "../"
  })
  void parse_arbitraryText(byte[] data) {
    check(new String(data, StandardCharsets.UTF_8));
  }

  @FuzzTest(maxDuration = "60s")
  void parse_mutatedValidConfig(FuzzedDataProvider data) {
    Object tree = copy(VALID);
    int mutations = data.consumeInt(1, 6);
    for (int i = 0; i < mutations && data.remainingBytes() > 0; i++) {
      tree = mutate(tree, data, 0);
    }
    check(dump(tree));
  }

  /**
   * The structured target's starting point is valid: its mutations are one step from a good file.
   */
  @Test
  void validTree_loads() throws ConfigException {
    VigilConfig c = ConfigLoader.parse("fuzz.yaml", CONFIG, dump(copy(VALID)));
    assertThat(c.mitigation()).isPresent();
    assertThat(KEYS).contains("mitigation", "policy", "beacon", "train-pcaps");
  }

  /** Loads {@code text}; anything but a configuration or a well-formed ConfigException fails. */
  private static void check(String text) {
    try {
      VigilConfig c = ConfigLoader.parse("fuzz.yaml", CONFIG, text);
      assertThat(c).isNotNull();
      assertThat(c.api()).isNotNull();
    } catch (ConfigException e) {
      assertThat(e.problems()).as("problems of %s", text).isNotEmpty();
      for (String p : e.problems()) {
        assertThat(p).as("a problem of %s", text).isNotBlank();
      }
      assertThat(e.getMessage()).startsWith("invalid configuration fuzz.yaml");
    }
  }

  // ---- the structured mutator ----------------------------------------------------------------

  /**
   * Returns {@code node} with one change: at this node (replaced by a fuzzed value, or, for a
   * mapping or list, an entry removed or added) or in one of its children.
   */
  @SuppressWarnings("unchecked")
  private static Object mutate(Object node, FuzzedDataProvider data, int depth) {
    boolean descend = depth < 8 && data.consumeBoolean();
    if (node instanceof Map<?, ?> m && !m.isEmpty() && descend) {
      Map<String, Object> map = (Map<String, Object>) m;
      List<String> keys = new ArrayList<>(map.keySet());
      String k = keys.get(data.consumeInt(0, keys.size() - 1));
      map.put(k, mutate(map.get(k), data, depth + 1));
      return map;
    }
    if (node instanceof List<?> l && !l.isEmpty() && descend) {
      List<Object> list = (List<Object>) l;
      int i = data.consumeInt(0, list.size() - 1);
      list.set(i, mutate(list.get(i), data, depth + 1));
      return list;
    }
    switch (data.consumeInt(0, 3)) {
      case 0:
        if (node instanceof Map<?, ?> m && !m.isEmpty()) {
          List<?> keys = new ArrayList<>(m.keySet());
          m.remove(keys.get(data.consumeInt(0, keys.size() - 1)));
          return node;
        }
        if (node instanceof List<?> l && !l.isEmpty()) {
          l.remove(data.consumeInt(0, l.size() - 1));
          return node;
        }
        return value(data);
      case 1:
        if (node instanceof Map<?, ?> m) {
          String k =
              data.consumeBoolean()
                  ? KEYS.get(data.consumeInt(0, KEYS.size() - 1))
                  : data.consumeString(24);
          ((Map<String, Object>) m).put(k, value(data));
          return node;
        }
        if (node instanceof List<?> l) {
          ((List<Object>) l).add(value(data));
          return node;
        }
        return value(data);
      default:
        return value(data);
    }
  }

  /** Returns a fuzzed value of any YAML type SafeConstructor produces, or a small collection. */
  private static Object value(FuzzedDataProvider data) {
    return switch (data.consumeInt(0, 11)) {
      case 0 -> null;
      case 1 -> data.consumeBoolean();
      case 2 -> data.consumeInt();
      case 3 -> data.consumeLong();
      case 4 -> new BigInteger(randomBig(data));
      case 5 -> data.consumeRegularDouble();
      case 6 -> data.consumeDouble(); // NaN, infinities and subnormals included
      case 7 -> duration(data);
      case 8 -> new ArrayList<>(List.of(data.consumeString(40), data.consumeString(40)));
      case 9 -> new LinkedHashMap<>(Map.of(data.consumeString(16), data.consumeString(16)));
      case 10 -> KEYS.get(data.consumeInt(0, KEYS.size() - 1));
      default -> data.consumeString(80);
    };
  }

  private static byte[] randomBig(FuzzedDataProvider data) {
    byte[] b = data.consumeBytes(24);
    return b.length == 0 ? new byte[] {1} : b;
  }

  /** Returns a duration-like string: a number and a unit, as the settings reader parses them. */
  private static String duration(FuzzedDataProvider data) {
    String[] units = {"ms", "s", "m", "h", "d", "", "PT", "us"};
    String unit = units[data.consumeInt(0, units.length - 1)];
    String n = Long.toString(data.consumeLong());
    return unit.equals("PT") ? "PT" + n + "S" : n + unit;
  }

  private static String dump(Object tree) {
    DumperOptions o = new DumperOptions();
    o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    o.setAllowUnicode(true);
    return new Yaml(new Representer(o), o).dump(tree);
  }

  @SuppressWarnings("unchecked")
  private static Object copy(Object node) {
    if (node instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), copy(v)));
      return out;
    }
    if (node instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(v -> out.add(copy(v)));
      return out;
    }
    return node;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> validTree() {
    try {
      String text = Files.readString(CONFIG.resolve("vigil.yaml"));
      Map<String, Object> tree =
          (Map<String, Object>) copy(new Yaml(new SafeConstructor(new LoaderOptions())).load(text));
      Map<String, Object> mitigation = new LinkedHashMap<>();
      mitigation.put("policy", "policy.yaml");
      mitigation.put("store", "/nonexistent-vigil-fuzz/vigil.db");
      mitigation.put("sweep", "5s");
      mitigation.put("actions", new LinkedHashMap<>(Map.of("quarantine", List.of("log"))));
      tree.put("mitigation", mitigation);
      return tree;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> keysOf(Object node) {
    TreeSet<String> out = new TreeSet<>();
    collectKeys(node, out);
    return List.copyOf(out);
  }

  private static void collectKeys(Object node, TreeSet<String> out) {
    if (node instanceof Map<?, ?> m) {
      m.forEach(
          (k, v) -> {
            out.add(String.valueOf(k));
            collectKeys(v, out);
          });
    } else if (node instanceof List<?> l) {
      l.forEach(v -> collectKeys(v, out));
    }
  }
}
