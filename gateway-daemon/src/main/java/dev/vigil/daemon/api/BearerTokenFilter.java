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

/**
 * Guards the mutating calls of {@code /decisions} ({@code POST /decisions}, {@code DELETE
 * /decisions/{id}}) before {@link DecisionsController} sees them: while mitigation is not running
 * they are refused as the controller refuses reads (404 not configured, 503 not started); else they
 * need {@code Authorization: Bearer TOKEN} with the {@link BearerToken} of {@code
 * mitigation.token-file}: 401 (with {@code WWW-Authenticate: Bearer}) without it or with a wrong
 * one, 403 when no token is configured. Every refusal answers {@code {"error": why}} and is counted
 * by reason. Reads ({@code GET}) pass untouched.
 *
 * <p>Thread-safe: stateless.
 */
@ServerFilter(
    value = {"/decisions", "/decisions/**"},
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

  private static boolean mutating(HttpMethod method) {
    return method == HttpMethod.POST || method == HttpMethod.DELETE;
  }
}
