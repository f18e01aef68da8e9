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
