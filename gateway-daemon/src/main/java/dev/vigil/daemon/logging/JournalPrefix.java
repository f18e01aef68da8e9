package dev.vigil.daemon.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * Logback converter {@code %journal}: under systemd, when standard error is the journal's stream
 * ({@code JOURNAL_STREAM} names its device and inode), the line's syslog priority as {@code <N>}
 * (journald reads it, so {@code journalctl -p warning} filters) and no timestamp (journald keeps
 * its own); otherwise the full local date and time with offset.
 */
public final class JournalPrefix extends ClassicConverter {
  private static final boolean JOURNAL = toJournal(System.getenv("JOURNAL_STREAM"));
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxxx").withZone(ZoneId.systemDefault());

  @Override
  public String convert(ILoggingEvent e) {
    if (JOURNAL) {
      return "<" + priority(e.getLevel()) + ">";
    }
    return TIME.format(Instant.ofEpochMilli(e.getTimeStamp())) + " ";
  }

  /** The syslog priority of a level: error 3, warn 4, info 6, debug and trace 7. */
  static int priority(Level l) {
    if (l.isGreaterOrEqual(Level.ERROR)) {
      return 3;
    }
    if (l.isGreaterOrEqual(Level.WARN)) {
      return 4;
    }
    if (l.isGreaterOrEqual(Level.INFO)) {
      return 6;
    }
    return 7;
  }

  /**
   * Whether standard error is the stream {@code journalStream} ({@code DEVICE:INODE}) names: the
   * link {@code /proc/self/fd/2} reads {@code socket:[INODE]} then. A child process that inherited
   * the variable but writes elsewhere does not prefix.
   */
  static boolean toJournal(String journalStream) {
    if (journalStream == null || journalStream.indexOf(':') < 0) {
      return false;
    }
    String inode = journalStream.substring(journalStream.indexOf(':') + 1);
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.equals("socket:[" + inode + "]");
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
