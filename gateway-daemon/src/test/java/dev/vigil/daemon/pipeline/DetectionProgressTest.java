package dev.vigil.daemon.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.features.capture.CaptureOptions;
import dev.vigil.features.capture.FrameRing;
import dev.vigil.features.capture.LiveCapture;
import org.junit.jupiter.api.Test;

/** What the systemd watchdog asks the detection path: stuck or not ({@link DetectionService}). */
class DetectionProgressTest {
  private static final long STALE = 15_000_000_000L;

  @Test
  void progressing_aFreshLoopIsProgressAStaleOneIsNot() {
    long now = 100 * STALE;
    assertThat(DetectionService.progressing(now - STALE / 10, false, null, now, STALE)).isTrue();
    assertThat(DetectionService.progressing(now - STALE, false, null, now, STALE)).isFalse();
    assertThat(DetectionService.progressing(now - 10 * STALE, false, null, now, STALE)).isFalse();
  }

  @Test
  void progressing_startingAndEndedAreNotStalls() {
    long now = 100 * STALE;
    // loading or training the model before the loop first comes round
    assertThat(DetectionService.progressing(0, false, null, now, STALE)).isTrue();
    // a capture file read to its end, or no model: restarting would not help
    assertThat(DetectionService.progressing(now - 10 * STALE, true, null, now, STALE)).isTrue();
  }

  @Test
  void progressing_aFreshLoopOverAStoppedCaptureIsAStall() {
    LiveCapture cap =
        new LiveCapture(
            new CaptureOptions("lo", false, 256, "udp and port 9", 1 << 20, false, 50, false),
            new FrameRing(16, 256));
    long now = System.nanoTime();
    // never started (or stopped): its thread is not running
    assertThat(DetectionService.progressing(now, false, cap, now, STALE)).isFalse();
  }
}
