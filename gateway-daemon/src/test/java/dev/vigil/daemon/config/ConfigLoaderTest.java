package dev.vigil.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class ConfigLoaderTest {
  private static final Path CONFIG = projectRoot().resolve("config");

  static Path projectRoot() {
    Path p = Path.of("").toAbsolutePath();
    return Files.isDirectory(p.resolve("config")) ? p : p.getParent();
  }

  @Test
  void load_documentedExampleIsValid() throws ConfigException {
    VigilConfig c = ConfigLoader.load(CONFIG.resolve("vigil.yaml"));
    assertThat(c.api().host()).isEqualTo("127.0.0.1");
    assertThat(c.api().port()).isEqualTo(8787);
    assertThat(c.capture().pcap()).isRegularFile();
    assertThat(c.model().trainPcaps()).hasSize(1).allSatisfy(p -> assertThat(p).isRegularFile());
    assertThat(c.features().window()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.alerts().eveLog()).contains(Path.of("/var/log/vigil/eve.json"));
  }

  @Test
  void loadResource_embeddedDemoIsValid() throws ConfigException {
    VigilConfig c = ConfigLoader.loadResource(ConfigLoader.DEMO_RESOURCE);
    assertThat(c.capture().pcap()).isRegularFile();
    assertThat(c.model().trainPcaps()).isNotEmpty().allSatisfy(p -> assertThat(p).isRegularFile());
  }

  /**
   * Each file in config/invalid/ must fail with the message its first line announces ("# expect:
   * ...").
   */
  @TestFactory
  Stream<DynamicTest> load_invalidFixturesFailWithTheirMessage() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(CONFIG.resolve("invalid"))) {
      files = s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(8);
    return files.stream()
        .map(
            f ->
                DynamicTest.dynamicTest(
                    f.getFileName().toString(),
                    () -> {
                      String first = Files.readAllLines(f).get(0);
                      assertThat(first).startsWith("# expect: ");
                      String expected = first.substring("# expect: ".length());
                      assertThatThrownBy(() -> ConfigLoader.load(f))
                          .isInstanceOf(ConfigException.class)
                          .hasMessageContaining(expected)
                          .hasMessageContaining(f.toString());
                    }));
  }

  @Test
  void parse_reportsEveryProblemAtOnce() {
    String yaml = "api:\n  port: -1\n  colour: red\nmodel:\n  forest:\n    trees: 0\n";
    assertThatThrownBy(() -> ConfigLoader.parse("inline", Path.of("."), yaml))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .anyMatch(p -> p.startsWith("api.port:"))
                    .anyMatch(p -> p.startsWith("api.colour: unknown key"))
                    .anyMatch(p -> p.startsWith("model.forest.trees:"))
                    .anyMatch(p -> p.startsWith("capture: set exactly one of pcap"))
                    .anyMatch(p -> p.startsWith("model: no way to get a model")));
  }

  @Test
  void parseDuration_acceptsUnitsAndIso() {
    assertThat(ConfigLoader.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(ConfigLoader.parseDuration("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(ConfigLoader.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(ConfigLoader.parseDuration("PT2H")).isEqualTo(Duration.ofHours(2));
    assertThat(ConfigLoader.parseDuration("10 parsecs")).isNull();
  }
}
