package dev.vigil.daemon.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LoggingTest {
  @Test
  void syslogPrioritiesOfTheLevels() {
    assertThat(JournalPrefix.priority(Level.ERROR)).isEqualTo(3);
    assertThat(JournalPrefix.priority(Level.WARN)).isEqualTo(4);
    assertThat(JournalPrefix.priority(Level.INFO)).isEqualTo(6);
    assertThat(JournalPrefix.priority(Level.DEBUG)).isEqualTo(7);
  }

  @Test
  void theJournalIsOnlyUsedWhenStandardErrorIsItsStream() {
    assertThat(JournalPrefix.toJournal(null)).isFalse();
    assertThat(JournalPrefix.toJournal("garbage")).isFalse();
    // the test's standard error is not a socket of that inode
    assertThat(JournalPrefix.toJournal("8:999999999")).isFalse();
  }

  @Test
  void alertLinesAreLimitedPerMinuteAndTheRestCounted() {
    AtomicLong now = new AtomicLong();
    AlertLogLines lines = new AlertLogLines(3, now::get);
    int written = 0;
    for (int i = 0; i < 10; i++) {
      written += lines.log("alert " + i) ? 1 : 0;
    }
    assertThat(written).isEqualTo(3);
    assertThat(lines.suppressed()).isEqualTo(7);
    now.addAndGet(61_000_000_000L);
    assertThat(lines.log("next minute")).isTrue();
    lines.setPerMinute(0);
    assertThat(lines.log("none")).isFalse();
    assertThat(lines.suppressed()).isEqualTo(8);
  }

  @Test
  void levelsAreSetAndResetOnTheNextApply() {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger l = ctx.getLogger("dev.vigil.mitigate.test");
    Level before = l.getLevel();
    LogLevels.apply(Map.of("dev.vigil.mitigate.test", "debug"));
    assertThat(l.getLevel()).isEqualTo(Level.DEBUG);
    LogLevels.apply(Map.of());
    assertThat(l.getLevel()).isEqualTo(before);
  }
}
