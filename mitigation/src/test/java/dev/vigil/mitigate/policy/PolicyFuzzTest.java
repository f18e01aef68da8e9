package dev.vigil.mitigate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vigil.mitigate.api.InvalidConfigException;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@link Policy#parse} with arbitrary text (Jazzer) and checks its contract: it returns a
 * policy or throws {@link InvalidConfigException} with at least one non-blank problem; any other
 * exception, an error or a hang is a finding.
 *
 * <p>In a normal test run this replays the seeds in {@code
 * src/test/resources/dev/vigil/mitigate/policy/PolicyFuzzTestInputs/parse_arbitraryText} (the
 * documented policy and a few invalid ones) and committed findings; {@code JAZZER_FUZZ=1} fuzzes it
 * (scripts/test does, for a bounded time).
 */
class PolicyFuzzTest {
  @FuzzTest(maxDuration = "60s")
  void parse_arbitraryText(byte[] data) {
    String text = new String(data, StandardCharsets.UTF_8);
    try {
      Policy p = Policy.parse("fuzz.yaml", text);
      assertThat(p.rules()).as("a valid policy has a rule").isNotEmpty();
      assertThat(p.maxDecisionsPerMinute()).isBetween(1, 10_000);
    } catch (InvalidConfigException e) {
      assertThat(e.problems()).as("problems of %s", text).isNotEmpty();
      for (String problem : e.problems()) {
        assertThat(problem).as("a problem of %s", text).isNotBlank();
      }
    }
  }
}
