package dev.vigil.daemon.config;

import dev.vigil.common.settings.StrictSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
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
 * <p>This class reads the file, hands each top-level section to its reader ({@link ApiSection},
 * {@link CaptureSection}, {@link FeaturesSection}, {@link ModelSection}, {@link AlertsSection},
 * {@link TelemetrySection}, {@link MitigationSection}), all recording problems in one {@link
 * StrictSettings}, and reports them together.
 *
 * <p>Relative paths are resolved against the configuration file's folder. A path written {@code
 * classpath:NAME} names a resource shipped in the daemon (the embedded demo), copied to a temporary
 * file at load.
 */
public final class ConfigLoader {
  /** The embedded default configuration used by {@code vigil demo}. */
  public static final String DEMO_RESOURCE = "demo/vigil-demo.yaml";

  private static final String CLASSPATH = "classpath:";

  private StrictSettings top;
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

  /** The top-level sections. */
  static final Set<String> SECTIONS =
      Set.of("api", "capture", "features", "model", "alerts", "telemetry", "mitigation", "logging");

  /** The secret files named so far, by key. */
  private final Map<String, Path> secretFiles = new LinkedHashMap<>();

  private VigilConfig parse(String text) throws ConfigException {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(10);
    Object root;
    try {
      root = new Yaml(new SafeConstructor(options)).load(text);
    } catch (YAMLException e) {
      throw new ConfigException(
          source, List.of("not valid YAML: " + String.valueOf(e.getMessage()).replace('\n', ' ')));
    } catch (RuntimeException e) {
      // SnakeYAML lets some scalars its resolver accepts fail to construct, such as the "float"
      // ._ (NumberFormatException for "."; found by ConfigLoaderFuzzTest).
      throw new ConfigException(source, List.of("not valid YAML: " + e));
    }
    if (root == null) {
      root = Map.of();
    }
    if (!(root instanceof Map<?, ?>)) {
      throw new ConfigException(source, List.of("top level must be a mapping of sections"));
    }
    top = StrictSettings.of(source, root, SECTIONS, StrictSettings.Notation.ISO);
    // A gateway may watch only telemetry: without a capture section the packet path is off.
    boolean telemetryOn =
        top.raw("telemetry") instanceof Map<?, ?> t && !Boolean.FALSE.equals(t.get("enabled"));
    boolean packetPath = top.has("capture") || !telemetryOn;

    VigilConfig.Api api = ApiSection.parse(this, top.section("api", ApiSection.KEYS));
    VigilConfig.Capture capture =
        CaptureSection.parse(this, top.section("capture", CaptureSection.KEYS), packetPath);
    StrictSettings featuresS = top.section("features", FeaturesSection.KEYS);
    VigilConfig.Model model =
        ModelSection.parsePackets(this, top.section("model", ModelSection.keys(true)), packetPath);
    VigilConfig.Features features =
        FeaturesSection.parse(
            this,
            featuresS,
            model.learn() == null ? Duration.ofMinutes(10) : model.learn().duration());
    VigilConfig.Alerts alerts =
        AlertsSection.parse(this, top.section("alerts", AlertsSection.KEYS));
    Optional<VigilConfig.Telemetry> telemetry =
        TelemetrySection.parse(
            this, top.section("telemetry", TelemetrySection.KEYS), top.has("telemetry"), model);
    Optional<VigilConfig.Mitigation> mitigation =
        MitigationSection.parse(
            this, top.section("mitigation", MitigationSection.KEYS), top.has("mitigation"));

    VigilConfig.Logging logging = LoggingSection.parse(top.section("logging", LoggingSection.KEYS));

    top.check(problems -> new ConfigException(source, problems));
    return new VigilConfig(
        source, api, capture, features, model, alerts, telemetry, mitigation, logging, secretFiles);
  }

  /**
   * Loads and validates {@code file} as {@link #load} does, and refuses secret files (tokens,
   * passwords, private keys) that others than their owner may read ({@link SecretFiles}): what
   * {@code vigil run} and a reload put in force.
   *
   * @throws ConfigException with every problem
   */
  public static VigilConfig loadToRun(Path file) throws ConfigException {
    VigilConfig c = load(file);
    List<String> problems = SecretFiles.problems(c.secretFiles());
    if (!problems.isEmpty()) {
      throw new ConfigException(c.source(), problems);
    }
    return c;
  }

  /**
   * Returns the path under {@code k} of section {@code s} as {@link #optionalPath} does, and
   * records it as a secret file (owner-only: {@link SecretFiles}) under its key.
   */
  Optional<Path> secretPath(StrictSettings s, String k, boolean mustExist) {
    Optional<Path> p = optionalPath(s, k, mustExist);
    p.ifPresent(f -> secretFiles.put(s.key(k), f));
    return p;
  }

  /** Adds a problem written in full (for the section readers beside this class). */
  void problem(String text) {
    top.problem(text);
  }

  /**
   * Returns the path under {@code k} of section {@code s}, resolved; a problem (and null) if
   * absent.
   */
  Path requiredPath(StrictSettings s, String k, boolean mustExist) {
    if (s.raw(k) == null) {
      s.problem(k, "required");
      return null;
    }
    return optionalPath(s, k, mustExist).orElse(null);
  }

  /**
   * Returns the path under {@code k} of section {@code s}, resolved against the configuration's
   * folder (or extracted from the class path); empty if absent or bad (a problem then).
   */
  Optional<Path> optionalPath(StrictSettings s, String k, boolean mustExist) {
    Object v = s.raw(k);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof String text) || text.isBlank()) {
      s.problem(k, "expected a path, got " + s.describe(v));
      return Optional.empty();
    }
    return Optional.ofNullable(resolvePath(s.key(k), text, mustExist));
  }

  /**
   * Returns the capture files named by the list under {@code k} of section {@code s}: files, and
   * the {@code .pcap} and {@code .pcapng} files under folders, which must hold some.
   */
  List<Path> pathList(StrictSettings s, String k) {
    Object v = s.raw(k);
    if (!(v instanceof List<?> list) || list.isEmpty()) {
      s.problem(k, "required, a non-empty list of benign capture files or folders");
      return List.of();
    }
    List<Path> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String ik = s.key(k) + "[" + i + "]";
      if (!(list.get(i) instanceof String text) || text.isBlank()) {
        problem(ik + ": expected a path, got " + s.describe(list.get(i)));
        continue;
      }
      Path p = resolvePath(ik, text, true);
      if (p == null || !Files.exists(p)) {
        continue;
      }
      if (Files.isDirectory(p)) {
        List<Path> found;
        try {
          found = captureFilesUnder(p);
        } catch (IOException | UncheckedIOException e) {
          problem(ik + ": cannot list folder [" + p + "]: " + e.getMessage());
          continue;
        }
        if (found.isEmpty()) {
          problem(ik + ": folder [" + p + "] holds no .pcap or .pcapng file");
        }
        out.addAll(found);
      } else {
        out.add(p);
      }
    }
    return out;
  }

  private Path resolvePath(String key, String value, boolean mustExist) {
    Path p;
    if (value.startsWith(CLASSPATH)) {
      p = extractResource(key, value.substring(CLASSPATH.length()));
      if (p == null) {
        return null;
      }
    } else {
      try {
        p = baseDir.resolve(value).toAbsolutePath().normalize();
      } catch (InvalidPathException e) {
        // A NUL character, say: no file can have this name (found by ConfigLoaderFuzzTest).
        problem(
            key + ": [" + StrictSettings.quote(value) + "] is not a valid path: " + e.getReason());
        return null;
      }
    }
    if (mustExist && !Files.exists(p)) {
      problem(key + ": [" + p + "] does not exist");
    }
    return p;
  }

  private Path extractResource(String key, String resource) {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        problem(key + ": class-path resource [" + resource + "] not found");
        return null;
      }
      // A folder resource ("classpath:." found by ConfigLoaderFuzzTest) opens too, as a listing.
      Path last = Path.of(resource).getFileName();
      String name = last == null ? "" : last.toString();
      if (name.isEmpty() || name.equals(".") || name.equals("..")) {
        problem(
            key + ": class-path resource [" + StrictSettings.quote(resource) + "] is not a file");
        return null;
      }
      Path dir = Files.createTempDirectory("vigil-res");
      Path f = dir.resolve(name);
      Files.copy(in, f, StandardCopyOption.REPLACE_EXISTING);
      f.toFile().deleteOnExit();
      dir.toFile().deleteOnExit();
      return f;
    } catch (IOException | InvalidPathException e) {
      problem(
          key
              + ": cannot extract class-path resource ["
              + StrictSettings.quote(resource)
              + "]: "
              + e.getMessage());
      return null;
    }
  }

  private static List<Path> captureFilesUnder(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .filter(f -> f.toString().endsWith(".pcap") || f.toString().endsWith(".pcapng"))
          .sorted()
          .toList();
    }
  }
}
