package dev.vigil.mitigate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.mitigate.api.Decision;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecisionStoreTest {
  private static final Instant T0 = Instant.parse("2026-03-02T12:00:00.123456789Z");

  @TempDir Path dir;

  static Decision decision(String id, String ip, Instant created, Duration ttl) {
    return new Decision(
        id,
        Decision.Scope.IP,
        ip,
        Decision.Action.QUARANTINE,
        "scan [rule r]",
        0.93,
        Decision.Origin.DETECTOR,
        created,
        created.plus(ttl),
        false);
  }

  private DecisionStore open() throws SQLException {
    return DecisionStore.open(dir.resolve("vigil.db"), DecisionStore.Retention.defaults());
  }

  @Test
  void restart_keepsLiveDecisionsAndDoesNotReturnExpiredOnes() throws Exception {
    Decision live = decision("live", "10.0.0.1", T0, Duration.ofHours(1));
    Decision shortLived = decision("short", "10.0.0.2", T0, Duration.ofMinutes(1));
    Decision lifted = decision("lifted", "10.0.0.3", T0, Duration.ofHours(1));
    Decision manual =
        new Decision(
            "manual",
            Decision.Scope.MAC,
            "02:00:5e:10:00:01",
            Decision.Action.ALERT,
            "by hand",
            Double.NaN,
            Decision.Origin.MANUAL,
            T0,
            T0.plusSeconds(7200),
            true);
    try (DecisionStore s = open()) {
      assertThat(s.put(live)).isTrue();
      assertThat(s.put(live)).isFalse();
      s.put(shortLived);
      s.put(lifted);
      s.put(manual);
      assertThat(s.revoke("lifted", T0.plusSeconds(5))).isTrue();
      assertThat(s.revoke("lifted", T0.plusSeconds(6))).isFalse();
      assertThat(s.revoke("nope", T0)).isFalse();
    }
    // "Restart": a new store on the same file, ten minutes later.
    Instant later = T0.plus(Duration.ofMinutes(10));
    try (DecisionStore s = open()) {
      assertThat(s.live(later)).containsExactly(live, manual);
      assertThat(s.lapsed(later)).containsExactly(shortLived);
      assertThat(s.get("lifted").orElseThrow().revokedAt()).contains(T0.plusSeconds(5));
      assertThat(s.get("live").orElseThrow().decision()).isEqualTo(live);
      assertThat(s.get("manual").orElseThrow().decision().score()).isNaN();
      assertThat(s.since(T0, 10)).hasSize(4);
      s.revoke("short", later);
      assertThat(s.lapsed(later)).isEmpty();
    }
  }

  @Test
  void open_usesWalAndRefusesNewerSchema() throws Exception {
    open().close();
    String url = "jdbc:sqlite:" + dir.resolve("vigil.db");
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement()) {
      try (ResultSet r = st.executeQuery("PRAGMA journal_mode")) {
        assertThat(r.next()).isTrue();
        assertThat(r.getString(1)).isEqualTo("wal");
      }
      try (ResultSet r = st.executeQuery("PRAGMA user_version")) {
        assertThat(r.getInt(1)).isEqualTo(DecisionStore.SCHEMA_VERSION);
      }
      st.execute("PRAGMA user_version = 99");
    }
    assertThatThrownBy(this::open).hasMessageContaining("schema version 99, newer");
  }

  @Test
  void storedRowWithTamperedValueIsSkipped() throws Exception {
    try (DecisionStore s = open()) {
      s.put(decision("ok", "10.0.0.1", T0, Duration.ofHours(1)));
      s.put(decision("bad", "10.0.0.2", T0, Duration.ofHours(1)));
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("vigil.db"));
        Statement st = c.createStatement()) {
      st.execute("UPDATE decisions SET value = '10.0.0.2; reboot' WHERE id = 'bad'");
    }
    try (DecisionStore s = open()) {
      assertThat(s.live(T0)).extracting(Decision::id).containsExactly("ok");
    }
  }

  @Test
  void alerts_surviveRestartNewestFirstAndAreBounded() throws Exception {
    DecisionStore.Retention r =
        new DecisionStore.Retention(5, Duration.ofDays(1), 3, Duration.ofDays(1));
    Path f = dir.resolve("vigil.db");
    try (DecisionStore s = DecisionStore.open(f, r)) {
      for (int i = 0; i < 8; i++) {
        s.addAlert(new DecisionStore.Alert("a" + i, T0.plusSeconds(i), "{\"n\":" + i + "}"));
      }
      // One very old alert.
      s.addAlert(new DecisionStore.Alert("old", T0.minus(Duration.ofDays(3)), "{}"));
      s.prune(T0.plusSeconds(10));
    }
    try (DecisionStore s = DecisionStore.open(f, r)) {
      assertThat(s.alerts(100))
          .extracting(DecisionStore.Alert::id)
          .containsExactly("a7", "a6", "a5", "a4", "a3");
      assertThat(s.alerts(1).get(0).json()).isEqualTo("{\"n\":7}");
      assertThatThrownBy(() -> s.addAlert(new DecisionStore.Alert("big", T0, "x".repeat(70_000))))
          .hasMessageContaining("over");
    }
  }

  @Test
  void prune_dropsOnlyEndedDecisions() throws Exception {
    DecisionStore.Retention r =
        new DecisionStore.Retention(5, Duration.ofDays(1), 2, Duration.ofDays(1));
    try (DecisionStore s = DecisionStore.open(dir.resolve("vigil.db"), r)) {
      for (int i = 0; i < 5; i++) {
        Decision d =
            decision("ended" + i, "10.0.1." + i, T0.plusSeconds(i), Duration.ofSeconds(30));
        s.put(d);
        s.revoke(d.id(), d.expires());
      }
      Decision live =
          decision("live", "10.0.0.1", T0.minus(Duration.ofDays(5)), Duration.ofDays(30));
      Decision lapsed =
          decision("lapsed", "10.0.0.2", T0.minus(Duration.ofDays(5)), Duration.ofHours(1));
      s.put(live);
      s.put(lapsed);
      s.prune(T0.plusSeconds(60));
      assertThat(s.since(Instant.EPOCH, 100))
          .extracting(x -> x.decision().id())
          .containsExactly("live", "lapsed", "ended3", "ended4");
      // Ended long ago: all gone.
      s.prune(T0.plus(Duration.ofDays(3)));
      assertThat(s.since(Instant.EPOCH, 100))
          .extracting(x -> x.decision().id())
          .containsExactly("live", "lapsed");
    }
  }

  @Test
  void put_neverPrunes_soAWriteNeverFailsOnAPrune() throws Exception {
    DecisionStore.Retention r =
        new DecisionStore.Retention(1, Duration.ofDays(1), 1, Duration.ofDays(1));
    try (DecisionStore s = DecisionStore.open(dir.resolve("vigil.db"), r)) {
      for (int i = 0; i < 200; i++) {
        Decision d = decision("d" + i, "10.0.1." + i, T0.plusSeconds(i), Duration.ofSeconds(1));
        assertThat(s.put(d, List.of("nftables"))).isTrue();
        s.revoke(d.id(), d.expires());
        s.addAlert(new DecisionStore.Alert("a" + i, T0.plusSeconds(i), "{}"));
      }
      // far past the bounds (1 of each), yet only the owner's prune removes rows
      assertThat(s.since(Instant.EPOCH, 1000)).hasSize(200);
      assertThat(s.alerts(1000)).hasSize(200);
      assertThat(s.prune(T0.plusSeconds(300))).isEqualTo(398);
      assertThat(s.since(Instant.EPOCH, 1000))
          .extracting(x -> x.decision().id())
          .containsExactly("d199");
      assertThat(s.outcomes("d0")).isEmpty(); // pruned with its decision
      assertThat(s.outcomes("d199")).hasSize(1);
    }
  }

  @Test
  void outcomes_areStoredPerBackendAndUnsettledOnesListed() throws Exception {
    Decision d = decision("d", "10.0.0.1", T0, Duration.ofHours(1));
    try (DecisionStore s = open()) {
      assertThat(s.put(d, List.of("nftables", "webhook"))).isTrue();
      assertThat(s.put(d, List.of("nftables", "webhook"))).isFalse();
      s.putOutcome(new DecisionStore.Outcome("d", "nftables", BackendState.APPLIED, null, 1, T0));
      s.putOutcome(
          new DecisionStore.Outcome(
              "d", "webhook", BackendState.FAILED, "x".repeat(2000), 2, T0.plusSeconds(1)));
    }
    try (DecisionStore s = open()) {
      List<DecisionStore.Outcome> o = s.outcomes("d");
      assertThat(o)
          .extracting(DecisionStore.Outcome::backend)
          .containsExactly("nftables", "webhook");
      assertThat(o.get(0).state()).isEqualTo(BackendState.APPLIED);
      assertThat(o.get(1).state()).isEqualTo(BackendState.FAILED);
      assertThat(o.get(1).attempts()).isEqualTo(2);
      assertThat(o.get(1).error()).hasSize(DecisionStore.MAX_ERROR_CHARS);
      assertThat(o.get(1).updated()).isEqualTo(T0.plusSeconds(1));
      assertThat(s.unsettled())
          .extracting(DecisionStore.Outcome::backend)
          .containsExactly("webhook");
    }
  }

  @Test
  void open_migratesAVersion1FileKeepingEveryRow() throws Exception {
    // the schema the previous release wrote, with one live decision and one alert in it
    String url = "jdbc:sqlite:" + dir.resolve("vigil.db");
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement()) {
      st.execute("PRAGMA journal_mode = WAL");
      st.execute(
          "CREATE TABLE decisions (id TEXT PRIMARY KEY, scope TEXT NOT NULL, value TEXT NOT NULL,"
              + " action TEXT NOT NULL, reason TEXT NOT NULL, score REAL, origin TEXT NOT NULL,"
              + " created_ns INTEGER NOT NULL, expires_ns INTEGER NOT NULL, simulated INTEGER NOT"
              + " NULL, revoked_ns INTEGER)");
      st.execute(
          "CREATE TABLE alerts (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,"
              + " time_ns INTEGER NOT NULL, json TEXT NOT NULL)");
      long created = T0.getEpochSecond() * 1_000_000_000L + T0.getNano();
      st.execute(
          "INSERT INTO decisions VALUES ('old', 'IP', '10.0.0.9', 'QUARANTINE', 'scan', 0.5,"
              + " 'DETECTOR', "
              + created
              + ", "
              + (created + 3_600_000_000_000L)
              + ", 0, NULL)");
      st.execute("INSERT INTO alerts (id, time_ns, json) VALUES ('7', " + created + ", '{}')");
      st.execute("PRAGMA user_version = 1");
    }
    try (DecisionStore s = open()) {
      assertThat(s.live(T0)).extracting(Decision::id).containsExactly("old");
      assertThat(s.alerts(10)).extracting(DecisionStore.Alert::id).containsExactly("7");
      assertThat(s.outcomes("old")).isEmpty();
      s.putOutcome(new DecisionStore.Outcome("old", "nftables", BackendState.APPLIED, null, 1, T0));
      assertThat(s.outcomes("old")).hasSize(1);
    }
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement();
        ResultSet r = st.executeQuery("PRAGMA user_version")) {
      assertThat(r.getInt(1)).isEqualTo(2);
    }
  }

  @Test
  void concurrentWritersOnTwoStoresAndManyThreadsLoseNothing() throws Exception {
    try (DecisionStore a = open();
        DecisionStore b = open()) {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          DecisionStore s = t % 2 == 0 ? a : b;
          int thread = t;
          fs.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < 50; i++) {
                      String id = "t" + thread + "-" + i;
                      s.put(decision(id, "10." + thread + ".0." + i, T0, Duration.ofHours(1)));
                      s.addAlert(new DecisionStore.Alert(id, T0.plusMillis(i), "{}"));
                      if (i % 5 == 0) {
                        s.revoke(id, T0.plusSeconds(1));
                      }
                    }
                    return null;
                  }));
        }
        for (Future<?> f : fs) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
      assertThat(a.since(Instant.EPOCH, 1000)).hasSize(200);
      assertThat(b.live(T0.plusSeconds(2))).hasSize(160);
      assertThat(a.alerts(1000)).hasSize(200);
    }
  }

  @Test
  void alertsBefore_pagesBackThroughNumericIdsFromSince() throws Exception {
    try (DecisionStore s = open()) {
      // ids 1..12 stored out of time order: the page follows ids, not times
      for (int i = 1; i <= 12; i++) {
        s.addAlert(new DecisionStore.Alert(Integer.toString(i), T0.plusSeconds(20 - i), "{}"));
      }
      assertThat(s.alertsBefore(null, null, 3))
          .extracting(DecisionStore.Alert::id)
          .containsExactly("12", "11", "10");
      assertThat(s.alertsBefore(10L, null, 3))
          .extracting(DecisionStore.Alert::id)
          .containsExactly("9", "8", "7");
      // since: raised at or after T0 + 15 s, that is ids 1..5
      assertThat(s.alertsBefore(4L, T0.plusSeconds(15), 10))
          .extracting(DecisionStore.Alert::id)
          .containsExactly("3", "2", "1");
      assertThat(s.alertsBefore(1L, null, 10)).isEmpty();
    }
  }
}
