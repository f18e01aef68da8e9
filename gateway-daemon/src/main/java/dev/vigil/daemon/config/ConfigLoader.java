package dev.vigil.daemon.config;

import dev.vigil.detect.fusion.Fusion;
import dev.vigil.detect.model.Precision;
import dev.vigil.detect.scale.FeatureScaler;
import dev.vigil.features.FeatureSet;
import dev.vigil.features.capture.CaptureOptions;
import dev.vigil.features.flow.AuthFailureTracker;
import dev.vigil.features.flow.BeaconTracker;
import dev.vigil.train.ModelTrainer;
import dev.vigil.train.forest.ForestParams;
import dev.vigil.train.nn.AutoencoderTrainer;
import dev.vigil.train.nn.LstmTrainer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Loads {@link VigilConfig} from YAML strictly: unknown keys, duplicate keys, wrong types and
 * out-of-range values are errors. Every problem is collected and reported together, each naming its
 * key; nothing is returned unless the whole file is valid, so a configuration is never
 * half-applied.
 *
 * <p>Relative paths are resolved against the configuration file's folder. A path written {@code
 * classpath:NAME} names a resource shipped in the daemon (the embedded demo), copied to a temporary
 * file at load.
 */
public final class ConfigLoader {
  /** The embedded default configuration used by {@code vigil demo}. */
  public static final String DEMO_RESOURCE = "demo/vigil-demo.yaml";

  private static final String CLASSPATH = "classpath:";

  private final List<String> problems = new ArrayList<>();
  private final String source;
  private final Path baseDir;

  private ConfigLoader(String source, Path baseDir) {
    this.source = source;
    this.baseDir = baseDir;
  }

  /** Loads and validates the file at {@code file}. */
  public static VigilConfig load(Path file) throws ConfigException {
    Path abs = file.toAbsolutePath().normalize();
    String text;
    try {
      text = Files.readString(abs);
    } catch (IOException e) {
      throw new ConfigException(abs.toString(), List.of("cannot read file: " + e));
    }
    return new ConfigLoader(abs.toString(), abs.getParent()).parse(text);
  }

  /** Loads and validates a configuration shipped as a class-path resource. */
  public static VigilConfig loadResource(String resource) throws ConfigException {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new ConfigException(CLASSPATH + resource, List.of("resource not found"));
      }
      String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      return new ConfigLoader(CLASSPATH + resource, Path.of("").toAbsolutePath()).parse(text);
    } catch (IOException e) {
      throw new ConfigException(CLASSPATH + resource, List.of("cannot read resource: " + e));
    }
  }

  /**
   * Parses {@code text} as if read from {@code source}, resolving relative paths against {@code
   * baseDir}.
   */
  public static VigilConfig parse(String source, Path baseDir, String text) throws ConfigException {
    return new ConfigLoader(source, baseDir.toAbsolutePath().normalize()).parse(text);
  }

  private VigilConfig parse(String text) throws ConfigException {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(10);
    Object root;
    try {
      root = new Yaml(new SafeConstructor(options)).load(text);
    } catch (YAMLException e) {
      throw new ConfigException(
          source, List.of("not valid YAML: " + e.getMessage().replace('\n', ' ')));
    }
    if (root == null) {
      root = Map.of();
    }
    if (!(root instanceof Map<?, ?>)) {
      throw new ConfigException(source, List.of("top level must be a mapping of sections"));
    }
    Map<String, Object> rootMap = asStringMap(root, "");
    Section top =
        new Section(
            "",
            rootMap,
            Set.of("api", "capture", "features", "model", "alerts", "telemetry", "mitigation"));
    // A gateway may watch only telemetry: without a capture section the packet path is off.
    boolean telemetryOn =
        rootMap.get("telemetry") instanceof Map<?, ?> t && !Boolean.FALSE.equals(t.get("enabled"));
    boolean packetPath = top.has("capture") || !telemetryOn;

    Section api = top.section("api", Set.of("host", "port"));
    String host = api.string("host", "127.0.0.1");
    int port = api.integer("port", 8787, 0, 65535);

    Section capture =
        top.section(
            "capture",
            Set.of(
                "pcap",
                "interface",
                "promiscuous",
                "snaplen",
                "filter",
                "buffer-size",
                "immediate",
                "timeout",
                "nano-timestamps",
                "ring-slots"));
    Path pcap = null;
    CaptureOptions live = null;
    boolean hasPcap = capture.has("pcap");
    boolean hasInterface = capture.has("interface");
    if (!packetPath) {
      // telemetry only: nothing to check here
    } else if (hasPcap == hasInterface) {
      problems.add(
          "capture: set exactly one of pcap (a capture file) or interface (live capture)"
              + (hasPcap ? ", not both" : "")
              + (hasPcap || hasInterface
                  ? ""
                  : "; or, for a telemetry-only gateway, no capture"
                      + " section and telemetry enabled"));
    } else if (hasPcap) {
      pcap = capture.requiredPath("pcap", true);
      for (String k :
          List.of(
              "promiscuous",
              "snaplen",
              "filter",
              "buffer-size",
              "immediate",
              "timeout",
              "nano-timestamps",
              "ring-slots")) {
        if (capture.has(k)) {
          problems.add("capture." + k + ": only applies to live capture (capture.interface)");
        }
      }
    }
    String device = capture.string("interface", "");
    boolean promiscuous = capture.bool("promiscuous", true);
    int snaplen = capture.integer("snaplen", 256, 64, 262_144);
    String filter = capture.string("filter", "");
    int bufferBytes = capture.integer("buffer-size", 16 << 20, 65_536, 1 << 30);
    boolean immediate = capture.bool("immediate", false);
    Duration timeout =
        capture.duration(
            "timeout", Duration.ofMillis(100), Duration.ofMillis(1), Duration.ofSeconds(10));
    boolean nano = capture.bool("nano-timestamps", false);
    int ringSlots = capture.integer("ring-slots", 16_384, 2, 1 << 22);
    if (Integer.bitCount(ringSlots) != 1) {
      problems.add("capture.ring-slots: must be a power of two, was " + ringSlots);
      ringSlots = 16_384;
    }
    if (hasInterface && !device.isBlank()) {
      live =
          new CaptureOptions(
              device,
              promiscuous,
              snaplen,
              filter,
              bufferBytes,
              immediate,
              (int) timeout.toMillis(),
              nano);
    }

    Section features =
        top.section("features", Set.of("set", "window", "max-hosts", "beacon", "auth-failures"));
    FeatureSet featureSet = FeatureSet.HOST_WINDOW;
    String setName = features.string("set", FeatureSet.HOST_WINDOW.configName());
    try {
      featureSet = FeatureSet.byConfigName(setName);
    } catch (IllegalArgumentException e) {
      problems.add("features.set: " + e.getMessage());
    }
    Duration window =
        features.duration(
            "window", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofHours(1));
    int maxHosts = features.integer("max-hosts", 4096, 16, 1_000_000);

    Section modelS = top.section("model", modelKeys(true));
    VigilConfig.Model model = model(modelS, true);
    if (packetPath
        && (model.bundle() == null || !Files.isRegularFile(model.bundle()))
        && model.trainPcaps().isEmpty()
        && model.learn() == null
        && !modelS.has("train-pcaps")) {
      problems.add(
          "model: no way to get a model; set model.bundle to an existing bundle, model.train-pcaps"
              + " to benign captures, or model.learn to learn the baseline on the device"
              + (model.bundle() == null
                  ? ""
                  : " (bundle [" + model.bundle() + "] does not exist)"));
    }

    BeaconTracker.Options beacon =
        beacon(
            features.section("beacon", BEACON_KEYS),
            model.learn() == null ? Duration.ofMinutes(10) : model.learn().duration());
    AuthFailureTracker.Options authFailures =
        authFailures(
            features.section(
                "auth-failures", Set.of("enabled", "max-failures", "within", "max-clients")));

    Section alerts = top.section("alerts", Set.of("eve-log", "keep"));
    Optional<Path> eve = alerts.optionalPath("eve-log");
    int keep = alerts.integer("keep", 10_000, 1, 10_000_000);

    Optional<VigilConfig.Telemetry> telemetry =
        TelemetrySection.parse(
            this, top.section("telemetry", TelemetrySection.KEYS), top.has("telemetry"), model);

    Optional<VigilConfig.Mitigation> mitigation =
        MitigationSection.parse(
            this, top.section("mitigation", MitigationSection.KEYS), top.has("mitigation"));

    if (!problems.isEmpty()) {
      throw new ConfigException(source, problems);
    }
    return new VigilConfig(
        source,
        new VigilConfig.Api(host, port),
        packetPath ? new VigilConfig.Capture(pcap, live, ringSlots) : null,
        new VigilConfig.Features(featureSet, window, maxHosts, beacon, authFailures),
        model,
        new VigilConfig.Alerts(eve, keep),
        telemetry,
        mitigation);
  }

  private static final Set<String> BEACON_KEYS =
      Set.of(
          "enabled",
          "learn",
          "min-repeats",
          "max-jitter",
          "min-period",
          "max-period",
          "max-peers",
          "max-conversations");

  /**
   * The beacon tracker's settings (null: off), defaults from {@link BeaconTracker.Options#defaults}
   * except learning, which lasts as long as the packet model's learning ({@code learnDefault}).
   */
  private BeaconTracker.Options beacon(Section b, Duration learnDefault) {
    BeaconTracker.Options d = BeaconTracker.Options.defaults();
    boolean enabled = b.bool("enabled", true);
    Duration learn = b.duration("learn", learnDefault, Duration.ZERO, Duration.ofDays(30));
    int minRepeats = b.integer("min-repeats", d.minRepeats(), 3, 33);
    double maxJitter = b.number("max-jitter", d.maxJitter(), 0.001, 1);
    Duration minPeriod =
        b.duration(
            "min-period",
            Duration.ofNanos(d.minPeriodMicros() * 1000),
            Duration.ofMillis(100),
            Duration.ofDays(1));
    Duration maxPeriod =
        b.duration(
            "max-period",
            Duration.ofNanos(d.maxPeriodMicros() * 1000),
            Duration.ofMillis(100),
            Duration.ofDays(7));
    int maxPeers = b.integer("max-peers", d.maxPeers(), 16, 10_000_000);
    int maxConversations = b.integer("max-conversations", d.maxConversations(), 16, 1_000_000);
    if (minPeriod.compareTo(maxPeriod) > 0) {
      problems.add(
          "features.beacon.min-period: must not exceed max-period ("
              + minPeriod
              + " > "
              + maxPeriod
              + ")");
      return null;
    }
    if (!enabled) {
      return null;
    }
    try {
      return new BeaconTracker.Options(
          learn.toNanos() / 1000,
          minRepeats,
          maxJitter,
          minPeriod.toNanos() / 1000,
          maxPeriod.toNanos() / 1000,
          maxPeers,
          maxConversations);
    } catch (IllegalArgumentException e) {
      problems.add("features.beacon: " + e.getMessage());
      return null;
    }
  }

  /** The authentication-failure tracker's settings (null: off). */
  private AuthFailureTracker.Options authFailures(Section a) {
    AuthFailureTracker.Options d = AuthFailureTracker.Options.defaults();
    boolean enabled = a.bool("enabled", true);
    int max = a.integer("max-failures", d.maxFailures(), 2, 100);
    Duration within =
        a.duration(
            "within",
            Duration.ofNanos(d.withinMicros() * 1000),
            Duration.ofSeconds(1),
            Duration.ofDays(1));
    int clients = a.integer("max-clients", d.maxClients(), 16, 1_000_000);
    return enabled ? new AuthFailureTracker.Options(max, within.toNanos() / 1000, clients) : null;
  }

  /** The keys of a model section: the packet path's, or the telemetry path's (no captures). */
  static Set<String> modelKeys(boolean packets) {
    Set<String> keys =
        new java.util.HashSet<>(
            Set.of(
                "bundle",
                "precision",
                "learn",
                "seed",
                "target-fpr",
                "weights",
                "scaling",
                "autoencoder",
                "lstm",
                "forest"));
    if (packets) {
      keys.add("train-pcaps");
    }
    return Set.copyOf(keys);
  }

  /**
   * Reads a model section. The packet path's defaults suit host windows (log-compressed counts,
   * 64-unit networks, 0.5 % target FPR); the telemetry path's suit series features (signed
   * z-scores, not compressed; 16-unit networks and no forest, as {@code vigil nab} uses, 1 % target
   * FPR: see {@link dev.vigil.train.SeriesTraining#defaults()} for why).
   */
  VigilConfig.Model model(Section model, boolean packets) {
    String k = model.path;
    Optional<Path> bundle = model.optionalPath("bundle");
    List<Path> train =
        packets && model.has("train-pcaps") ? model.pathList("train-pcaps") : List.of();
    Section learnS = model.section("learn", Set.of("duration", "min-vectors", "max-vectors"));
    VigilConfig.Learn learn = null;
    if (model.has("learn")) {
      Duration learnFor =
          learnS.duration(
              "duration", Duration.ofHours(24), Duration.ofSeconds(10), Duration.ofDays(90));
      int minVectors = learnS.integer("min-vectors", 200, 50, 10_000_000);
      int maxVectors = learnS.integer("max-vectors", 200_000, 100, 10_000_000);
      if (maxVectors < minVectors) {
        problems.add(k + ".learn.max-vectors: must be at least min-vectors (" + minVectors + ")");
      }
      learn = new VigilConfig.Learn(learnFor, minVectors, maxVectors);
    }
    String precisionText = model.string("precision", "int8");
    Precision precision = Precision.INT8;
    try {
      precision = Precision.valueOf(precisionText.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      problems.add(k + ".precision: expected int8 or float, got '" + precisionText + "'");
    }
    long seed = model.integer("seed", 42, Integer.MIN_VALUE, Integer.MAX_VALUE);
    double targetFpr = model.number("target-fpr", packets ? 0.005 : 0.01, 1e-6, 0.2);
    Section weightsS = model.section("weights", Set.of("ae", "lstm", "iforest"));
    double[] weights = {
      weightsS.number("ae", Fusion.DEFAULT_WEIGHTS[0], 0, 1),
      weightsS.number("lstm", Fusion.DEFAULT_WEIGHTS[1], 0, 1),
      weightsS.number("iforest", Fusion.DEFAULT_WEIGHTS[2], 0, 1)
    };
    if (weights[0] + weights[1] + weights[2] <= 0) {
      problems.add(k + ".weights: at least one weight must be positive");
      weights = Fusion.DEFAULT_WEIGHTS.clone();
    }
    String scalingText = model.string("scaling", "minmax");
    FeatureScaler.Kind scaling = FeatureScaler.Kind.MINMAX;
    try {
      scaling = FeatureScaler.Kind.valueOf(scalingText.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      problems.add(k + ".scaling: expected minmax or robust, got '" + scalingText + "'");
    }
    Section aeS = model.section("autoencoder", Set.of("hidden", "bottleneck", "epochs"));
    AutoencoderTrainer.Config aeDefaults = AutoencoderTrainer.Config.defaults();
    AutoencoderTrainer.Config ae =
        new AutoencoderTrainer.Config(
            aeS.integer("hidden", packets ? aeDefaults.hidden() : 16, 1, 4096),
            aeS.integer("bottleneck", packets ? aeDefaults.bottleneck() : 4, 1, 4096),
            aeS.integer("epochs", packets ? aeDefaults.maxEpochs() : 30, 1, 10_000),
            aeDefaults.batchSize(),
            aeDefaults.learningRate(),
            aeDefaults.validationFraction(),
            aeDefaults.patience(),
            seed);
    Section lstmS =
        model.section("lstm", Set.of("enabled", "units", "layers", "sequence-length", "epochs"));
    LstmTrainer.Config lstmDefaults = LstmTrainer.Config.defaults();
    LstmTrainer.Config lstm =
        lstmS.bool("enabled", true)
            ? new LstmTrainer.Config(
                lstmS.integer("units", packets ? lstmDefaults.units() : 16, 1, 4096),
                lstmS.integer("layers", lstmDefaults.layers(), 1, 2),
                lstmS.integer("sequence-length", lstmDefaults.sequenceLength(), 2, 1024),
                lstmS.integer("epochs", packets ? lstmDefaults.maxEpochs() : 30, 1, 10_000),
                lstmDefaults.batchSize(),
                lstmDefaults.learningRate(),
                lstmDefaults.validationFraction(),
                lstmDefaults.patience(),
                seed)
            : null;
    Section forestS =
        model.section("forest", Set.of("enabled", "trees", "subsample", "extension-level"));
    ForestParams forest =
        // telemetry: off unless a forest section asks for it (see the method doc)
        forestS.bool("enabled", packets || model.has("forest"))
            ? new ForestParams(
                forestS.integer("trees", 100, 1, 10_000),
                forestS.integer("subsample", 256, 2, 1_000_000),
                seed,
                0.995,
                forestS.integer("extension-level", 1, 0, 64))
            : null;
    ModelTrainer.Config training =
        new ModelTrainer.Config(
            new FeatureScaler.Options(scaling, packets, 1.0),
            ae,
            lstm,
            forest,
            weights,
            targetFpr,
            0.2,
            0.05);
    return new VigilConfig.Model(bundle.orElse(null), precision, train, learn, training);
  }

  /** Adds a problem (for the section readers beside this class). */
  void problem(String text) {
    problems.add(text);
  }

  private Map<String, Object> asStringMap(Object o, String key) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
      if (!(e.getKey() instanceof String k)) {
        problems.add(key + (key.isEmpty() ? "" : ".") + e.getKey() + ": keys must be strings");
        continue;
      }
      m.put(k, e.getValue());
    }
    return m;
  }

  private Path resolvePath(String key, String value, boolean mustExist) {
    Path p;
    if (value.startsWith(CLASSPATH)) {
      p = extractResource(key, value.substring(CLASSPATH.length()));
      if (p == null) {
        return null;
      }
    } else {
      p = baseDir.resolve(value).toAbsolutePath().normalize();
    }
    if (mustExist && !Files.exists(p)) {
      problems.add(key + ": [" + p + "] does not exist");
    }
    return p;
  }

  private Path extractResource(String key, String resource) {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        problems.add(key + ": class-path resource [" + resource + "] not found");
        return null;
      }
      String name = Path.of(resource).getFileName().toString();
      Path dir = Files.createTempDirectory("vigil-res");
      Path f = dir.resolve(name);
      Files.copy(in, f, StandardCopyOption.REPLACE_EXISTING);
      f.toFile().deleteOnExit();
      dir.toFile().deleteOnExit();
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract resource " + resource, e);
    }
  }

  /** A mapping in the YAML tree that knows its dotted key path and its allowed keys. */
  final class Section {
    final String path;
    private final Map<String, Object> values;

    Section(String path, Map<String, Object> values, Set<String> allowed) {
      this.path = path;
      this.values = values;
      for (String k : values.keySet()) {
        if (!allowed.contains(k)) {
          problems.add(
              key(k)
                  + ": unknown key (allowed here: "
                  + String.join(", ", allowed.stream().sorted().toList())
                  + ")");
        }
      }
    }

    String key(String k) {
      return path.isEmpty() ? k : path + "." + k;
    }

    Section section(String k, Set<String> allowed) {
      Object v = values.get(k);
      if (v == null) {
        return new Section(key(k), Map.of(), allowed);
      }
      if (!(v instanceof Map<?, ?>)) {
        problems.add(key(k) + ": expected a mapping, got " + describe(v));
        return new Section(key(k), Map.of(), allowed);
      }
      return new Section(key(k), asStringMap(v, key(k)), allowed);
    }

    boolean has(String k) {
      return values.containsKey(k);
    }

    /** Returns the raw YAML value of {@code k}, or null. */
    Object raw(String k) {
      return values.get(k);
    }

    /** Returns the keys present, in file order. */
    Set<String> keys() {
      return values.keySet();
    }

    boolean bool(String k, boolean def) {
      Object v = values.get(k);
      if (v == null) {
        return def;
      }
      if (!(v instanceof Boolean b)) {
        problems.add(key(k) + ": expected true or false, got " + describe(v));
        return def;
      }
      return b;
    }

    String string(String k, String def) {
      Object v = values.get(k);
      if (v == null) {
        return def;
      }
      if (!(v instanceof String s) || s.isBlank()) {
        problems.add(key(k) + ": expected a non-empty string, got " + describe(v));
        return def;
      }
      return s;
    }

    int integer(String k, int def, int min, int max) {
      Object v = values.get(k);
      if (v == null) {
        return def;
      }
      if (!(v instanceof Integer i)) {
        problems.add(key(k) + ": expected an integer, got " + describe(v));
        return def;
      }
      if (i < min || i > max) {
        problems.add(key(k) + ": must be between " + min + " and " + max + ", was " + i);
        return def;
      }
      return i;
    }

    double number(String k, double def, double min, double max) {
      Object v = values.get(k);
      if (v == null) {
        return def;
      }
      if (!(v instanceof Number n) || v instanceof Long) {
        problems.add(key(k) + ": expected a number, got " + describe(v));
        return def;
      }
      double d = n.doubleValue();
      if (!(d >= min && d <= max)) {
        problems.add(key(k) + ": must be between " + min + " and " + max + ", was " + d);
        return def;
      }
      return d;
    }

    Duration duration(String k, Duration def, Duration min, Duration max) {
      Object v = values.get(k);
      if (v == null) {
        return def;
      }
      Duration d = null;
      if (v instanceof String s) {
        d = parseDuration(s.trim());
      }
      if (d == null) {
        problems.add(
            key(k) + ": expected a duration such as 500ms, 10s, 5m or PT10S, got " + describe(v));
        return def;
      }
      if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        problems.add(key(k) + ": must be between " + min + " and " + max + ", was " + d);
        return def;
      }
      return d;
    }

    Path requiredPath(String k, boolean mustExist) {
      if (values.get(k) == null) {
        problems.add(key(k) + ": required");
        return null;
      }
      return optionalPath(k, mustExist).orElse(null);
    }

    Optional<Path> optionalPath(String k) {
      return optionalPath(k, false);
    }

    Optional<Path> optionalPath(String k, boolean mustExist) {
      Object v = values.get(k);
      if (v == null) {
        return Optional.empty();
      }
      if (!(v instanceof String s) || s.isBlank()) {
        problems.add(key(k) + ": expected a path, got " + describe(v));
        return Optional.empty();
      }
      return Optional.ofNullable(resolvePath(key(k), s, mustExist));
    }

    /** Reads a list of non-empty strings; null if absent, and a problem if not such a list. */
    List<String> stringList(String k) {
      Object v = values.get(k);
      if (v == null) {
        return null;
      }
      if (!(v instanceof List<?> list) || list.isEmpty()) {
        problems.add(key(k) + ": expected a non-empty list of strings, got " + describe(v));
        return null;
      }
      List<String> out = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        if (!(list.get(i) instanceof String s) || s.isBlank()) {
          problems.add(
              key(k) + "[" + i + "]: expected a non-empty string, got " + describe(list.get(i)));
          continue;
        }
        out.add(s);
      }
      return out;
    }

    List<Path> pathList(String k) {
      Object v = values.get(k);
      if (!(v instanceof List<?> list) || list.isEmpty()) {
        problems.add(key(k) + ": required, a non-empty list of benign capture files or folders");
        return List.of();
      }
      List<Path> out = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        String ik = key(k) + "[" + i + "]";
        if (!(list.get(i) instanceof String s) || s.isBlank()) {
          problems.add(ik + ": expected a path, got " + describe(list.get(i)));
          continue;
        }
        Path p = resolvePath(ik, s, true);
        if (p == null || !Files.exists(p)) {
          continue;
        }
        if (Files.isDirectory(p)) {
          List<Path> found = captureFilesUnder(p);
          if (found.isEmpty()) {
            problems.add(ik + ": folder [" + p + "] holds no .pcap or .pcapng file");
          }
          out.addAll(found);
        } else {
          out.add(p);
        }
      }
      return out;
    }
  }

  private static List<Path> captureFilesUnder(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .filter(f -> f.toString().endsWith(".pcap") || f.toString().endsWith(".pcapng"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Parses a duration as the configuration writes it: {@code 500ms}, {@code 10s}, {@code 5m},
   * {@code 2h}, {@code 7d} or ISO-8601 ({@code PT10S}); returns null if {@code s} is none of these.
   */
  public static Duration parseDuration(String s) {
    try {
      if (s.startsWith("PT") || s.startsWith("pt")) {
        return Duration.parse(s.toUpperCase(java.util.Locale.ROOT));
      }
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(s);
      if (!m.matches()) {
        return null;
      }
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    } catch (DateTimeParseException | NumberFormatException | ArithmeticException e) {
      return null;
    }
  }

  static String describe(Object v) {
    if (v == null) {
      return "nothing";
    }
    String type =
        v instanceof Map<?, ?>
            ? "mapping"
            : v instanceof List<?>
                ? "list"
                : v.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    String text = String.valueOf(v);
    return type + " '" + (text.length() > 60 ? text.substring(0, 60) + "…" : text) + "'";
  }
}
