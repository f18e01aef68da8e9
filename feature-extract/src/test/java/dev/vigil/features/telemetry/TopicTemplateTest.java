package dev.vigil.features.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TopicTemplateTest {
  @Test
  void compile_placeholdersBecomeSingleLevelWildcards() {
    assertThat(TopicTemplate.compile("devices/{device}/telemetry").filter())
        .isEqualTo("devices/+/telemetry");
    assertThat(TopicTemplate.compile("sensors/{device}/{metric}").filter())
        .isEqualTo("sensors/+/+");
    assertThat(TopicTemplate.compile("site/{site}/dev-{device}.json/#").filter())
        .isEqualTo("site/+/+/#");
    assertThat(TopicTemplate.compile("plain/topic").filter()).isEqualTo("plain/topic");
    assertThat(TopicTemplate.compile("#").filter()).isEqualTo("#");
  }

  @Test
  void match_extractsDeviceAndMetric() {
    TopicTemplate t = TopicTemplate.compile("sensors/{device}/{metric}");
    TopicTemplate.Match m = t.match("sensors/boiler-1/temp");
    assertThat(m).isNotNull();
    assertThat(m.device()).isEqualTo("boiler-1");
    assertThat(m.metric()).isEqualTo("temp");
    assertThat(m.template()).isSameAs(t);
    assertThat(t.hasDevice()).isTrue();
    assertThat(t.hasMetric()).isTrue();
  }

  @Test
  void match_templateWithoutMetricGivesNullMetric() {
    TopicTemplate.Match m =
        TopicTemplate.compile("devices/{device}/telemetry").match("devices/d7/telemetry");
    assertThat(m.device()).isEqualTo("d7");
    assertThat(m.metric()).isNull();
  }

  @Test
  void match_rejectsOtherLevelCountsAndLiterals() {
    TopicTemplate t = TopicTemplate.compile("devices/{device}/telemetry");
    assertThat(t.match("devices/d7")).isNull();
    assertThat(t.match("devices/d7/telemetry/extra")).isNull();
    assertThat(t.match("devices/d7/telemetry/")).isNull();
    assertThat(t.match("devices//telemetry")).isNull(); // a placeholder needs a non-empty level
    assertThat(t.match("device/d7/telemetry")).isNull();
    assertThat(t.match("devices/d7/telemetryX")).isNull();
    assertThat(t.match("")).isNull();
  }

  @Test
  void match_prefixAndSuffixAroundAPlaceholder() {
    TopicTemplate t = TopicTemplate.compile("gw/dev-{device}.json");
    assertThat(t.match("gw/dev-42.json").device()).isEqualTo("42");
    assertThat(t.match("gw/dev-.json")).isNull();
    assertThat(t.match("gw/dev-42.xml")).isNull();
    assertThat(t.match("gw/xdev-42.json")).isNull();
  }

  @Test
  void match_otherPlaceholdersMatchAnyLevelAndAreIgnored() {
    TopicTemplate t =
        TopicTemplate.compile("edgex/events/device/{service}/{profile}/{device}/{source}");
    TopicTemplate.Match m = t.match("edgex/events/device/device-virtual/Random-Profile/Dev1/Temp");
    assertThat(m.device()).isEqualTo("Dev1");
    assertThat(m.metric()).isNull();
  }

  @Test
  void match_multiLevelTailMatchesZeroOrMoreLevels() {
    TopicTemplate t = TopicTemplate.compile("home/{device}/#");
    assertThat(t.match("home/d1").device()).isEqualTo("d1");
    assertThat(t.match("home/d1/a/b/c").device()).isEqualTo("d1");
    assertThat(t.match("home")).isNull();
    assertThat(TopicTemplate.compile("#").match("anything/at/all")).isNotNull();
  }

  @Test
  void match_wildcardAtFirstLevelDoesNotMatchDollarTopics() {
    assertThat(TopicTemplate.compile("#").match("$SYS/broker/uptime")).isNull();
    assertThat(TopicTemplate.compile("{device}/x").match("$SYS/x")).isNull();
    assertThat(TopicTemplate.compile("$SYS/{device}").match("$SYS/x").device()).isEqualTo("x");
  }

  @Test
  void match_emptyLiteralLevelsAreLevels() {
    TopicTemplate t = TopicTemplate.compile("/{device}//v");
    assertThat(t.filter()).isEqualTo("/+//v");
    assertThat(t.match("/d//v").device()).isEqualTo("d");
    assertThat(t.match("d//v")).isNull();
  }

  @Test
  void firstMatch_firstTemplateWins() {
    List<TopicTemplate> ts =
        TopicTemplate.compileAll(
            List.of("sensors/{device}/status", "sensors/{device}/{metric}", "#"));
    assertThat(TopicTemplate.firstMatch(ts, "sensors/a/status").template()).isSameAs(ts.get(0));
    TopicTemplate.Match m = TopicTemplate.firstMatch(ts, "sensors/a/humidity");
    assertThat(m.template()).isSameAs(ts.get(1));
    assertThat(m.metric()).isEqualTo("humidity");
    assertThat(TopicTemplate.firstMatch(ts, "other").template()).isSameAs(ts.get(2));
    assertThat(TopicTemplate.firstMatch(ts.subList(0, 2), "other")).isNull();
    assertThat(TopicTemplate.filters(ts)).containsExactly("sensors/+/status", "sensors/+/+", "#");
    assertThat(
            TopicTemplate.filters(
                TopicTemplate.compileAll(List.of("a/{device}/x", "a/{device}/x", "a/{device}/y"))))
        .containsExactly("a/+/x", "a/+/y");
  }

  @Test
  void compile_badTemplatesAreClearErrors() {
    assertThatThrownBy(() -> TopicTemplate.compile(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> TopicTemplate.compile("a/+/b"))
        .hasMessageContaining("'+'")
        .hasMessageContaining("{name}");
    assertThatThrownBy(() -> TopicTemplate.compile("a/#/b")).hasMessageContaining("'#'");
    assertThatThrownBy(() -> TopicTemplate.compile("a/x#")).hasMessageContaining("'#'");
    assertThatThrownBy(() -> TopicTemplate.compile("a/{device}/{device}"))
        .hasMessageContaining("more than once");
    assertThatThrownBy(() -> TopicTemplate.compile("a/{device}{metric}"))
        .hasMessageContaining("exactly one");
    assertThatThrownBy(() -> TopicTemplate.compile("a/{dev")).hasMessageContaining("exactly one");
    assertThatThrownBy(() -> TopicTemplate.compile("a/dev}")).hasMessageContaining("exactly one");
    assertThatThrownBy(() -> TopicTemplate.compile("a/{}")).hasMessageContaining("placeholder");
    assertThatThrownBy(() -> TopicTemplate.compile("a/{1x}")).hasMessageContaining("letter");
    assertThatThrownBy(() -> TopicTemplate.compile("a/\0")).hasMessageContaining("NUL");
  }
}
