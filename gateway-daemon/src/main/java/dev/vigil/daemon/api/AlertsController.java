package dev.vigil.daemon.api;

import dev.vigil.daemon.alerts.Alert;
import dev.vigil.daemon.alerts.AlertStore;
import dev.vigil.daemon.mitigation.MitigationService;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import java.util.List;
import java.util.Map;

/**
 * Serves {@code GET /alerts}: the most recent alerts, newest first. With mitigation configured they
 * are read from its durable store (so they survive a restart), else from memory.
 */
@Controller("/alerts")
final class AlertsController {
  static final int MAX_LIMIT = 10_000;
  private final AlertStore store;
  private final MitigationService mitigation;

  AlertsController(AlertStore store, MitigationService mitigation) {
    this.store = store;
    this.mitigation = mitigation;
  }

  @Get
  HttpResponse<?> list(@QueryValue(defaultValue = "100") String limit) {
    int n;
    try {
      n = Integer.parseInt(limit);
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (n < 1 || n > MAX_LIMIT) {
      return HttpResponse.badRequest(
          Map.of(
              "error",
              "limit must be an integer between 1 and " + MAX_LIMIT + ", was '" + limit + "'"));
    }
    if (mitigation.running()) {
      try {
        // Each stored alert is already one JSON document: served as stored.
        String body = "[" + String.join(",", mitigation.storedAlerts(n)) + "]";
        return HttpResponse.ok(body).contentType(MediaType.APPLICATION_JSON_TYPE);
      } catch (java.sql.SQLException e) {
        return HttpResponse.status(HttpStatus.SERVICE_UNAVAILABLE)
            .body(Map.of("error", "cannot read stored alerts: " + e.getMessage()));
      }
    }
    List<Alert> out = store.newest(n);
    return HttpResponse.ok(out);
  }
}
