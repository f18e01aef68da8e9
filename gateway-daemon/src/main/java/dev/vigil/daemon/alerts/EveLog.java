package dev.vigil.daemon.alerts;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Appends lines to a JSON-lines file (eve.json), one {@code write} per line, each written through
 * at once (no buffer) so that a tailing shipper sees it and a crash loses nothing written.
 *
 * <p><b>Rotation.</b> logrotate renames the file (or an operator deletes it) while it is open. So
 * before a write, at most once per {@code checkEvery} (one second in the daemon; never per packet:
 * the daemon writes once per alert or decision), the log compares the identity of the file at its
 * path ({@link BasicFileAttributes#fileKey()}: device and inode) with the one it has open, and
 * opens the path anew, creating it, when they differ or the path is gone. Lines written in between
 * go to the renamed file, which logrotate's {@code delaycompress} leaves in place. {@link #reopen}
 * does the same at once, for a reload (SIGHUP) or a {@code postrotate} hook.
 *
 * <p><b>Failures.</b> Nothing here throws on a write: a line that cannot be written (disk full, the
 * folder unwritable or gone) is counted ({@link #failures}), its error kept ({@link #lastError}),
 * and the file opened again at the next check; a write that then succeeds clears the error. Opening
 * never throws either: a log that cannot be opened at start is a log whose writes fail until it
 * can.
 *
 * <p>Thread-safe: every method is synchronized (one writer thread in the daemon).
 */
public final class EveLog implements Closeable {
  /** How often the daemon's log checks the file's identity: once a second. */
  public static final Duration CHECK_EVERY = Duration.ofSeconds(1);

  private final Path file;
  private final long checkNanos;
  private final LongSupplier nanoTime;
  private FileChannel out;
  private Object openKey;
  private long nextCheck;
  private long written;
  private long failures;
  private long reopenings;
  private String lastError;
  private boolean everOpened;
  private boolean closed;

  private EveLog(Path file, Duration checkEvery, LongSupplier nanoTime) {
    this.file = Objects.requireNonNull(file, "file");
    if (checkEvery.isNegative()) {
      throw new IllegalArgumentException("checkEvery must not be negative, was " + checkEvery);
    }
    this.checkNanos = checkEvery.toNanos();
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  /**
   * Opens {@code file} for appending, creating it and its folder if needed, and checks its identity
   * at most once a second ({@link #CHECK_EVERY}). A failure to open is counted, not thrown.
   */
  public static EveLog open(Path file) {
    return open(file, CHECK_EVERY, System::nanoTime);
  }

  /**
   * Opens {@code file} as {@link #open(Path)} does, checking its identity at most once per {@code
   * checkEvery} of {@code nanoTime} (tests pass zero: before every write).
   */
  public static EveLog open(Path file, Duration checkEvery, LongSupplier nanoTime) {
    EveLog log = new EveLog(file, checkEvery, nanoTime);
    synchronized (log) {
      log.nextCheck = nanoTime.getAsLong() + log.checkNanos;
      try {
        log.openFile();
      } catch (IOException e) {
        log.failed(e);
      }
    }
    return log;
  }

  /**
   * Appends {@code line} and a newline.
   *
   * @return whether it was written; a failure is counted and its error kept
   */
  public synchronized boolean write(String line) {
    if (closed) {
      failures++;
      lastError = "the log is closed";
      return false;
    }
    try {
      long now = nanoTime.getAsLong();
      if (out == null || now - nextCheck >= 0) {
        nextCheck = now + checkNanos;
        if (out == null) {
          boolean again = everOpened;
          openFile();
          if (again) {
            reopenings++;
          }
        } else if (!sameFile()) {
          reopenFile();
        }
      }
      ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
      while (b.hasRemaining()) {
        out.write(b);
      }
      written++;
      lastError = null;
      return true;
    } catch (IOException | RuntimeException e) {
      failed(e);
      closeQuietly();
      return false;
    }
  }

  /**
   * Closes the file and opens its path anew (creating it), whether or not it was moved: what a
   * reload (SIGHUP) calls after logrotate renamed it.
   *
   * @throws IOException if the path cannot be opened (also counted; later writes try again)
   */
  public synchronized void reopen() throws IOException {
    if (closed) {
      throw new IOException("the log is closed");
    }
    try {
      reopenFile();
    } catch (IOException e) {
      failed(e);
      throw e;
    }
  }

  /** Returns the path written. */
  public Path file() {
    return file;
  }

  /** Returns how many lines were written. */
  public synchronized long written() {
    return written;
  }

  /** Returns how many lines could not be written (and failed openings at start). */
  public synchronized long failures() {
    return failures;
  }

  /** Returns how often the file was opened anew: moved, deleted, failed, or {@link #reopen}. */
  public synchronized long reopenings() {
    return reopenings;
  }

  /** Returns the error of the last write or opening if it failed, else null. */
  public synchronized String lastError() {
    return lastError;
  }

  @Override
  public synchronized void close() {
    closed = true;
    closeQuietly();
  }

  private void openFile() throws IOException {
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    out =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    // Read after opening: a rename in between only costs one needless reopening at the next check.
    openKey = key();
    everOpened = true;
  }

  private void reopenFile() throws IOException {
    closeQuietly();
    openFile();
    reopenings++;
  }

  /** Returns whether the path still names the open file (false: moved or deleted). */
  private boolean sameFile() throws IOException {
    if (openKey == null) {
      return Files.exists(file); // a file system without keys: only a deletion can be seen
    }
    try {
      return openKey.equals(key());
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  private Object key() throws IOException {
    return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
  }

  private void failed(Exception e) {
    failures++;
    lastError = e.toString();
  }

  private void closeQuietly() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException ignored) {
        // closing a file whose writes failed: nothing more to learn
      }
      out = null;
      openKey = null;
    }
  }
}
