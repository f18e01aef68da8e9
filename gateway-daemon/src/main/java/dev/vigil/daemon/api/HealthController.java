package dev.vigil.daemon.api;

import dev.vigil.daemon.pipeline.ComponentHealth;
import dev.vigil.daemon.pipeline.HealthState;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.serde.annotation.Serdeable;
import java.util.Map;

/**
 * Serves {@code GET /health}: the overall status and each component's; 200 when UP, 503 otherwise.
 */
@Controller("/health")
final class HealthController {
  private final HealthState health;

  HealthController(HealthState health) {
    this.health = health;
  }

  /**
   * The health document.
   *
   * @param status overall status
   * @param components each component's health
   */
  @Serdeable
  record Health(String status, Map<String, ComponentHealth> components) {}

  @Get
  HttpResponse<Health> get() {
    String overall = health.overall();
    Health body = new Health(overall, health.snapshot());
    return ComponentHealth.UP.equals(overall)
        ? HttpResponse.ok(body)
        : HttpResponse.<Health>status(HttpStatus.SERVICE_UNAVAILABLE).body(body);
  }
}
