package dev.vigil.daemon.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link EveLog}: appending, following logrotate's renames and deletions, counting failures. */
class EveLogTest {
  @TempDir Path dir;

  /** A clock the test moves: the log checks the file's identity only when a second has passed. */
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  private EveLog open(Path file) {
    return EveLog.open(file, EveLog.CHECK_EVERY, nanos::get);
  }

  private void aSecondLater() {
    nanos.addAndGet(Duration.ofSeconds(1).toNanos());
  }

  @Test
  void write_appendsLinesCreatingTheFolder() throws IOException {
    Path f = dir.resolve("log/vigil/eve.json");
    Files.createDirectories(f.getParent());
    Files.writeString(f, "{\"before\":1}\n");
    try (EveLog log = open(f)) {
      assertThat(log.write("{\"a\":1}")).isTrue();
      assertThat(log.write("{\"b\":\"ü\"}")).isTrue();
      assertThat(log.written()).isEqualTo(2);
      assertThat(log.failures()).isZero();
      assertThat(log.lastError()).isNull();
    }
    assertThat(Files.readAllLines(f))
        .containsExactly("{\"before\":1}", "{\"a\":1}", "{\"b\":\"ü\"}");
  }

  @Test
  void rename_theNextWriteAfterASecondGoesToANewFile() throws IOException {
    Path f = dir.resolve("eve.json");
    Path rotated = dir.resolve("eve.json.1");
    try (EveLog log = open(f)) {
      log.write("one");
      Files.move(f, rotated); // what logrotate does (without copytruncate)
      log.write("two"); // within the second: still the open (renamed) file, no check made
      aSecondLater();
      log.write("three");
      log.write("four");
      assertThat(log.reopenings()).isEqualTo(1);
      assertThat(log.failures()).isZero();
    }
    assertThat(Files.readAllLines(rotated)).containsExactly("one", "two");
    assertThat(Files.readAllLines(f)).containsExactly("three", "four");
  }

  @Test
  void delete_theNextWriteAfterASecondRecreatesTheFile() throws IOException {
    Path f = dir.resolve("eve.json");
    try (EveLog log = open(f)) {
      log.write("one");
      Files.delete(f);
      aSecondLater();
      assertThat(log.write("two")).isTrue();
      assertThat(log.reopenings()).isEqualTo(1);
    }
    assertThat(Files.readAllLines(f)).containsExactly("two");
  }

  @Test
  void unchangedFile_isNeverReopened() throws IOException {
    Path f = dir.resolve("eve.json");
    try (EveLog log = open(f)) {
      for (int i = 0; i < 5; i++) {
        log.write("line " + i);
        aSecondLater();
      }
      assertThat(log.reopenings()).isZero();
    }
    assertThat(Files.readAllLines(f)).hasSize(5);
  }

  @Test
  void reopen_opensThePathAtOnce() throws IOException {
    Path f = dir.resolve("eve.json");
    Path rotated = dir.resolve("eve.json.1");
    try (EveLog log = open(f)) {
      log.write("one");
      Files.move(f, rotated);
      log.reopen(); // a reload (SIGHUP) after logrotate: no need to wait for the check
      log.write("two");
      assertThat(log.reopenings()).isEqualTo(1);
    }
    assertThat(Files.readAllLines(rotated)).containsExactly("one");
    assertThat(Files.readAllLines(f)).containsExactly("two");
  }

  @Test
  void unwritableFolder_countsFailuresAndRecoversOnceWritable() throws IOException {
    // A folder that even root cannot create: its parent is a regular file.
    Path blocker = dir.resolve("log");
    Files.writeString(blocker, "not a folder");
    Path f = blocker.resolve("eve.json");
    try (EveLog log = open(f)) {
      assertThat(log.failures()).isEqualTo(1); // the opening at start
      assertThat(log.lastError()).isNotNull();
      assertThat(log.write("one")).isFalse();
      assertThat(log.write("two")).isFalse();
      assertThat(log.failures()).isEqualTo(3);
      assertThat(log.written()).isZero();
      assertThatThrownBy(log::reopen).isInstanceOf(IOException.class);
      assertThat(log.failures()).isEqualTo(4);

      Files.delete(blocker);
      assertThat(log.write("three")).isTrue();
      assertThat(log.lastError()).isNull();
      assertThat(log.failures()).isEqualTo(4);
    }
    assertThat(Files.readAllLines(f)).containsExactly("three");
  }

  @Test
  void diskFull_countsEveryLostLine() {
    Path full = Path.of("/dev/full"); // every write fails with ENOSPC
    assumeTrue(Files.isWritable(full), "no /dev/full on this system");
    try (EveLog log = EveLog.open(full, Duration.ZERO, System::nanoTime)) {
      assertThat(log.write("one")).isFalse();
      assertThat(log.write("two")).isFalse();
      assertThat(log.failures()).isEqualTo(2);
      assertThat(log.lastError()).containsIgnoringCase("space");
    }
  }

  @Test
  void closed_refusesWrites() throws IOException {
    Path f = dir.resolve("eve.json");
    EveLog log = open(f);
    log.write("one");
    log.close();
    assertThat(log.write("two")).isFalse();
    assertThat(log.failures()).isEqualTo(1);
    assertThatThrownBy(log::reopen).isInstanceOf(IOException.class);
    assertThat(Files.readAllLines(f)).isEqualTo(List.of("one"));
  }
}
