package dev.vigil.daemon.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/**
 * Gives every command's {@code --version} from the build: {@code vigil-build.properties} on the
 * class path (keys {@code version} and {@code commit}, filtered by Maven), else the jar manifest's
 * {@code Implementation-Version}, else {@code unknown}. Prints {@code vigil <version> (commit
 * <commit>)}.
 *
 * <p>Thread-safe: stateless.
 */
public final class BuildVersion implements CommandLine.IVersionProvider {
  static final String RESOURCE = "/vigil-build.properties";
  static final String UNKNOWN = "unknown";

  @Override
  public String[] getVersion() {
    return new String[] {line()};
  }

  /** Returns {@code vigil <version> (commit <commit>)}. */
  public static String line() {
    Properties p = properties();
    return "vigil " + version(p) + " (commit " + known(p.getProperty("commit")) + ")";
  }

  /** Returns the build's version, or {@code unknown}. */
  public static String version() {
    return version(properties());
  }

  private static String version(Properties p) {
    String v = known(p.getProperty("version"));
    if (v.equals(UNKNOWN)) {
      v = known(BuildVersion.class.getPackage().getImplementationVersion());
    }
    return v;
  }

  private static Properties properties() {
    Properties p = new Properties();
    try (InputStream in = BuildVersion.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // fall back to the manifest
    }
    return p;
  }

  /** Returns {@code s} trimmed, or {@code unknown} if absent, blank or left unfiltered. */
  private static String known(String s) {
    if (s == null || s.isBlank() || s.contains("${")) {
      return UNKNOWN;
    }
    return s.strip();
  }
}
