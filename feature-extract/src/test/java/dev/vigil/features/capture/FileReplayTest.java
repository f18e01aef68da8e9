package dev.vigil.features.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.testsupport.PcapFiles;
import dev.vigil.testsupport.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class FileReplayTest {
  /** What a sink saw: each frame's bytes, lengths and time, and the thread that saw it. */
  private static List<String> record(
      List<String> into, Thread[] thread, byte[] f, int cap, int wire, long t) {
    thread[0] = Thread.currentThread();
    into.add(Arrays.toString(Arrays.copyOf(f, cap)) + "/" + cap + "/" + wire + "/" + t);
    return into;
  }

  @Test
  @Tag("shared-data")
  @Timeout(120)
  void read_deliversExactlyWhatThePlainReaderDoes_onTheCallersThread() throws IOException {
    Path f = SharedData.file("pcap/attack/slips/test7-malicious.pcap");
    List<String> plain = new ArrayList<>();
    Thread[] plainThread = {null};
    long n = new PcapFileReader(f).read((fr, c, w, t) -> record(plain, plainThread, fr, c, w, t));
    List<String> replayed = new ArrayList<>();
    Thread[] replayThread = {null};
    long m = new FileReplay(f).read((fr, c, w, t) -> record(replayed, replayThread, fr, c, w, t));
    assertThat(m).isEqualTo(n).isEqualTo(2000);
    assertThat(replayed).isEqualTo(plain);
    assertThat(replayThread[0]).isSameAs(Thread.currentThread());
  }

  @Test
  @Timeout(60)
  void read_aSlowSinkLosesNothing(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("t.pcap");
    List<PcapFiles.Frame> frames = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      byte[] b = new byte[20_000]; // 6 MB in all: more than the ring holds, so the reader waits
      b[0] = (byte) i;
      frames.add(new PcapFiles.Frame(1_700_000_000_000_000L + i, b));
    }
    PcapFiles.write(f, 65_535, frames);
    List<Long> ts = new ArrayList<>();
    long n =
        new FileReplay(f)
            .read(
                (fr, c, w, t) -> {
                  if (ts.size() % 50 == 0) {
                    sleep(20);
                  }
                  assertThat(fr[0]).isEqualTo((byte) ts.size());
                  assertThat(c).isEqualTo(20_000);
                  ts.add(t);
                });
    assertThat(n).isEqualTo(300);
    assertThat(ts).hasSize(300).isSorted().doesNotHaveDuplicates();
  }

  @Test
  @Timeout(60)
  void read_failingSinkStopsTheReplayAndSurfaces_andTheReaderEnds(@TempDir Path dir)
      throws IOException {
    Path f = smallFrames(dir, 1000);
    int[] calls = {0};
    assertThatThrownBy(
            () ->
                new FileReplay(f)
                    .read(
                        (frame, cap, wire, t) -> {
                          if (++calls[0] == 3) {
                            throw new IllegalArgumentException("boom");
                          }
                        }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("processing frame 3")
        .hasRootCauseMessage("boom");
    assertThat(calls[0]).isEqualTo(3);
    assertThat(replayThreads()).as("the reader thread has ended").isZero();
  }

  @Test
  void read_missingOrInvalidFileIsTheReadersClearError(@TempDir Path dir) throws IOException {
    assertThatThrownBy(
            () -> new FileReplay(Path.of("/nonexistent/x.pcap")).read((a, b, c, d) -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("does not exist");
    Path f = dir.resolve("notes.pcap");
    Files.writeString(f, "this is not a capture file\n");
    assertThatThrownBy(() -> new FileReplay(f).read((a, b, c, d) -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot open capture file");
  }

  @Test
  @Timeout(60)
  void read_interruptedCallerStopsWithAnErrorAndKeepsItsInterrupt(@TempDir Path dir)
      throws IOException {
    Path f = smallFrames(dir, 2000);
    int[] calls = {0};
    assertThatThrownBy(
            () ->
                new FileReplay(f)
                    .read(
                        (frame, cap, wire, t) -> {
                          if (++calls[0] == 10) {
                            Thread.currentThread().interrupt(); // as the daemon's stop does
                          }
                        }))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("interrupted");
    assertThat(Thread.interrupted()).isTrue();
    assertThat(calls[0]).isLessThan(2000);
    assertThat(replayThreads()).isZero();
  }

  /** Writes a capture of {@code n} 60-byte frames, a microsecond apart. */
  private static Path smallFrames(Path dir, int n) throws IOException {
    Path f = dir.resolve("t.pcap");
    List<PcapFiles.Frame> frames = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      frames.add(new PcapFiles.Frame(1_700_000_000_000_000L + i, new byte[60]));
    }
    PcapFiles.write(f, 256, frames);
    return f;
  }

  private static long replayThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("vigil-replay"))
        .count();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
