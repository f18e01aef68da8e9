package dev.vigil.daemon.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Applies the configuration's log levels ({@code logging.level}) to logback, at start and on
 * reload. Loggers the configuration stops naming go back to the level they had before Vigil first
 * changed them (logback.xml's), so a reload can also undo.
 */
public final class LogLevels {
  private static final Map<String, Level> ORIGINAL = new HashMap<>();

  private LogLevels() {}

  /** Sets each named logger's level ({@code root} is the root logger); resets the others. */
  public static synchronized void apply(Map<String, String> levels) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
      return; // another SLF4J binding (tests): nothing to set
    }
    for (Map.Entry<String, Level> e : ORIGINAL.entrySet()) {
      if (!levels.containsKey(e.getKey())) {
        logger(ctx, e.getKey()).setLevel(e.getValue());
      }
    }
    for (Map.Entry<String, String> e : levels.entrySet()) {
      Logger l = logger(ctx, e.getKey());
      ORIGINAL.putIfAbsent(e.getKey(), l.getLevel());
      l.setLevel(Level.toLevel(e.getValue(), Level.INFO));
    }
  }

  private static Logger logger(LoggerContext ctx, String name) {
    return ctx.getLogger(name.equals("root") ? Logger.ROOT_LOGGER_NAME : name);
  }
}
