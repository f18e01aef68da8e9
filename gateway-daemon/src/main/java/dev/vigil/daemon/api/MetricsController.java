package dev.vigil.daemon.api;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Produces;

/**
 * Serves {@code GET /metrics}, the path Prometheus scrapes by default, with the same exposition as
 * Micronaut's {@code /prometheus} endpoint (both read the one registry). Micronaut's own JSON
 * {@code metrics} endpoint, which would claim the path, stays disabled ({@code application.yml}).
 */
@Controller
final class MetricsController {
  /** The Prometheus text exposition format, as {@code /prometheus} serves it. */
  static final String TEXT_FORMAT = "text/plain; version=0.0.4";

  private final PrometheusMeterRegistry registry;

  MetricsController(PrometheusMeterRegistry registry) {
    this.registry = registry;
  }

  @Get("/metrics")
  @Produces(TEXT_FORMAT)
  String scrape() {
    return registry.scrape();
  }
}
