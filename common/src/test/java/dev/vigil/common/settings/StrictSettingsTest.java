package dev.vigil.common.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.common.settings.StrictSettings.Notation;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StrictSettingsTest {
  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void readsTypedValuesAndDefaults() {
    StrictSettings s =
        StrictSettings.of(
            "f.yaml",
            map("port", 80, "on", true, "name", "gw", "ratio", 0.5, "every", " 10s "),
            Set.of("port", "on", "name", "ratio", "every", "absent"));
    assertThat(s.integer("port", 1, 0, 65535)).isEqualTo(80);
    assertThat(s.bool("on", false)).isTrue();
    assertThat(s.string("name", "x")).isEqualTo("gw");
    assertThat(s.number("ratio", 0, 0, 1)).isEqualTo(0.5);
    assertThat(s.duration("every", Duration.ZERO, Duration.ZERO, Duration.ofHours(1)))
        .isEqualTo(Duration.ofSeconds(10));
    assertThat(s.integer("absent", 7, 0, 10)).isEqualTo(7);
    assertThat(s.string("absent", null)).isNull();
    assertThat(s.strings("absent")).isEmpty();
    assertThat(s.nonEmptyStrings("absent")).isNull();
    assertThat(s.problems()).isEmpty();
    assertThat(s.source()).isEqualTo("f.yaml");
  }

  @Test
  void collectsEveryProblemWithItsFullKeyPath() {
    Map<String, Object> backend = map("table", "main", "colour", "red");
    StrictSettings root =
        StrictSettings.of(
            "f.yaml",
            map("mitigation", map("backends", List.of(backend, "oops"))),
            Set.of("mitigation"));
    StrictSettings m = root.section("mitigation", Set.of("backends"));
    List<StrictSettings> backends = m.sections("backends", Set.of("table"));
    assertThat(backends).hasSize(2);
    backends.get(0).integer("table", 100, 1, 255);
    assertThat(root.problems())
        .containsExactly(
            "mitigation.backends[0].colour: unknown key (allowed here: table)",
            "mitigation.backends[1]: expected a mapping, got string [oops]",
            "mitigation.backends[0].table: expected an integer, got string [main]");
    assertThat(root.hasProblems()).isTrue();
    assertThatThrownBy(() -> root.check(p -> new IllegalStateException(String.join("; ", p))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("mitigation.backends[0].colour");
  }

  @Test
  void boundsAndTypesFallBackToTheDefault() {
    StrictSettings s =
        StrictSettings.of(
            "f",
            map("a", 70_000, "b", "yes", "c", 2.5, "d", 5_000_000_000L, "e", "", "f", 3),
            Set.of("a", "b", "c", "d", "e", "f"),
            Notation.ISO);
    assertThat(s.integer("a", 8787, 0, 65535)).isEqualTo(8787);
    assertThat(s.bool("b", true)).isTrue();
    assertThat(s.integer("c", 1, 0, 10)).isEqualTo(1);
    assertThat(s.integer("d", 1, 0, 10)).isEqualTo(1);
    assertThat(s.string("e", "def")).isEqualTo("def");
    assertThat(s.number("f", 0.5, 0, 1)).isEqualTo(0.5);
    assertThat(s.problems())
        .containsExactly(
            "a: must be between 0 and 65535, was 70000",
            "b: expected true or false, got string 'yes'",
            "c: expected an integer, got double '2.5'",
            "d: must be between 0 and 10, was 5000000000",
            "e: expected a non-empty string, got string ''",
            "f: must be between 0.0 and 1.0, was 3.0");
  }

  @Test
  void durationMessagesFollowTheNotation() {
    Map<String, Object> m = map("w", "ten seconds", "t", "1s");
    StrictSettings iso = StrictSettings.of("f", m, Set.of("w", "t"), Notation.ISO);
    Duration min = Duration.ofSeconds(10);
    Duration max = Duration.ofDays(90);
    assertThat(iso.duration("w", min, min, max)).isEqualTo(min);
    assertThat(iso.duration("t", min, min, max)).isEqualTo(min);
    assertThat(iso.problems())
        .containsExactly(
            "w: expected a duration such as 500ms, 10s, 5m or PT10S, got string 'ten seconds'",
            "t: must be between PT10S and PT2160H, was PT1S");
    StrictSettings shortly = StrictSettings.of("f", m, Set.of("w", "t"));
    shortly.duration("w", min, min, max);
    shortly.duration("t", min, min, max);
    assertThat(shortly.problems())
        .containsExactly(
            "w: expected a duration such as 500ms, 10s, 5m, 2h, 7d or PT10S, got string [ten"
                + " seconds]",
            "t: must be between 10s and 90d, was 1s");
  }

  @Test
  void stringListsNameTheirBadEntries() {
    StrictSettings s =
        StrictSettings.of(
            "f",
            map("one", "a", "many", List.of("a", 36_000, "c"), "empty", List.of(), "x", 3),
            Set.of("one", "many", "empty", "x"));
    assertThat(s.strings("one")).containsExactly("a");
    assertThat(s.strings("many")).containsExactly("a", "c");
    assertThat(s.nonEmptyStrings("empty")).isNull();
    assertThat(s.strings("x")).isEmpty();
    assertThat(s.problems())
        .containsExactly(
            "many[1]: expected a non-empty string, got integer [36000] (quote it: YAML reads 10:30"
                + " or 10:00:00:00:00:01 as a base-60 number)",
            "empty: expected a non-empty list of strings, got list [[]]",
            "x: expected a list of strings, got integer [3] (quote it: YAML reads 10:30 or"
                + " 10:00:00:00:00:01 as a base-60 number)");
  }

  @Test
  void nullMappingIsEmptyAndNonStringKeysAreProblems() {
    StrictSettings empty = StrictSettings.of("f", null, Set.of());
    assertThat(empty.keys()).isEmpty();
    assertThat(empty.problems()).isEmpty();
    Map<Object, Object> odd = new LinkedHashMap<>();
    odd.put(1, "x");
    StrictSettings s = StrictSettings.of("f", Map.of("sec", odd), Set.of("sec"));
    s.section("sec", Set.of());
    assertThat(s.problems()).containsExactly("sec.1: keys must be strings");
    StrictSettings top = StrictSettings.of("f", List.of(1), Set.of());
    assertThat(top.problems()).containsExactly("(top level): expected a mapping, got list [[1]]");
  }

  @Test
  void describeQuotesAndCutsValues() {
    StrictSettings s = StrictSettings.of("f", Map.of(), Set.of());
    assertThat(s.describe("a\nb")).isEqualTo("string [a\\u000ab]");
    assertThat(s.describe(null)).isEqualTo("nothing");
    assertThat(StrictSettings.quote("x".repeat(100))).isEqualTo("x".repeat(64) + "...");
  }
}
