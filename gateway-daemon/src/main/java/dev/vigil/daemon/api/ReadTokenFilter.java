package dev.vigil.daemon.api;

import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.daemon.mitigation.BearerToken;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.web.router.RouteAttributes;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guards the read endpoints with {@code api.read-token-file} when it is set: every {@code GET} and
 * {@code HEAD} but {@code /health} ({@code /alerts}, {@code /decisions}, {@code /metrics}, {@code
 * /prometheus}, and paths no route matches) needs {@code Authorization: Bearer TOKEN}: 401 (with
 * {@code WWW-Authenticate: Bearer}) without it or with a wrong one, 403 when the token file cannot
 * be read or is empty (fail closed). Without the setting reads pass untouched, as before. {@code
 * /health} stays open for load balancers and {@code systemctl}-side probes.
 *
 * <p>Which requests it spares is decided by the route the router matched ({@link
 * HealthController}'s), not by the text of the path.
 *
 * <p>Thread-safe: immutable after construction.
 */
@ServerFilter(
    value = "/**",
    methods = {HttpMethod.GET, HttpMethod.HEAD})
final class ReadTokenFilter {
  private static final Logger LOG = LoggerFactory.getLogger(ReadTokenFilter.class);

  private final BearerToken token;

  ReadTokenFilter(VigilConfig config) {
    this.token = config.api().readTokenFile().map(BearerToken::readForReads).orElse(null);
    if (token != null && !token.enabled()) {
      LOG.warn("{}", token.problem());
    }
  }

  /** Returns the refusal of {@code request}, or null to let it through. */
  @RequestFilter
  @Nullable
  HttpResponse<?> check(HttpRequest<?> request) {
    if (token == null || toHealth(request)) {
      return null;
    }
    BearerToken.Refusal r = token.check(request.getHeaders().get(HttpHeaders.AUTHORIZATION));
    if (r == null) {
      return null;
    }
    var resp =
        HttpResponse.status(HttpStatus.valueOf(r.status()))
            .contentType(MediaType.APPLICATION_JSON_TYPE)
            .body(Map.of("error", r.message()));
    return r.status() == 401 ? resp.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer") : resp;
  }

  private static boolean toHealth(HttpRequest<?> request) {
    return RouteAttributes.getRouteInfo(request)
        .map(r -> r.getDeclaringType() == HealthController.class)
        .orElse(false);
  }
}
