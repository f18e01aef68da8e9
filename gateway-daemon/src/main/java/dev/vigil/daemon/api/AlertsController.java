package dev.vigil.daemon.api;

import dev.vigil.daemon.alerts.Alert;
import dev.vigil.daemon.alerts.AlertQuery;
import dev.vigil.daemon.alerts.AlertStore;
import dev.vigil.daemon.mitigation.MitigationService;
import dev.vigil.mitigate.store.DecisionStore;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Serves {@code GET /alerts}: the most recent alerts, newest (highest id) first, as a JSON array.
 * With mitigation configured they are read from its durable store (so they survive a restart), else
 * from memory.
 *
 * <p>Filters ({@link AlertQuery}): {@code since} (ISO-8601 instant, by detection time), {@code
 * severity} (the lowest: low, medium, high, critical), {@code detector} (ensemble, beacon, auth,
 * telemetry), {@code src} (an IP address), {@code limit} (1 to 10,000, default 100). Paging: when
 * more alerts match than the page holds, the answer carries {@code Link: </alerts?...&before=ID>;
 * rel="next"}, {@code before} being the last alert's id. A bad parameter is answered 400 with
 * {@code {"error": ...}} naming every problem.
 *
 * <p>Thread-safe: stateless.
 */
@Controller("/alerts")
final class AlertsController {
  private final AlertStore store;
  private final MitigationService mitigation;

  AlertsController(AlertStore store, MitigationService mitigation) {
    this.store = store;
    this.mitigation = mitigation;
  }

  @Get
  HttpResponse<?> list(
      @Nullable @QueryValue String since,
      @Nullable @QueryValue String severity,
      @Nullable @QueryValue String detector,
      @Nullable @QueryValue String src,
      @Nullable @QueryValue String before,
      @Nullable @QueryValue String limit) {
    AlertQuery q;
    try {
      q = AlertQuery.parse(since, severity, detector, src, before, limit);
    } catch (IllegalArgumentException e) {
      return HttpResponse.badRequest(Map.of("error", e.getMessage()));
    }
    // One more than asked tells whether a next page exists.
    AlertQuery probe = q.limit() < AlertQuery.MAX_LIMIT ? q.withLimit(q.limit() + 1) : q;
    MutableHttpResponse<?> response;
    String lastId;
    boolean more;
    if (mitigation.running()) {
      List<DecisionStore.Alert> page;
      try {
        page = new ArrayList<>(mitigation.storedAlerts(probe));
      } catch (java.sql.SQLException e) {
        return HttpResponse.status(HttpStatus.SERVICE_UNAVAILABLE)
            .body(Map.of("error", "cannot read stored alerts: " + e.getMessage()));
      }
      more = page.size() > q.limit();
      List<DecisionStore.Alert> shown = more ? page.subList(0, q.limit()) : page;
      // Each stored alert is already one JSON document: served as stored.
      response =
          HttpResponse.ok(
                  "["
                      + String.join(",", shown.stream().map(DecisionStore.Alert::json).toList())
                      + "]")
              .contentType(MediaType.APPLICATION_JSON_TYPE);
      lastId = shown.isEmpty() ? null : shown.get(shown.size() - 1).id();
    } else {
      List<Alert> page = store.query(probe);
      more = page.size() > q.limit();
      List<Alert> shown = more ? page.subList(0, q.limit()) : page;
      response = HttpResponse.ok(List.copyOf(shown));
      lastId = shown.isEmpty() ? null : shown.get(shown.size() - 1).vigil().id();
    }
    if (more && lastId != null && lastId.chars().allMatch(Character::isDigit)) {
      response.header(
          "Link", "</alerts?" + q.queryString() + "&before=" + lastId + ">; rel=\"next\"");
    }
    return response;
  }
}
