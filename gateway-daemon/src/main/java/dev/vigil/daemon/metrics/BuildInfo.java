package dev.vigil.daemon.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The version and git commit the daemon was built from, as the build wrote them into {@value
 * #RESOURCE} (gateway-daemon's pom), exported as {@code vigil_build_info{version, commit} 1} so
 * that a dashboard can tell which gateways run which build. Either is {@code unknown} where the
 * build could not tell (a build outside a git checkout, or classes not built by Maven).
 *
 * <p>Immutable.
 */
@Singleton
public final class BuildInfo implements MeterBinder {
  /** The class-path resource the build writes. */
  public static final String RESOURCE = "/vigil-build.properties";

  private static final String UNKNOWN = "unknown";

  private final String version;
  private final String commit;

  /** Reads {@value #RESOURCE} from the class path. */
  public BuildInfo() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // left unknown
    }
    this.version = orUnknown(p.getProperty("version"));
    this.commit = orUnknown(p.getProperty("commit"));
  }

  private static String orUnknown(String s) {
    return s == null || s.isBlank() ? UNKNOWN : s.trim();
  }

  /** Returns the project version, e.g. {@code 0.1.0-SNAPSHOT}. */
  public String version() {
    return version;
  }

  /** Returns the abbreviated git commit (12 hex digits), or {@code unknown}. */
  public String commit() {
    return commit;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("vigil.build.info", () -> 1)
        .description("Always 1; its labels name the version and git commit of the running build")
        .tag("version", version)
        .tag("commit", commit)
        .register(registry);
  }
}
