package dev.vigil.daemon.pipeline;

import io.micronaut.serde.annotation.Serdeable;
import java.util.Map;

/**
 * One component's health as served by {@code GET /health}.
 *
 * @param status {@code UP}, {@code STARTING}, {@code DEGRADED} (working, but part of it is not,
 *     e.g. a mitigation backend) or {@code DOWN}
 * @param details what an operator needs to see (counts, file names, the error)
 */
@Serdeable
public record ComponentHealth(String status, Map<String, Object> details) {
  /** Status values. */
  public static final String UP = "UP";

  public static final String STARTING = "STARTING";
  public static final String DEGRADED = "DEGRADED";
  public static final String DOWN = "DOWN";

  /** Copies the details. */
  public ComponentHealth {
    details = Map.copyOf(details);
  }
}
