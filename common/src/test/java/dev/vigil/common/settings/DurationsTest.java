package dev.vigil.common.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void parse_acceptsUnitsAndIso() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
    assertThat(Durations.parse("0s")).isEqualTo(Duration.ZERO);
    assertThat(Durations.parse("PT2H")).isEqualTo(Duration.ofHours(2));
    assertThat(Durations.parse("pt10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Durations.parse("P1DT2H")).isEqualTo(Duration.ofHours(26));
    assertThat(Durations.parse("10000000000ms")).isEqualTo(Duration.ofMillis(10_000_000_000L));
  }

  @Test
  void parse_refusesOtherText() {
    assertThat(Durations.parse("10 parsecs")).isNull();
    assertThat(Durations.parse(null)).isNull();
    assertThat(Durations.parse("")).isNull();
    assertThat(Durations.parse(" 10s")).isNull();
    assertThat(Durations.parse("10S")).isNull();
    assertThat(Durations.parse("-5s")).isNull();
    assertThat(Durations.parse("1.5s")).isNull();
    assertThat(Durations.parse("PT-5S")).isNull();
    assertThat(Durations.parse("P")).isNull();
    assertThat(Durations.parse("99999999999999999999d")).isNull();
    assertThat(Durations.parse("9999999999999999d")).isNull();
  }

  @Test
  void format_writesTheLargestUnitsFirst() {
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
    assertThat(Durations.format(Duration.ofMillis(250))).isEqualTo("250ms");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(Durations.format(Duration.ofSeconds(5400))).isEqualTo("1h30m");
    assertThat(Durations.format(Duration.ofDays(7))).isEqualTo("7d");
    assertThat(Durations.format(Duration.ofSeconds(90_061))).isEqualTo("1d1h1m1s");
  }
}
