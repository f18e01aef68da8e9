package dev.vigil.mitigate.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandRunnerTest {
  private final CommandRunner runner = new CommandRunner(Duration.ofSeconds(5));

  @Test
  void run_passesEachArgumentLiterallyWithoutAShell() throws Exception {
    var r = runner.run(List.of("/bin/echo", "1.2.3.4; reboot", "$(id)", "a\nb"), null);
    assertThat(r.stdout()).isEqualTo("1.2.3.4; reboot $(id) a\nb\n");
  }

  @Test
  void run_feedsStdin() throws Exception {
    assertThat(runner.run(List.of("/bin/cat"), "add table inet x\n").stdout())
        .isEqualTo("add table inet x\n");
  }

  @Test
  void run_nonZeroExitThrowsWithStderr() {
    assertThatThrownBy(() -> runner.run(List.of("/bin/ls", "/no/such/path"), null))
        .isInstanceOf(CommandRunner.CommandException.class)
        .hasMessageContaining("exited with status 2")
        .hasMessageContaining("No such file");
  }

  @Test
  void exec_killsACommandPastItsTimeout() {
    CommandRunner quick = new CommandRunner(Duration.ofMillis(200));
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> quick.exec(List.of("/bin/sleep", "5"), null))
        .hasMessageContaining("ran past its timeout");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void exec_refusesARelativeProgram() {
    assertThatThrownBy(() -> runner.exec(List.of("nft", "list", "ruleset"), null))
        .hasMessageContaining("absolute path");
  }
}
