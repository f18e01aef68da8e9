package dev.vigil.daemon.alerts;

import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.Targets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which alerts {@code GET /alerts} answers: those detected at or after {@code since}, of at least
 * {@code minSeverity}, from one {@code detector}, about one source address {@code src}, with an id
 * below the {@code before} cursor; at most {@code limit}, newest (highest id) first. Absent filters
 * are null.
 *
 * @param since earliest {@code vigil.detected_at}, or null
 * @param minSeverity lowest severity rank (see {@link #SEVERITIES}), or -1 for any
 * @param detector {@code vigil.detector}, or null
 * @param src canonical {@code src_ip}, or null
 * @param before only alerts whose numeric id is below it, or null (the paging cursor)
 * @param limit most alerts answered, 1 to {@link #MAX_LIMIT}
 */
public record AlertQuery(
    Instant since, int minSeverity, String detector, String src, Long before, int limit) {
  /** Most alerts one request may ask for. */
  public static final int MAX_LIMIT = 10_000;

  /** Severities in increasing order; an alert's rank is its index. */
  public static final List<String> SEVERITIES = List.of("low", "medium", "high", "critical");

  /** The detectors that raise alerts. */
  public static final Set<String> DETECTORS =
      Set.of("ensemble", "beacon", "auth", "scan", "flood", "telemetry");

  /** Validates. */
  public AlertQuery {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT);
    }
  }

  /**
   * Reads the query parameters of {@code GET /alerts}; null or empty ones are absent.
   *
   * @throws IllegalArgumentException naming every bad parameter and what it takes
   */
  public static AlertQuery parse(
      String since, String severity, String detector, String src, String before, String limit) {
    List<String> problems = new ArrayList<>();
    Instant from = null;
    if (present(since)) {
      try {
        from = Instant.parse(since.strip());
      } catch (DateTimeParseException e) {
        problems.add(
            "since must be an ISO-8601 instant such as 2026-01-31T12:00:00Z, was '"
                + quote(since)
                + "'");
      }
    }
    int rank = -1;
    if (present(severity)) {
      rank = SEVERITIES.indexOf(severity.strip().toLowerCase(Locale.ROOT));
      if (rank < 0) {
        problems.add(
            "severity must be one of "
                + String.join(", ", SEVERITIES)
                + ", was '"
                + quote(severity)
                + "'");
      }
    }
    String det = null;
    if (present(detector)) {
      det = detector.strip().toLowerCase(Locale.ROOT);
      if (!DETECTORS.contains(det)) {
        problems.add(
            "detector must be one of ensemble, beacon, auth, telemetry, was '"
                + quote(detector)
                + "'");
        det = null;
      }
    }
    String ip = null;
    if (present(src)) {
      try {
        ip = Targets.canonical(Decision.Scope.IP, src.strip());
      } catch (IllegalArgumentException e) {
        problems.add("src must be an IPv4 or IPv6 address: " + e.getMessage());
      }
    }
    Long cursor = null;
    if (present(before)) {
      try {
        cursor = Long.parseLong(before.strip());
      } catch (NumberFormatException e) {
        cursor = -1L;
      }
      if (cursor < 1) {
        problems.add(
            "before must be an alert id (a positive integer), was '" + quote(before) + "'");
      }
    }
    int n = 100;
    if (present(limit)) {
      try {
        n = Integer.parseInt(limit.strip());
      } catch (NumberFormatException e) {
        n = -1;
      }
      if (n < 1 || n > MAX_LIMIT) {
        problems.add(
            "limit must be an integer between 1 and " + MAX_LIMIT + ", was '" + quote(limit) + "'");
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return new AlertQuery(from, rank, det, ip, cursor, n);
  }

  /** Returns this query asking for {@code n} alerts. */
  public AlertQuery withLimit(int n) {
    return new AlertQuery(since, minSeverity, detector, src, before, n);
  }

  /** Returns this query for the page after the alert with id {@code lastId}. */
  public AlertQuery after(long lastId) {
    return new AlertQuery(since, minSeverity, detector, src, lastId, limit);
  }

  /** Returns whether {@code a} passes the cursor and every filter. */
  public boolean matches(Alert a) {
    Alert.Detail d = a.vigil();
    if (d == null) {
      return false;
    }
    if (before != null && id(a) >= before) {
      return false;
    }
    if (minSeverity >= 0
        && SEVERITIES.indexOf(String.valueOf(d.severity()).toLowerCase(Locale.ROOT))
            < minSeverity) {
      return false;
    }
    if (detector != null && !detector.equals(d.detector())) {
      return false;
    }
    if (src != null && !src.equals(a.srcIp())) {
      return false;
    }
    if (since != null) {
      try {
        return !EveTime.parse(d.detectedAt()).isBefore(since);
      } catch (DateTimeParseException | NullPointerException e) {
        return false;
      }
    }
    return true;
  }

  /** Returns the alert's numeric id, or {@link Long#MAX_VALUE} if it has none. */
  public static long id(Alert a) {
    try {
      return Long.parseLong(a.vigil().id());
    } catch (NumberFormatException | NullPointerException e) {
      return Long.MAX_VALUE;
    }
  }

  /** Returns the query string of these filters (without {@code before}), for a next link. */
  public String queryString() {
    StringBuilder q = new StringBuilder("limit=").append(limit);
    if (since != null) {
      q.append("&since=").append(since);
    }
    if (minSeverity >= 0) {
      q.append("&severity=").append(SEVERITIES.get(minSeverity));
    }
    if (detector != null) {
      q.append("&detector=").append(detector);
    }
    if (src != null) {
      q.append("&src=").append(src); // canonical: digits, dots, hex, colons only
    }
    return q.toString();
  }

  private static boolean present(String s) {
    return s != null && !s.isBlank();
  }

  private static String quote(String s) {
    return Targets.quote(s);
  }
}
