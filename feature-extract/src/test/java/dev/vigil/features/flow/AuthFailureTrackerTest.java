package dev.vigil.features.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.features.packet.Addresses;
import dev.vigil.features.packet.PacketMeta;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuthFailureTrackerTest {
  private static final long S = 1_000_000L;
  private static final int BROKER = 0x0a58_0001; // 10.88.0.1
  private static final int GUESSER = 0x0a58_0042; // 10.88.0.66
  private static final int DEVICE = 0x0a58_000b; // 10.88.0.11

  private final List<AuthFailureTracker.Report> reports = new ArrayList<>();
  private final PacketMeta m = new PacketMeta();
  private final AuthFailureTracker t =
      new AuthFailureTracker(AuthFailureTracker.Options.defaults(), reports::add);

  /** A CONNACK from the broker to {@code client} with {@code code}. */
  private PacketMeta connack(long ts, int client, int code) {
    m.timestampMicros = ts;
    m.l3 = PacketMeta.L3_IPV4;
    m.srcHi = Addresses.mappedHi(BROKER);
    m.srcLo = Addresses.mappedLo(BROKER);
    m.dstHi = Addresses.mappedHi(client);
    m.dstLo = Addresses.mappedLo(client);
    m.protocol = PacketMeta.PROTO_TCP;
    m.srcPort = 1883;
    m.dstPort = 40000;
    m.appProtocol = PacketMeta.APP_MQTT;
    m.mqttType = 2;
    m.mqttReturnCode = code;
    return m;
  }

  @Test
  void aGuesser_isReportedAtItsTenthRefusal_andAgainTenLater() {
    for (int i = 0; i < 25; i++) {
      t.update(connack(i * 100_000L, GUESSER, 5)); // ten guesses a second
      if (i < 9) {
        assertThat(reports).isEmpty();
      }
    }
    assertThat(reports).hasSize(2);
    AuthFailureTracker.Report r = reports.get(0);
    assertThat(r.client()).isEqualTo("10.88.0.66");
    assertThat(r.server()).isEqualTo("10.88.0.1");
    assertThat(r.serverPort()).isEqualTo(1883);
    assertThat(r.failures()).isEqualTo(10);
    assertThat(r.lastCode()).isEqualTo(5);
    assertThat(r.firstMicros()).isZero();
    assertThat(reports.get(1).firstMicros()).isEqualTo(1_000_000L);
    assertThat(r.lastMicros()).isEqualTo(900_000L);
    assertThat(reports.get(1).failures()).isEqualTo(20);
    assertThat(t.refusals()).isEqualTo(25);
  }

  @Test
  void mqtt5ReasonCodesCount_acceptedAndOtherRefusalsDoNot() {
    int[] codes = {0x86, 0x87, 0x8C};
    for (int i = 0; i < 9; i++) {
      t.update(connack(i * S, GUESSER, codes[i % 3]));
    }
    // accepted (0), server unavailable (3), identifier rejected (2), 5.0 quota exceeded (0x97)
    for (int code : new int[] {0, 3, 2, 0x97}) {
      t.update(connack(9 * S, GUESSER, code));
    }
    assertThat(reports).isEmpty();
    PacketMeta notConnack = connack(10 * S, GUESSER, 5);
    notConnack.mqttType = 3; // a PUBLISH cannot carry a return code; a stale field is not a refusal
    t.update(notConnack);
    assertThat(reports).isEmpty();
    t.update(connack(10 * S, GUESSER, 0x87));
    assertThat(reports).hasSize(1);
  }

  @Test
  void aDeviceWithAStalePassword_retryingEveryFewSeconds_isNeverReported() {
    for (int i = 0; i < 1000; i++) { // one refusal every 7 s for two hours: 9 a minute at most
      t.update(connack(i * 7 * S, DEVICE, 4));
    }
    assertThat(reports).isEmpty();
    assertThat(t.refusals()).isEqualTo(1000);
    // every 6 s: ten refusals fall within 54 s
    for (int i = 1; i <= 10; i++) {
      assertThat(reports).isEmpty();
      t.update(connack(7000 * S + i * 6 * S, DEVICE, 4));
    }
    assertThat(reports).hasSize(1);
    assertThat(reports.get(0).client()).isEqualTo("10.88.0.11");
  }

  @Test
  void badOptionsAreRefused_andMemoryIsBounded() {
    assertThatThrownBy(() -> new AuthFailureTracker.Options(1, S, 64))
        .hasMessageContaining("max-failures");
    assertThatThrownBy(() -> new AuthFailureTracker.Options(10, 0, 64))
        .hasMessageContaining("within");
    AuthFailureTracker small =
        new AuthFailureTracker(new AuthFailureTracker.Options(10, 60 * S, 16), reports::add);
    for (int i = 0; i < 10_000; i++) { // spoofed clients, one refusal each
      small.update(connack(i, 0x0b00_0000 + i, 5));
    }
    assertThat(small.clients()).isLessThanOrEqualTo(16);
    assertThat(reports).isEmpty();
  }

  @Test
  void update_allocatesNothingPerPacket() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    mx.setThreadAllocatedMemoryEnabled(true);
    for (int i = 0; i < 200_000; i++) { // warm-up; 200 clients refused once a minute each
      t.update(connack(i * 300_000L, 0x0c00_0000 + i % 200, 5));
    }
    long tid = Thread.currentThread().getId();
    long c0 = mx.getThreadAllocatedBytes(tid);
    long c1 = mx.getThreadAllocatedBytes(tid);
    long before = mx.getThreadAllocatedBytes(tid);
    for (int i = 200_000; i < 400_000; i++) {
      t.update(connack(i * 300_000L, 0x0c00_0000 + i % 200, 5));
    }
    long allocated = mx.getThreadAllocatedBytes(tid) - before - (c1 - c0);
    assertThat(reports).isEmpty();
    assertThat(allocated).as("bytes allocated over 200,000 packets").isLessThanOrEqualTo(64);
  }
}
