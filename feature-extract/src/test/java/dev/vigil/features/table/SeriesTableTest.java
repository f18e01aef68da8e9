package dev.vigil.features.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SeriesTableTest {
  static final class S extends SeriesTable.Entry {
    S(String device, String metric) {
      super(device, metric);
    }
  }

  private final List<String> removed = new ArrayList<>();

  private SeriesTable<S> table(int devices, int series, int perDevice, long idle, long displace) {
    return new SeriesTable<>(
        new SeriesTable.Limits(devices, series, perDevice, idle, displace),
        S::new,
        (s, why) -> removed.add(s.device() + "/" + s.metric() + " " + why));
  }

  @Test
  void touch_findsTheSameSeriesAgain_andAdmitsNewOnesUpToTheLimits() {
    SeriesTable<S> t = table(2, 4, 2, 60_000, 1_000);
    S a = t.touch("a", "x", 0);
    assertThat(t.touch("a", "x", 5)).isSameAs(a);
    assertThat(t.find("a", "x")).isSameAs(a);
    assertThat(t.touch("a", "y", 5)).isNotNull();
    assertThat(t.touch("a", "z", 5)).as("third series of a, 2 per device").isNull();
    assertThat(t.refused(SeriesTable.Refusal.DEVICE_SERIES_LIMIT)).isEqualTo(1);
    assertThat(t.touch("b", "x", 5)).isNotNull();
    assertThat(t.touch("c", "x", 5)).as("third device").isNull();
    assertThat(t.refused(SeriesTable.Refusal.DEVICE_LIMIT)).isEqualTo(1);
    assertThat(t.size()).isEqualTo(3);
    assertThat(t.devices()).isEqualTo(2);
    assertThat(t.find("c", "x")).isNull();
    assertThat(removed).isEmpty();
  }

  @Test
  void touch_fullTable_displacesTheWarmingSeriesSilentLongest_neverAnEstablishedOne() {
    SeriesTable<S> t = table(3, 3, 3, 60_000, 1_000);
    S real = t.touch("real", "temp", 0);
    t.establish(real);
    t.touch("rogue", "1", 10);
    t.touch("rogue", "2", 20);
    assertThat(t.touch("rogue", "3", 500)).as("nothing silent for 1 s yet").isNull();
    assertThat(t.refused(SeriesTable.Refusal.SERIES_LIMIT)).isEqualTo(1);
    // real keeps reporting; the rogue series do not
    t.touch("real", "temp", 5_000);
    assertThat(t.touch("rogue", "3", 5_000)).isNotNull();
    assertThat(removed).containsExactly("rogue/1 DISPLACED");
    assertThat(t.touch("rogue", "4", 5_001)).isNotNull();
    assertThat(removed).containsExactly("rogue/1 DISPLACED", "rogue/2 DISPLACED");
    // now every warming series was seen within 1 s: the established one is never displaced
    assertThat(t.touch("rogue", "5", 5_002)).isNull();
    assertThat(t.find("real", "temp")).isSameAs(real);
    assertThat(t.evicted(SeriesTable.Eviction.DISPLACED)).isEqualTo(2);
    assertThat(t.size()).isEqualTo(3);
  }

  @Test
  void touch_deviceLimit_displacesIdleWarmingSeriesUntilADeviceIsFree() {
    SeriesTable<S> t = table(2, 10, 5, 60_000, 1_000);
    t.touch("multi", "a", 0);
    t.touch("multi", "b", 0);
    t.touch("single", "a", 100);
    assertThat(t.touch("new", "a", 5_000)).isNotNull();
    assertThat(removed).containsExactly("multi/a DISPLACED", "multi/b DISPLACED");
    assertThat(t.devices()).isEqualTo(2);
    assertThat(t.find("single", "a")).isNotNull();
  }

  @Test
  void sweep_forgetsSeriesIdleForIdleMillis_establishedOrNot() {
    SeriesTable<S> t = table(10, 10, 10, 10_000, 1_000);
    S e = t.touch("d", "old", 0);
    t.establish(e);
    t.touch("d", "warm", 1_000);
    t.touch("d", "live", 9_000);
    assertThat(t.sweep(9_999)).isZero();
    assertThat(t.sweep(11_000)).isEqualTo(2);
    assertThat(removed).containsExactlyInAnyOrder("d/old IDLE", "d/warm IDLE");
    assertThat(t.find("d", "live")).isNotNull();
    assertThat(t.sweep(19_000)).isEqualTo(1);
    assertThat(t.size()).isZero();
    assertThat(t.devices()).isZero();
    assertThat(t.evicted(SeriesTable.Eviction.IDLE)).isEqualTo(3);
    // a forgotten series starts afresh
    S again = t.touch("d", "old", 20_000);
    assertThat(again).isNotSameAs(e);
    assertThat(again.established()).isFalse();
  }

  @Test
  void touch_flood_neverGrowsPastTheLimits_andKeepsTheEstablishedSeries() {
    SeriesTable<S> t = table(64, 256, 8, 3_600_000, 400);
    S real = t.touch("real", "temp", 0);
    t.establish(real);
    long now = 0;
    for (int i = 0; i < 100_000; i++) {
      now = i / 100; // 100 new names a millisecond
      if (i % 50 == 0) {
        assertThat(t.touch("real", "temp", now)).isSameAs(real);
      }
      t.touch("rogue-" + i, "m" + (i % 3), now);
      assertThat(t.size()).isLessThanOrEqualTo(256);
      assertThat(t.devices()).isLessThanOrEqualTo(64);
    }
    assertThat(t.find("real", "temp")).isSameAs(real);
    assertThat(t.evicted(SeriesTable.Eviction.DISPLACED)).isPositive();
    assertThat(t.refused(SeriesTable.Refusal.DEVICE_LIMIT)).isPositive();
    assertThat(removed).noneMatch(r -> r.startsWith("real/"));
  }

  @Test
  void touch_knownSeriesAndSweepAllocateNothing() {
    SeriesTable<S> t = table(16, 64, 8, 3_600_000, 400);
    String[] devices = {"a", "b", "c"};
    String[] metrics = {"temp", "hum"};
    long now = 0;
    for (int i = 0; i < 20_000; i++, now++) { // warm up: every series known, code compiled
      S s = t.touch(devices[i % 3], metrics[i % 2], now);
      if (i % 7 == 0) {
        t.establish(s);
      }
      t.sweep(now);
    }
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    long before = mx.getThreadAllocatedBytes(tid);
    for (int i = 0; i < 100_000; i++, now++) {
      t.touch(devices[i % 3], metrics[i % 2], now);
      t.sweep(now);
    }
    assertThat(mx.getThreadAllocatedBytes(tid) - before).isLessThan(4096);
    assertThat(t.size()).isEqualTo(6);
  }

  @Test
  void limits_areValidated() {
    assertThatThrownBy(() -> new SeriesTable.Limits(0, 1, 1, 1, 0))
        .hasMessageContaining("maxDevices");
    assertThatThrownBy(() -> new SeriesTable.Limits(2, 1, 1, 1, 0))
        .hasMessageContaining("maxSeries");
    assertThatThrownBy(() -> new SeriesTable.Limits(1, 4, 5, 1, 0))
        .hasMessageContaining("maxSeriesPerDevice");
    assertThatThrownBy(() -> new SeriesTable.Limits(1, 4, 4, 0, 0))
        .hasMessageContaining("idleMillis");
    assertThatThrownBy(() -> new SeriesTable.Limits(1, 4, 4, 10, 11))
        .hasMessageContaining("displaceAfterMillis");
  }
}
