package dev.vigil.daemon.api;

import dev.vigil.daemon.alerts.Alert;
import dev.vigil.daemon.alerts.AlertStore;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import java.util.List;
import java.util.Map;

/** Serves {@code GET /alerts}: the most recent alerts, newest first. */
@Controller("/alerts")
final class AlertsController {
  static final int MAX_LIMIT = 10_000;
  private final AlertStore store;

  AlertsController(AlertStore store) {
    this.store = store;
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
    List<Alert> out = store.newest(n);
    return HttpResponse.ok(out);
  }
}
