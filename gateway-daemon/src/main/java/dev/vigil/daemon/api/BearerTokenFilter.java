package dev.vigil.daemon.api;

import dev.vigil.daemon.mitigation.BearerToken;
import dev.vigil.daemon.mitigation.MitigationService;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.web.router.RouteAttributes;

/**
 * Guards the mutating calls of {@code /decisions} ({@code POST /decisions}, {@code DELETE
 * /decisions/{id}}) before {@link DecisionsController} sees them: while mitigation is not running
 * they are refused as the controller refuses reads (404 not configured, 503 not started); else they
 * need {@code Authorization: Bearer TOKEN} with the {@link BearerToken} of {@code
 * mitigation.token-file}: 401 (with {@code WWW-Authenticate: Bearer}) without it or with a wrong
 * one, 403 when no token is configured. Every refusal answers {@code {"error": why}} and is counted
 * by reason. Reads ({@code GET}) pass untouched.
 *
 * <p>Which requests it guards is decided by the route the router matched ({@link
 * DecisionsController}'s), not by the text of the path: a spelling the router accepts for the same
 * route ({@code /decisions/}, {@code //decisions}, {@code /./decisions}) cannot slip past it.
 *
 * <p>Thread-safe: stateless.
 */
@ServerFilter(
    value = "/**",
    methods = {HttpMethod.POST, HttpMethod.DELETE})
final class BearerTokenFilter {
  private final MitigationService mitigation;
  private final BearerToken token;

  BearerTokenFilter(MitigationService mitigation, BearerToken token) {
    this.mitigation = mitigation;
    this.token = token;
  }

  /** Returns the refusal of {@code request}, or null to let it through. */
  @RequestFilter
  @Nullable
  HttpResponse<?> check(HttpRequest<?> request) {
    return toDecisions(request) ? refusal(request) : null;
  }

  /** Returns the refusal of {@code request} to {@link DecisionsController}, or null if allowed. */
  @Nullable
  HttpResponse<?> refusal(HttpRequest<?> request) {
    if (!mutating(request.getMethod())) {
      return null;
    }
    MutableHttpResponse<?> off = DecisionsController.unavailable(mitigation);
    if (off != null) {
      return off;
    }
    BearerToken.Refusal r = token.check(request.getHeaders().get(HttpHeaders.AUTHORIZATION));
    if (r == null) {
      return null;
    }
    MutableHttpResponse<?> resp =
        DecisionsController.error(
            mitigation, HttpStatus.valueOf(r.status()), r.reason(), r.message());
    return r.status() == 401 ? resp.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer") : resp;
  }

  /** Returns whether the router sent {@code request} to {@link DecisionsController}. */
  static boolean toDecisions(HttpRequest<?> request) {
    return RouteAttributes.getRouteInfo(request)
        .map(r -> r.getDeclaringType() == DecisionsController.class)
        .orElse(false);
  }

  private static boolean mutating(HttpMethod method) {
    return method == HttpMethod.POST || method == HttpMethod.DELETE;
  }
}
