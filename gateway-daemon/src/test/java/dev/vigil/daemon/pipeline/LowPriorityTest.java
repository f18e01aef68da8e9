package dev.vigil.daemon.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class LowPriorityTest {
  @Test
  @EnabledOnOs(OS.LINUX)
  void renicesOnlyTheCallingThread() throws Exception {
    AtomicReference<String> result = new AtomicReference<>();
    AtomicReference<String> nice = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              result.set(LowPriority.apply());
              String tid = result.get().replaceAll("thread (\\d+) .*", "$1");
              try {
                nice.set(niceOf(Path.of("/proc/self/task/" + tid + "/stat")));
              } catch (Exception e) {
                nice.set(e.toString());
              }
            });
    t.start();
    t.join(10_000);
    assertThat(result.get()).matches("thread \\d+ reniced to 19");
    assertThat(nice.get()).isEqualTo("19");
    assertThat(niceOf(Path.of("/proc/thread-self/stat"))).isNotEqualTo("19");
  }

  /** Field 19 of /proc/.../stat is the nice value (after the parenthesised command name). */
  private static String niceOf(Path stat) throws Exception {
    String s = Files.readString(stat);
    String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
    return f[16];
  }
}
