package dev.vigil.daemon.api;

import dev.vigil.common.settings.Durations;
import dev.vigil.daemon.mitigation.MitigationService;
import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.DecisionJson;
import dev.vigil.mitigate.api.Targets;
import dev.vigil.mitigate.store.DecisionStore;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.json.JsonMapper;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Serves {@code /decisions}: {@code GET} lists the decisions in force ({@code ?all=true}: also
 * those that ended in the last {@value #RECENT_DAYS} days), {@code POST} enacts an operator's
 * decision, {@code DELETE /decisions/{id}} lifts one. The mutating calls need {@code Authorization:
 * Bearer TOKEN} with the token of {@code mitigation.token-file}, which {@link BearerTokenFilter}
 * checks before they get here (401 without or with a wrong one, 403 when no token is configured).
 * Every refusal answers {@code {"error": reason}} and is counted by reason; nothing is applied
 * unless the whole request is valid.
 *
 * <p>Each decision is served with {@code backends}: one entry per backend of its action, {@code
 * {"backend", "state", "attempts", "error", "updated"}}, where {@code state} is {@code pending},
 * {@code applied}, {@code failed} (retried with backoff), {@code gave_up}, or once it ended {@code
 * revoke_pending}, {@code revoked}, {@code revoke_failed}, {@code revoke_gave_up}. {@code POST}
 * answers 201 as soon as the decision is stored, with each backend's state then (usually {@code
 * pending}: the backends apply on their own threads and never hold up the answer); 400 for an
 * invalid request, 409 for an allowlisted target, 503 when it could not be stored.
 *
 * <p>Thread-safe: stateless; the decisions are the {@link MitigationService}'s.
 */
@Controller("/decisions")
final class DecisionsController {
  static final int RECENT_DAYS = 7;
  static final int MAX_BODY = 4096;
  static final int MAX_REASON = 256;
  static final int MAX_LIMIT = 10_000;
  private static final Set<String> FIELDS =
      Set.of("scope", "value", "action", "ttl", "reason", "dry-run");
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private final MitigationService mitigation;
  private final JsonMapper json;

  DecisionsController(MitigationService mitigation, JsonMapper json) {
    this.mitigation = mitigation;
    this.json = json;
  }

  @Get
  HttpResponse<?> list(
      @QueryValue(defaultValue = "false") String all,
      @QueryValue(defaultValue = "1000") String limit) {
    HttpResponse<?> off = unavailable();
    if (off != null) {
      return off;
    }
    if (!all.equals("true") && !all.equals("false")) {
      return error(
          HttpStatus.BAD_REQUEST, "invalid", "all must be true or false, was '" + all + "'");
    }
    int n;
    try {
      n = Integer.parseInt(limit);
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (n < 1 || n > MAX_LIMIT) {
      return error(
          HttpStatus.BAD_REQUEST,
          "invalid",
          "limit must be an integer between 1 and " + MAX_LIMIT + ", was '" + limit + "'");
    }
    Instant now = mitigation.now();
    List<Map<String, Object>> out = new ArrayList<>();
    if (all.equals("true")) {
      try {
        for (DecisionStore.Stored s : mitigation.recent(Duration.ofDays(RECENT_DAYS), n)) {
          out.add(view(s.decision(), s.revokedAt().orElse(null), now));
        }
      } catch (SQLException e) {
        return error(HttpStatus.SERVICE_UNAVAILABLE, "unavailable", "cannot read decisions: " + e);
      }
    } else {
      List<Decision> live = mitigation.live();
      for (int i = live.size() - 1; i >= 0 && out.size() < n; i--) {
        out.add(view(live.get(i), null, now));
      }
    }
    return HttpResponse.ok(out);
  }

  @Post(consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
  HttpResponse<?> create(@Nullable @Body String body) {
    HttpResponse<?> off = unavailable();
    if (off != null) {
      return off;
    }
    if (body == null || body.isBlank()) {
      return invalid("a JSON object is required, such as " + example());
    }
    if (body.length() > MAX_BODY) {
      return invalid("the body is over " + MAX_BODY + " characters");
    }
    Map<String, Object> req;
    try {
      Object parsed = json.readValue(body, Object.class);
      if (!(parsed instanceof Map<?, ?> m)) {
        return invalid("expected a JSON object, such as " + example());
      }
      req = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        req.put(String.valueOf(e.getKey()), e.getValue());
      }
    } catch (IOException | RuntimeException e) {
      return invalid("not valid JSON; expected an object such as " + example());
    }

    List<String> problems = new ArrayList<>();
    for (String k : new TreeSet<>(req.keySet())) {
      if (!FIELDS.contains(k)) {
        problems.add(
            k + ": unknown field (allowed: " + String.join(", ", new TreeSet<>(FIELDS)) + ")");
      }
    }
    Decision.Scope scope = enumField(req, "scope", Decision.Scope.class, null, problems);
    Decision.Action action =
        enumField(req, "action", Decision.Action.class, Decision.Action.QUARANTINE, problems);
    String value = stringField(req, "value", true, problems);
    String canonical = null;
    if (scope != null && value != null) {
      try {
        canonical = Targets.canonical(scope, value);
      } catch (IllegalArgumentException e) {
        problems.add("value: " + e.getMessage());
      }
    }
    Duration maxTtl = mitigation.config().maxManualTtl();
    Duration ttl = null;
    String ttlText = stringField(req, "ttl", true, problems);
    if (ttlText != null) {
      ttl = Durations.parse(ttlText.trim());
      if (ttl == null) {
        problems.add(
            "ttl: expected a duration such as 30s, 10m, 1h, 7d or PT10M, got '"
                + Targets.quote(ttlText)
                + "'");
      } else if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(maxTtl) > 0) {
        problems.add(
            "ttl: must be between 1s and "
                + human(maxTtl)
                + " (mitigation.max-manual-ttl), was "
                + human(ttl));
        ttl = null;
      }
    }
    String reason = stringField(req, "reason", false, problems);
    if (reason != null && reason.length() > MAX_REASON) {
      problems.add("reason: at most " + MAX_REASON + " characters");
    }
    boolean dryRun = false;
    Object dr = req.get("dry-run");
    if (dr != null) {
      if (dr instanceof Boolean b) {
        dryRun = b;
      } else {
        problems.add("dry-run: expected true or false");
      }
    }
    if (!problems.isEmpty()) {
      return invalid(String.join("; ", problems));
    }
    if (mitigation.allowlisted(scope, canonical)) {
      return error(
          HttpStatus.CONFLICT,
          "allowlisted",
          scope.name().toLowerCase(Locale.ROOT)
              + " ["
              + canonical
              + "] is allowlisted (policy allowlist or the gateway's own addresses)");
    }
    Instant now = mitigation.now();
    Decision d =
        new Decision(
            UUID.randomUUID().toString(),
            scope,
            canonical,
            action,
            "manual" + (reason == null || reason.isBlank() ? "" : ": " + reason.strip()),
            Double.NaN,
            Decision.Origin.MANUAL,
            now,
            now.plus(ttl),
            dryRun || mitigation.dryRun());
    Decision made;
    try {
      made = mitigation.submit(d);
    } catch (IllegalArgumentException e) {
      String m = String.valueOf(e.getMessage());
      if (m.endsWith("is allowlisted")) {
        return error(HttpStatus.CONFLICT, "allowlisted", m);
      }
      return error(HttpStatus.SERVICE_UNAVAILABLE, "unavailable", m);
    }
    return HttpResponse.created(view(made, null, now))
        .header(HttpHeaders.LOCATION, "/decisions/" + made.id());
  }

  @Delete("/{id}")
  HttpResponse<?> lift(@PathVariable String id) {
    HttpResponse<?> off = unavailable();
    if (off != null) {
      return off;
    }
    if (!ID.matcher(id).matches()) {
      return invalid("id: not a decision id");
    }
    if (!mitigation.lift(id)) {
      return error(HttpStatus.NOT_FOUND, "not_found", "no decision [" + id + "] is in force");
    }
    return HttpResponse.noContent();
  }

  private HttpResponse<?> unavailable() {
    return unavailable(mitigation);
  }

  /**
   * Returns the refusal (counted) of a {@code /decisions} request while mitigation is not running:
   * 404 when it is not configured, 503 when it failed to start or is shutting down; else null.
   */
  static MutableHttpResponse<?> unavailable(MitigationService mitigation) {
    String why = mitigation.unavailable();
    if (why == null) {
      return null;
    }
    return mitigation.configured()
        ? error(mitigation, HttpStatus.SERVICE_UNAVAILABLE, "unavailable", why)
        : error(mitigation, HttpStatus.NOT_FOUND, "not_configured", why);
  }

  private HttpResponse<?> invalid(String message) {
    return error(HttpStatus.BAD_REQUEST, "invalid", message);
  }

  private MutableHttpResponse<?> error(HttpStatus status, String reason, String message) {
    return error(mitigation, status, reason, message);
  }

  /** Returns a refusal, {@code {"error": message}}, counted by {@code reason}. */
  static MutableHttpResponse<?> error(
      MitigationService mitigation, HttpStatus status, String reason, String message) {
    mitigation.refused(reason);
    return HttpResponse.status(status).body(Map.of("error", message));
  }

  private static String example() {
    return "{\"scope\":\"ip\",\"value\":\"10.0.0.5\",\"action\":\"quarantine\",\"ttl\":\"10m\","
        + "\"reason\":\"...\"}";
  }

  private static String stringField(
      Map<String, Object> req, String k, boolean required, List<String> problems) {
    Object v = req.get(k);
    if (v == null) {
      if (required) {
        problems.add(k + ": required");
      }
      return null;
    }
    if (!(v instanceof String s) || s.isBlank()) {
      problems.add(k + ": expected a non-empty string");
      return null;
    }
    return s;
  }

  private static <E extends Enum<E>> E enumField(
      Map<String, Object> req, String k, Class<E> type, E def, List<String> problems) {
    List<String> allowed = new ArrayList<>();
    for (E c : type.getEnumConstants()) {
      allowed.add(c.name().toLowerCase(Locale.ROOT));
    }
    Object v = req.get(k);
    if (v == null) {
      if (def == null) {
        problems.add(k + ": required (one of " + String.join(", ", allowed) + ")");
      }
      return def;
    }
    if (v instanceof String s && allowed.contains(s.trim().toLowerCase(Locale.ROOT))) {
      return Enum.valueOf(type, s.trim().toUpperCase(Locale.ROOT));
    }
    problems.add(
        k
            + ": unknown value ["
            + Targets.quote(String.valueOf(v))
            + "] (allowed: "
            + String.join(", ", allowed)
            + ")");
    return null;
  }

  private static String human(Duration d) {
    return d.toString().substring(2).toLowerCase(Locale.ROOT);
  }

  /** A decision as served: DecisionJson's fields (without event_type and op), and its state. */
  private Map<String, Object> view(Decision d, Instant revokedAt, Instant now) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", d.id());
    m.put("scope", d.scope().name().toLowerCase(Locale.ROOT));
    m.put("value", d.value());
    m.put("action", d.action().name().toLowerCase(Locale.ROOT));
    m.put("reason", d.reason());
    if (Double.isFinite(d.score())) {
      m.put("score", d.score());
    }
    m.put("origin", d.origin().name().toLowerCase(Locale.ROOT));
    m.put("created", d.created().toString());
    m.put("expires", d.expires().toString());
    m.put("ttl_seconds", DecisionJson.ttlSeconds(d));
    m.put("simulated", d.simulated());
    String state;
    if (revokedAt != null) {
      state = revokedAt.isBefore(d.expires()) ? "lifted" : "expired";
      m.put("ended", revokedAt.toString());
    } else {
      state = d.expiredAt(now) ? "expired" : "live";
    }
    m.put("state", state);
    List<Map<String, Object>> backends = new ArrayList<>();
    for (DecisionStore.Outcome o : mitigation.outcomes(d)) {
      Map<String, Object> b = new LinkedHashMap<>();
      b.put("backend", o.backend());
      b.put("state", o.state().text());
      b.put("attempts", o.attempts());
      if (o.error() != null) {
        b.put("error", o.error());
      }
      b.put("updated", o.updated().toString());
      backends.add(b);
    }
    m.put("backends", backends);
    return m;
  }
}
