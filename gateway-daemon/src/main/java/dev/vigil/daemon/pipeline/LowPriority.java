package dev.vigil.daemon.pipeline;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.Locale;

/**
 * Lowers the calling thread's scheduling priority to nice 19 on Linux (background model training
 * must never starve capture). Java's {@code Thread.setPriority} is ignored by HotSpot on Linux
 * unless run with {@code -XX:ThreadPriorityPolicy}; Linux nice values are per thread, so {@code
 * setpriority(PRIO_PROCESS, gettid(), 19)} through libc lowers exactly this thread and the threads
 * it starts afterwards. Best effort: anywhere else, or if the call fails, it reports why.
 */
final class LowPriority {
  private static final int PRIO_PROCESS = 0;

  private interface CLib extends Library {
    int setpriority(int which, int who, int prio);

    long syscall(long number);
  }

  private LowPriority() {}

  /** Renices the calling thread to 19; returns what happened, for the log. */
  static String apply() {
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
      return "not Linux: thread priority left as is";
    }
    long gettid =
        switch (System.getProperty("os.arch", "")) {
          case "amd64", "x86_64" -> 186;
          case "aarch64", "arm64" -> 178;
          default -> -1;
        };
    if (gettid < 0) {
      return "unknown architecture " + System.getProperty("os.arch") + ": priority left as is";
    }
    try {
      CLib c = Native.load("c", CLib.class);
      int tid = (int) c.syscall(gettid);
      int rc = c.setpriority(PRIO_PROCESS, tid, 19);
      return rc == 0
          ? "thread " + tid + " reniced to 19"
          : "setpriority failed: " + Native.getLastError();
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return "cannot renice: " + e.getMessage();
    }
  }
}
