package dev.vigil.features.capture;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Replays a capture file as the live capture runs: a reader thread ({@code vigil-replay}) reads the
 * file with {@link PcapFileReader} into a {@link BlockingFrameRing}, and the caller's thread hands
 * the frames to the sink. Reading (libpcap and Pcap4J) and processing overlap on two cores, as the
 * live capture thread and the detection thread do, instead of taking turns on one; on one core it
 * costs a copy per frame and a thread switch now and then.
 *
 * <p>Nothing is lost or reordered: the reader waits while the ring is full. The sink sees exactly
 * what {@link PcapFileReader#read} would give it, in the same order, on the caller's thread.
 */
public final class FileReplay {
  /**
   * The ring's size: 1 MiB, the least that takes any frame whole; thousands of typical frames, and
   * small enough to stay in the caches (a 4 MiB ring replayed the shared captures slower).
   */
  public static final int RING_BYTES = 1 << 20;

  private static final int BATCH = 256; // frames between looks at the thread's interrupt

  private final Path file;

  /** Creates a replay of {@code file}; nothing is opened until {@link #read}. */
  public FileReplay(Path file) {
    this.file = file;
  }

  /**
   * Streams every frame of the file to {@code sink} in file order, on the calling thread, while a
   * thread of its own reads ahead. Returns when every frame has been handed over; the reader thread
   * has ended by then.
   *
   * @return the number of frames delivered
   * @throws IOException if the file is missing, unreadable, not a capture, or not Ethernet, or the
   *     calling thread was interrupted (its interrupt status is kept)
   * @throws IllegalStateException if {@code sink} threw; replay stops at that frame
   */
  public long read(FrameSink sink) throws IOException {
    BlockingFrameRing ring = new BlockingFrameRing(RING_BYTES);
    Throwable[] failed = {null};
    Thread reader =
        new Thread(
            () -> {
              try {
                new PcapFileReader(file)
                    .read(
                        (frame, capturedLength, wireLength, micros) -> {
                          if (!ring.put(frame, capturedLength, wireLength, micros)) {
                            throw new CancellationSignal();
                          }
                        });
              } catch (IOException | RuntimeException | Error e) {
                if (!(e.getCause() instanceof CancellationSignal)) {
                  failed[0] = e;
                }
              } finally {
                ring.close(); // publishes failed[0] to the consumer with the closed flag
              }
            },
            "vigil-replay");
    reader.setDaemon(true);
    reader.start();
    Counted counted = new Counted(sink);
    boolean done = false;
    try {
      while (ring.awaitFrames()) {
        ring.drain(counted, BATCH);
      }
      done = true;
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "processing frame " + counted.handed + " of [" + file + "] failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading [" + file + "]", e);
    } finally {
      if (!done) {
        ring.cancel();
      }
      joinQuietly(reader);
    }
    Throwable f = failed[0];
    if (f instanceof IOException io) {
      throw io;
    }
    if (f instanceof RuntimeException re) {
      throw re;
    }
    if (f instanceof Error err) {
      throw err;
    }
    return counted.handed;
  }

  /** Hands frames on and counts them, so a failing frame can be named. One per read. */
  private static final class Counted implements FrameSink {
    private final FrameSink sink;
    private long handed;

    Counted(FrameSink sink) {
      this.sink = sink;
    }

    @Override
    public void onFrame(byte[] frame, int capturedLength, int wireLength, long micros) {
      handed++;
      sink.onFrame(frame, capturedLength, wireLength, micros);
    }
  }

  /** Waits for the reader, which ends promptly once the ring is drained or cancelled. */
  private static void joinQuietly(Thread reader) {
    boolean interrupted = false;
    while (true) {
      try {
        reader.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Thrown into Pcap4J's loop to stop the reader when the consumer gave up; never escapes. */
  private static final class CancellationSignal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CancellationSignal() {
      super(null, null, false, false);
    }
  }
}
