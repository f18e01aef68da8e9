package dev.vigil.mitigate.store;

import dev.vigil.mitigate.api.Decision;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable decisions and alerts in one SQLite file (xerial driver), so that a restart neither
 * forgets a live decision nor re-applies an expired one, and the alert history survives.
 *
 * <p>The database runs in WAL mode with {@code synchronous=FULL} (a committed decision survives a
 * power cut) and a busy timeout, so several stores (threads or processes) may write the same file.
 * The schema is versioned with {@code PRAGMA user_version}; a file written by a newer release is
 * refused rather than misread; an older one is migrated in place, keeping every row (version 1 had
 * no per-backend outcomes: version 2 adds the {@code backend_outcomes} table). Retention ({@link
 * Retention}) bounds alerts by count and age, and ended decisions (expired or revoked, with their
 * outcomes) likewise, when {@link #prune} runs (on its owner's schedule, never inside a write); a
 * decision still in force is never pruned.
 *
 * <p>Each decision has one {@link Outcome} per backend that carries it out: what the backend last
 * did with it (pending, applied, failed, and the same for its revoke), with the error and the
 * attempts, so that a restart retries what was left pending or failed.
 *
 * <p>Times are stored as epoch nanoseconds, so a decision reads back equal to what was written. A
 * stored row whose value no longer parses (a hand-edited file) is skipped with a warning, never
 * returned.
 *
 * <p>Thread-safe: calls on one store are serialised on its connection.
 */
public final class DecisionStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DecisionStore.class);

  /** The schema version this release writes and reads. */
  public static final int SCHEMA_VERSION = 2;

  /** Longest alert JSON accepted, in characters. */
  public static final int MAX_ALERT_CHARS = 64 * 1024;

  private static final String COLUMNS =
      "id, scope, value, action, reason, score, origin, created_ns, expires_ns, simulated,"
          + " revoked_ns";

  /** Longest backend error kept with an outcome, in characters. */
  public static final int MAX_ERROR_CHARS = 512;

  private final Connection db;
  private final Retention retention;

  /**
   * Bounds on what is kept.
   *
   * @param maxAlerts most alerts kept (the newest)
   * @param maxAlertAge alerts older than this are dropped
   * @param maxEndedDecisions most ended (expired or revoked) decisions kept (the newest)
   * @param maxEndedDecisionAge ended decisions that ended longer ago than this are dropped
   */
  public record Retention(
      int maxAlerts, Duration maxAlertAge, int maxEndedDecisions, Duration maxEndedDecisionAge) {
    /** Validates. */
    public Retention {
      if (maxAlerts < 1 || maxEndedDecisions < 1) {
        throw new IllegalArgumentException("counts must be at least 1");
      }
      if (maxAlertAge.isNegative()
          || maxAlertAge.isZero()
          || maxEndedDecisionAge.isNegative()
          || maxEndedDecisionAge.isZero()) {
        throw new IllegalArgumentException("ages must be positive");
      }
    }

    /** Returns the defaults: 10,000 alerts and ended decisions each, 30 days. */
    public static Retention defaults() {
      return new Retention(10_000, Duration.ofDays(30), 10_000, Duration.ofDays(30));
    }
  }

  /**
   * A stored decision and when it was revoked, if it was.
   *
   * @param decision the decision
   * @param revokedAt when it was lifted or revoked at expiry; empty while in force or lapsed
   *     unrevoked
   */
  public record Stored(Decision decision, Optional<Instant> revokedAt) {}

  /**
   * A stored alert.
   *
   * @param id unique id
   * @param time when it was raised
   * @param json its JSON document, opaque to the store
   */
  public record Alert(String id, Instant time, String json) {
    /** Validates. */
    public Alert {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(time, "time");
      Objects.requireNonNull(json, "json");
    }
  }

  /**
   * What one backend last did with one decision.
   *
   * @param decisionId the decision
   * @param backend the backend's type
   * @param state where the decision stands on it
   * @param error the last failure's message (at most {@value #MAX_ERROR_CHARS} characters), or null
   * @param attempts calls made for the current step (apply, or revoke once the decision ended)
   * @param updated when the state last changed
   */
  public record Outcome(
      String decisionId,
      String backend,
      BackendState state,
      String error,
      int attempts,
      Instant updated) {
    /** Validates; an over-long error is cut. */
    public Outcome {
      Objects.requireNonNull(decisionId, "decisionId");
      Objects.requireNonNull(backend, "backend");
      Objects.requireNonNull(state, "state");
      Objects.requireNonNull(updated, "updated");
      if (attempts < 0) {
        throw new IllegalArgumentException("attempts must not be negative");
      }
      if (error != null && error.length() > MAX_ERROR_CHARS) {
        error = error.substring(0, MAX_ERROR_CHARS);
      }
    }
  }

  private DecisionStore(Connection db, Retention retention) {
    this.db = db;
    this.retention = retention;
  }

  /**
   * Opens (creating if needed) the store in {@code file}.
   *
   * @throws SQLException if the file cannot be opened, or holds a schema of another version
   */
  public static DecisionStore open(Path file, Retention retention) throws SQLException {
    java.util.Properties props = new java.util.Properties();
    // Transactions take the write lock at BEGIN: two processes opening a new file at once wait
    // for each other instead of one failing on a lock upgrade.
    props.setProperty("transaction_mode", "IMMEDIATE");
    props.setProperty("busy_timeout", "10000");
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), props);
    try {
      try (Statement s = c.createStatement()) {
        try (ResultSet r = s.executeQuery("PRAGMA journal_mode = WAL")) {
          String mode = r.next() ? r.getString(1) : "?";
          if (!"wal".equalsIgnoreCase(mode)) {
            throw new SQLException("cannot switch [" + file + "] to WAL mode, got " + mode);
          }
        }
        s.execute("PRAGMA synchronous = FULL");
      }
      migrate(c, file);
      return new DecisionStore(c, retention);
    } catch (SQLException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  private static void migrate(Connection c, Path file) throws SQLException {
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      int version;
      try (ResultSet r = s.executeQuery("PRAGMA user_version")) {
        version = r.next() ? r.getInt(1) : 0;
      }
      if (version > SCHEMA_VERSION) {
        throw new SQLException(
            "["
                + file
                + "] has schema version "
                + version
                + ", newer than this release's "
                + SCHEMA_VERSION
                + "; refusing to touch it");
      }
      if (version < 1) {
        s.execute(
            "CREATE TABLE IF NOT EXISTS decisions ("
                + " id TEXT PRIMARY KEY,"
                + " scope TEXT NOT NULL,"
                + " value TEXT NOT NULL,"
                + " action TEXT NOT NULL,"
                + " reason TEXT NOT NULL,"
                + " score REAL,"
                + " origin TEXT NOT NULL,"
                + " created_ns INTEGER NOT NULL,"
                + " expires_ns INTEGER NOT NULL,"
                + " simulated INTEGER NOT NULL,"
                + " revoked_ns INTEGER)");
        s.execute("CREATE INDEX IF NOT EXISTS decisions_expires ON decisions (expires_ns)");
        s.execute("CREATE INDEX IF NOT EXISTS decisions_created ON decisions (created_ns)");
        s.execute(
            "CREATE TABLE IF NOT EXISTS alerts ("
                + " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                + " id TEXT NOT NULL UNIQUE,"
                + " time_ns INTEGER NOT NULL,"
                + " json TEXT NOT NULL)");
        s.execute("CREATE INDEX IF NOT EXISTS alerts_time ON alerts (time_ns)");
      }
      if (version < 2) {
        // Version 1 kept no outcomes: its decisions in force are re-applied by the start's
        // reconcile, so none needs a row here.
        s.execute(
            "CREATE TABLE IF NOT EXISTS backend_outcomes ("
                + " decision_id TEXT NOT NULL,"
                + " backend TEXT NOT NULL,"
                + " state TEXT NOT NULL,"
                + " error TEXT,"
                + " attempts INTEGER NOT NULL,"
                + " updated_ns INTEGER NOT NULL,"
                + " PRIMARY KEY (decision_id, backend))");
        s.execute("CREATE INDEX IF NOT EXISTS outcomes_state ON backend_outcomes (state)");
      }
      if (version < SCHEMA_VERSION) {
        s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
      }
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  /**
   * Stores {@code d}; storing a decision with an id already stored changes nothing.
   *
   * @return whether it was new
   */
  public boolean put(Decision d) throws SQLException {
    return put(d, List.of());
  }

  /**
   * Stores {@code d} with a {@link BackendState#PENDING} outcome for each of {@code backends}, in
   * one transaction; storing a decision with an id already stored changes nothing. Prunes nothing.
   *
   * @return whether it was new
   */
  public synchronized boolean put(Decision d, List<String> backends) throws SQLException {
    db.setAutoCommit(false);
    try {
      boolean added;
      try (PreparedStatement p =
          db.prepareStatement(
              "INSERT INTO decisions ("
                  + COLUMNS
                  + ") VALUES (?,?,?,?,?,?,?,?,?,?,NULL) ON CONFLICT (id) DO NOTHING")) {
        p.setString(1, d.id());
        p.setString(2, d.scope().name());
        p.setString(3, d.value());
        p.setString(4, d.action().name());
        p.setString(5, d.reason());
        if (Double.isNaN(d.score())) {
          p.setNull(6, java.sql.Types.REAL);
        } else {
          p.setDouble(6, d.score());
        }
        p.setString(7, d.origin().name());
        p.setLong(8, nanos(d.created()));
        p.setLong(9, nanos(d.expires()));
        p.setInt(10, d.simulated() ? 1 : 0);
        added = p.executeUpdate() == 1;
      }
      if (added) {
        for (String b : backends) {
          writeOutcome(new Outcome(d.id(), b, BackendState.PENDING, null, 0, d.created()));
        }
      }
      db.commit();
      return added;
    } catch (SQLException | RuntimeException e) {
      db.rollback();
      throw e;
    } finally {
      db.setAutoCommit(true);
    }
  }

  /** Stores {@code o}, replacing the outcome of its decision and backend. */
  public synchronized void putOutcome(Outcome o) throws SQLException {
    writeOutcome(o);
  }

  private void writeOutcome(Outcome o) throws SQLException {
    try (PreparedStatement p =
        db.prepareStatement(
            "INSERT INTO backend_outcomes (decision_id, backend, state, error, attempts,"
                + " updated_ns) VALUES (?,?,?,?,?,?) ON CONFLICT (decision_id, backend) DO UPDATE"
                + " SET state = excluded.state, error = excluded.error, attempts ="
                + " excluded.attempts, updated_ns = excluded.updated_ns")) {
      p.setString(1, o.decisionId());
      p.setString(2, o.backend());
      p.setString(3, o.state().name());
      p.setString(4, o.error());
      p.setInt(5, o.attempts());
      p.setLong(6, nanos(o.updated()));
      p.executeUpdate();
    }
  }

  /** Returns the outcomes of decision {@code id}, by backend name. */
  public synchronized List<Outcome> outcomes(String id) throws SQLException {
    return outcomeQuery("WHERE decision_id = ? ORDER BY backend", id);
  }

  /**
   * Returns the outcomes still to settle (pending or failed, apply or revoke), oldest first: what a
   * restart retries.
   */
  public synchronized List<Outcome> unsettled() throws SQLException {
    StringBuilder in = new StringBuilder();
    for (BackendState st : BackendState.values()) {
      if (!st.settled()) {
        in.append(in.length() == 0 ? "'" : ",'").append(st.name()).append('\'');
      }
    }
    return outcomeQuery("WHERE state IN (" + in + ") ORDER BY updated_ns", null);
  }

  /** Returns the outcomes on {@code backend} in {@code state}, oldest first. */
  public synchronized List<Outcome> outcomes(String backend, BackendState state)
      throws SQLException {
    return outcomeQuery(
        "WHERE backend = ? AND state = '" + state.name() + "' ORDER BY updated_ns", backend);
  }

  private List<Outcome> outcomeQuery(String where, String arg) throws SQLException {
    List<Outcome> out = new ArrayList<>();
    try (PreparedStatement p =
        db.prepareStatement(
            "SELECT decision_id, backend, state, error, attempts, updated_ns FROM"
                + " backend_outcomes "
                + where)) {
      if (arg != null) {
        p.setString(1, arg);
      }
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          try {
            out.add(
                new Outcome(
                    r.getString(1),
                    r.getString(2),
                    BackendState.valueOf(r.getString(3)),
                    r.getString(4),
                    r.getInt(5),
                    instant(r.getLong(6))));
          } catch (IllegalArgumentException | NullPointerException e) {
            LOG.warn("skipping stored outcome of [{}]: {}", r.getString(1), e.toString());
          }
        }
      }
    }
    return out;
  }

  /**
   * Marks the decision {@code id} revoked at {@code at}, unless it already is.
   *
   * @return whether it was stored and not yet revoked
   */
  public synchronized boolean revoke(String id, Instant at) throws SQLException {
    try (PreparedStatement p =
        db.prepareStatement(
            "UPDATE decisions SET revoked_ns = ? WHERE id = ? AND revoked_ns IS NULL")) {
      p.setLong(1, nanos(at));
      p.setString(2, id);
      return p.executeUpdate() == 1;
    }
  }

  /** Returns the decision {@code id}, if stored. */
  public synchronized Optional<Stored> get(String id) throws SQLException {
    List<Stored> l = query("WHERE id = ?", id);
    return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
  }

  /**
   * Returns the decisions in force at {@code now}: unexpired and unrevoked, simulated ones
   * included, oldest first.
   */
  public synchronized List<Decision> live(Instant now) throws SQLException {
    return query("WHERE revoked_ns IS NULL AND expires_ns > ? ORDER BY created_ns", nanos(now))
        .stream()
        .map(Stored::decision)
        .toList();
  }

  /**
   * Returns the decisions that have expired by {@code now} but were never revoked (e.g. they lapsed
   * while the daemon was down), oldest first: what still needs revoking.
   */
  public synchronized List<Decision> lapsed(Instant now) throws SQLException {
    return query("WHERE revoked_ns IS NULL AND expires_ns <= ? ORDER BY created_ns", nanos(now))
        .stream()
        .map(Stored::decision)
        .toList();
  }

  /**
   * Returns the decisions created at or after {@code from}, oldest first, at most {@code limit}.
   */
  public synchronized List<Stored> since(Instant from, int limit) throws SQLException {
    return query(
        "WHERE created_ns >= ? ORDER BY created_ns LIMIT " + Math.max(0, limit), nanos(from));
  }

  /**
   * Stores an alert; one with an id already stored changes nothing.
   *
   * @throws IllegalArgumentException if {@code json} is longer than {@value #MAX_ALERT_CHARS}
   */
  public synchronized boolean addAlert(Alert a) throws SQLException {
    if (a.json().length() > MAX_ALERT_CHARS) {
      throw new IllegalArgumentException(
          "alert json is " + a.json().length() + " characters, over " + MAX_ALERT_CHARS);
    }
    try (PreparedStatement p =
        db.prepareStatement(
            "INSERT INTO alerts (id, time_ns, json) VALUES (?,?,?) ON CONFLICT (id) DO NOTHING")) {
      p.setString(1, a.id());
      p.setLong(2, nanos(a.time()));
      p.setString(3, a.json());
      return p.executeUpdate() == 1;
    }
  }

  /** Returns the newest {@code limit} alerts, newest first. */
  public synchronized List<Alert> alerts(int limit) throws SQLException {
    List<Alert> out = new ArrayList<>();
    try (PreparedStatement p =
        db.prepareStatement(
            "SELECT id, time_ns, json FROM alerts ORDER BY time_ns DESC, seq DESC LIMIT ?")) {
      p.setInt(1, Math.max(0, limit));
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(new Alert(r.getString(1), instant(r.getLong(2)), r.getString(3)));
        }
      }
    }
    return out;
  }

  /**
   * Returns up to {@code limit} alerts whose id, read as a number, is below {@code beforeId} and
   * that were raised at or after {@code since}, highest id first: one page of a listing that goes
   * back through ids (the daemon's alert ids increase). An id that is not a number reads as 0.
   *
   * @param beforeId exclusive upper bound of the ids, or null for none
   * @param since earliest time, or null for none
   */
  public synchronized List<Alert> alertsBefore(Long beforeId, Instant since, int limit)
      throws SQLException {
    List<Alert> out = new ArrayList<>();
    try (PreparedStatement p =
        db.prepareStatement(
            "SELECT id, time_ns, json FROM alerts WHERE CAST(id AS INTEGER) < ? AND time_ns >= ?"
                + " ORDER BY CAST(id AS INTEGER) DESC, seq DESC LIMIT ?")) {
      p.setLong(1, beforeId == null ? Long.MAX_VALUE : beforeId);
      p.setLong(2, since == null ? Long.MIN_VALUE : nanos(since));
      p.setInt(3, Math.max(0, limit));
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(new Alert(r.getString(1), instant(r.getLong(2)), r.getString(3)));
        }
      }
    }
    return out;
  }

  /**
   * Applies retention at {@code now}: drops alerts and ended decisions beyond the counts or older
   * than the ages, with the outcomes of the decisions dropped. Its owner calls it on a schedule; no
   * write prunes, so a write's result never depends on a prune.
   *
   * @return how many rows were deleted
   */
  public synchronized int prune(Instant now) throws SQLException {
    int n = 0;
    try (PreparedStatement p = db.prepareStatement("DELETE FROM alerts WHERE time_ns < ?")) {
      p.setLong(1, nanos(now.minus(retention.maxAlertAge())));
      n += p.executeUpdate();
    }
    try (PreparedStatement p =
        db.prepareStatement(
            "DELETE FROM alerts WHERE seq NOT IN"
                + " (SELECT seq FROM alerts ORDER BY time_ns DESC, seq DESC LIMIT ?)")) {
      p.setInt(1, retention.maxAlerts());
      n += p.executeUpdate();
    }
    // A decision has ended when it was revoked, or expired (lapsed unrevoked ones are kept until
    // revoked, so that a restart still revokes them).
    String end = "COALESCE(revoked_ns, expires_ns)";
    try (PreparedStatement p =
        db.prepareStatement(
            "DELETE FROM decisions WHERE revoked_ns IS NOT NULL AND " + end + " < ?")) {
      p.setLong(1, nanos(now.minus(retention.maxEndedDecisionAge())));
      n += p.executeUpdate();
    }
    try (PreparedStatement p =
        db.prepareStatement(
            "DELETE FROM decisions WHERE revoked_ns IS NOT NULL AND id NOT IN (SELECT id FROM"
                + " decisions WHERE revoked_ns IS NOT NULL ORDER BY "
                + end
                + " DESC LIMIT ?)")) {
      p.setInt(1, retention.maxEndedDecisions());
      n += p.executeUpdate();
    }
    try (Statement st = db.createStatement()) {
      st.executeUpdate(
          "DELETE FROM backend_outcomes WHERE decision_id NOT IN (SELECT id FROM decisions)");
    }
    return n;
  }

  private List<Stored> query(String where, Object arg) throws SQLException {
    List<Stored> out = new ArrayList<>();
    try (PreparedStatement p =
        db.prepareStatement("SELECT " + COLUMNS + " FROM decisions " + where)) {
      p.setObject(1, arg);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          String id = r.getString(1);
          try {
            double score = r.getDouble(6);
            if (r.wasNull()) {
              score = Double.NaN;
            }
            Decision.Scope scope = Decision.Scope.valueOf(r.getString(2));
            Decision d =
                new Decision(
                    id,
                    scope,
                    dev.vigil.mitigate.api.Targets.canonical(scope, r.getString(3)),
                    Decision.Action.valueOf(r.getString(4)),
                    r.getString(5),
                    score,
                    Decision.Origin.valueOf(r.getString(7)),
                    instant(r.getLong(8)),
                    instant(r.getLong(9)),
                    r.getInt(10) != 0);
            long revoked = r.getLong(11);
            Optional<Instant> rev = r.wasNull() ? Optional.empty() : Optional.of(instant(revoked));
            out.add(new Stored(d, rev));
          } catch (IllegalArgumentException e) {
            LOG.warn("skipping stored decision [{}]: {}", id, e.getMessage());
          }
        }
      }
    }
    return out;
  }

  private static long nanos(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
  }

  private static Instant instant(long nanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }

  /** Closes the connection (checkpointing the WAL if this is the last one). */
  @Override
  public synchronized void close() throws SQLException {
    db.close();
  }
}
