package dev.vigil.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.testsupport.PcapFiles;
import dev.vigil.testsupport.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pcap evaluation's labels: the attacker rule, bad folders, and the shared captures' split. */
class PcapEvaluationTest {
  @TempDir Path tmp;

  @Test
  void attackerIp_theFourSlipsDescriptions() {
    assertThat(
            PcapEvaluation.attackerIp("nmap ssh-brute from 147.32.80.40 against 147.32.80.37:902"))
        .contains("147.32.80.40");
    assertThat(PcapEvaluation.attackerIp("ICMP sweep/port scan from 192.168.1.109"))
        .contains("192.168.1.109");
    assertThat(
            PcapEvaluation.attackerIp(
                "first 2000 pkts: host 192.168.2.16 sends SYNs to 138 random Internet IPs on"
                    + " tcp/23, 2323, 8080, 9527"))
        .contains("192.168.2.16");
    assertThat(
            PcapEvaluation.attackerIp(
                "ARP sweep: 192.168.1.247 sends ~507 ARP requests for 256 addresses (ARP scan);"
                    + " per-file label"))
        .contains("192.168.1.247");
  }

  @Test
  void attackerIp_onlyMarkedAddresses() {
    // a target alone is no attacker
    assertThat(PcapEvaluation.attackerIp("ssh brute force against 147.32.80.37:902")).isEmpty();
    assertThat(PcapEvaluation.attackerIp("an ARP sweep of a /24")).isEmpty();
    // the first marked address wins, wherever the unmarked ones are
    assertThat(PcapEvaluation.attackerIp("scan of 10.0.0.9 from 10.0.0.7; host 10.0.0.8 too"))
        .isEqualTo(Optional.of("10.0.0.7"));
    assertThat(PcapEvaluation.attackerIp("FROM 10.1.2.3")).contains("10.1.2.3");
    assertThat(PcapEvaluation.attackerIp("10.9.9.9:4444 sends beacons")).contains("10.9.9.9");
    // not addresses: octets over 255, longer dotted numbers, words that merely contain 'from'
    assertThat(PcapEvaluation.attackerIp("from 300.1.1.1")).isEmpty();
    assertThat(PcapEvaluation.attackerIp("from 1.2.3.4.5")).isEmpty();
    assertThat(PcapEvaluation.attackerIp("wherefrom 1.2.3.4")).isEmpty();
  }

  @Test
  void entity_stablePerFileAndHost() {
    long a = PcapEvaluation.entity("attack/x.pcap", 0, 0xffff_0a00_0001L);
    assertThat(PcapEvaluation.entity("attack/x.pcap", 0, 0xffff_0a00_0001L)).isEqualTo(a);
    assertThat(PcapEvaluation.entity("attack/y.pcap", 0, 0xffff_0a00_0001L)).isNotEqualTo(a);
    assertThat(PcapEvaluation.entity("attack/x.pcap", 0, 0xffff_0a00_0002L)).isNotEqualTo(a);
  }

  @Test
  void labels_missingFile_missingColumn_noAttacker() throws IOException {
    assertThatThrownBy(() -> PcapEvaluation.load(tmp))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("has no labels.csv");
    Files.writeString(tmp.resolve("labels.csv"), "file,label,description\n");
    assertThatThrownBy(() -> PcapEvaluation.load(tmp))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("no 'device_type' column");
    Files.writeString(
        tmp.resolve("labels.csv"),
        "file,label,device_type,description\n"
            + "protocol_samples/a.pcap,protocol_samples,,not read\n"
            + "benign/Cam/gone.pcap,benign,Cam,setup\n");
    assertThatThrownBy(() -> PcapEvaluation.load(tmp))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("line 3")
        .hasMessageContaining("gone.pcap")
        .hasMessageContaining("does not exist");
    Files.createDirectories(tmp.resolve("attack"));
    Files.write(tmp.resolve("attack/a.pcap"), new byte[] {1});
    Files.writeString(
        tmp.resolve("labels.csv"),
        "file,label,device_type,description\n" + "attack/a.pcap,attack,,\"a scan, somewhere\"\n");
    assertThatThrownBy(() -> PcapEvaluation.load(tmp))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("line 2")
        .hasMessageContaining("names no attacker");
  }

  @Test
  @Tag("shared-data")
  void sharedCaptures_splitByFile_attackersFound() throws IOException {
    Path dir = SharedData.file("pcap");
    Map<String, Integer> skipped = new HashMap<>();
    List<PcapEvaluation.Capture> rows = PcapEvaluation.labels(dir, skipped);
    assertThat(skipped).containsEntry("protocol_samples", 4);
    assertThat(rows.stream().filter(PcapEvaluation.Capture::attack).map(c -> c.attacker()))
        .containsExactlyInAnyOrder(
            "147.32.80.40", "192.168.1.109", "192.168.2.16", "192.168.1.247");
    assertThat(rows.stream().filter(c -> !c.attack()).count()).isEqualTo(423);

    PcapEvaluation.Loaded l = PcapEvaluation.load(dir);
    System.out.println(l.split());
    TabularEvaluator.Data d = l.data();
    TabularEvaluator.TestSet t = d.tests().get(PcapEvaluation.TEST_SET);
    long attacks = count(t.attack());
    assertThat(attacks).isPositive();
    assertThat(count(d.supervised().attack())).isPositive();
    assertThat(d.trainNormal().size()).isGreaterThan(d.validationNormal().size());
    assertThat(d.schema().size()).isEqualTo(15);
    // no entity (file, host) in two parts
    Set<Long> learn = new HashSet<>();
    for (long e : d.trainEntity()) {
      learn.add(e);
    }
    for (long e : d.validationEntity()) {
      assertThat(learn).doesNotContain(e);
    }
    for (long e : t.entity()) {
      assertThat(learn).doesNotContain(e);
    }
  }

  // ---- the attacker and start_epoch / end_epoch columns (lab/record.sh's labels)

  private static final String HEADER =
      "file,label,device_type,description,attacker,victim,attack_type,start_epoch,end_epoch\n";
  private static final long T0 = 1_700_000_000L; // capture start, epoch seconds

  /** An Ethernet/IPv4/UDP frame from 10.0.0.{src} to 10.0.0.{dst}. */
  private static byte[] udp(int src, int dst, int len) {
    byte[] f = new byte[14 + 20 + 8 + len];
    f[12] = 0x08; // IPv4
    f[14] = 0x45;
    int ipLen = 20 + 8 + len;
    f[16] = (byte) (ipLen >> 8);
    f[17] = (byte) ipLen;
    f[22] = 64;
    f[23] = 17;
    byte[] s = {10, 0, 0, (byte) src};
    byte[] d = {10, 0, 0, (byte) dst};
    System.arraycopy(s, 0, f, 26, 4);
    System.arraycopy(d, 0, f, 30, 4);
    int sum = 0;
    for (int i = 14; i < 34; i += 2) {
      sum += ((f[i] & 0xff) << 8) | (f[i + 1] & 0xff);
    }
    sum = (sum & 0xffff) + (sum >> 16);
    sum = ~((sum & 0xffff) + (sum >> 16)) & 0xffff;
    f[24] = (byte) (sum >> 8);
    f[25] = (byte) sum;
    int sp = 40000 + src;
    f[34] = (byte) (sp >> 8);
    f[35] = (byte) sp;
    f[37] = 53;
    f[38] = (byte) ((8 + len) >> 8);
    f[39] = (byte) (8 + len);
    return f;
  }

  /**
   * A capture of 60 s from T0: host .5 sends to .1 every second; with {@code attacker}, host .66
   * sends to .1 every second too (60 packets, so several 10 s windows).
   */
  private void capture(String name, boolean attacker) throws IOException {
    List<PcapFiles.Frame> frames = new ArrayList<>();
    for (int s = 0; s < 60; s++) {
      long t = (T0 + s) * 1_000_000L;
      frames.add(new PcapFiles.Frame(t, udp(5, 1, 40)));
      if (attacker) {
        frames.add(new PcapFiles.Frame(t + 500_000, udp(66, 1, 200)));
      }
    }
    Path p = tmp.resolve(name);
    Files.createDirectories(p.getParent());
    PcapFiles.write(p, 256, frames);
  }

  /** Four benign files and two attack files (a.pcap: test, b.pcap: supervised). */
  private void labFolder(String aRow) throws IOException {
    StringBuilder csv = new StringBuilder(HEADER);
    for (int i = 0; i < 4; i++) {
      capture("benign/b" + i + ".pcap", false);
      csv.append("benign/b").append(i).append(".pcap,benign,lab,benign lab traffic,,,,,\n");
    }
    capture("attack/a.pcap", true);
    capture("attack/b.pcap", true);
    csv.append(aRow).append('\n');
    csv.append("attack/b.pcap,attack,lab,flood from 10.0.0.66,,,,,\n");
    Files.writeString(tmp.resolve("labels.csv"), csv.toString());
  }

  private static long testAttacks(Path dir) throws IOException {
    return count(PcapEvaluation.load(dir).data().tests().get(PcapEvaluation.TEST_SET).attack());
  }

  @Test
  void attackerColumn_overridesTheDescription_emptyFallsBack() throws IOException {
    capture("attack/a.pcap", true);
    capture("attack/b.pcap", true);
    Files.writeString(
        tmp.resolve("labels.csv"),
        HEADER
            + "attack/a.pcap,attack,lab,exfil from 10.0.0.5 to 10.0.0.66,10.0.0.66,,,,\n"
            + "attack/b.pcap,attack,lab,exfil from 10.0.0.5 to 10.0.0.66,,,,,\n");
    List<PcapEvaluation.Capture> rows = PcapEvaluation.labels(tmp, new HashMap<>());
    assertThat(rows)
        .extracting(PcapEvaluation.Capture::attacker)
        .containsExactly("10.0.0.66", "10.0.0.5");
    assertThat(rows).noneMatch(PcapEvaluation.Capture::timed);
  }

  @Test
  void timeWindow_onlyTheAttackersOverlappingWindowsAreAttacks() throws IOException {
    // the attacker's windows, as the evaluation reads them
    capture("probe.pcap", true);
    List<PcapEvaluation.Window> all = PcapEvaluation.windows(tmp.resolve("probe.pcap"), null);
    List<PcapEvaluation.Window> mine =
        all.stream().filter(w -> w.host().equals("10.0.0.66")).toList();
    assertThat(mine).hasSizeGreaterThanOrEqualTo(5);

    // untimed: every window of the attacker is an attack
    labFolder("attack/a.pcap,attack,lab,flood from 10.0.0.66,,,,,");
    assertThat(testAttacks(tmp)).isEqualTo(mine.size());

    // 20.5 s to 26 s after the start: inside one window of the attacker (10 s windows)
    labFolder(
        "attack/a.pcap,attack,lab,flood,10.0.0.66,10.0.0.1,udp_flood,"
            + (T0 + 20)
            + ".5,"
            + (T0 + 26)
            + ".000");
    PcapEvaluation.Capture row = PcapEvaluation.labels(tmp, new HashMap<>()).get(4);
    assertThat(row.timed()).isTrue();
    assertThat(row.startMicros()).isEqualTo((T0 + 20) * 1_000_000L + 500_000);
    assertThat(row.endMicros()).isEqualTo((T0 + 26) * 1_000_000L);
    long inside =
        mine.stream()
            .filter(w -> w.startMicros() <= row.endMicros() && w.endMicros() >= row.startMicros())
            .count();
    assertThat(inside).isBetween(1L, 2L);
    assertThat(testAttacks(tmp)).isEqualTo(inside).isLessThan(mine.size());
    // a window entirely before the phase is normal, one containing it an attack
    assertThat(row.isAttack(mine.get(0))).isFalse();
    assertThat(mine.stream().filter(row::isAttack))
        .allMatch(w -> w.startMicros() <= (T0 + 26) * 1_000_000L);
    // other hosts are never attacks, whatever the time
    assertThat(all.stream().filter(w -> !w.host().equals("10.0.0.66"))).noneMatch(row::isAttack);

    // the whole capture: every window again
    labFolder("attack/a.pcap,attack,lab,flood,10.0.0.66,,," + (T0 - 1) + "," + (T0 + 61));
    assertThat(testAttacks(tmp)).isEqualTo(mine.size());
  }

  @Test
  void timeWindow_outsideTheCapture_isAnError() throws IOException {
    labFolder("attack/a.pcap,attack,lab,flood,10.0.0.66,,," + (T0 + 100) + "," + (T0 + 110));
    assertThatThrownBy(() -> PcapEvaluation.load(tmp))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("line 6")
        .hasMessageContaining("sends nothing in attack/a.pcap between start_epoch and end_epoch");
  }

  @Test
  void badAttackerOrEpochs_namedWithFileAndLine() throws IOException {
    capture("attack/a.pcap", true);
    String[][] cases = {
      {"10.0.0.66,,,abc,1700000010", "start_epoch [abc] is not epoch seconds"},
      {"10.0.0.66,,,1700000000,12:00", "end_epoch [12:00] is not epoch seconds"},
      {"10.0.0.66,,,-5,1700000010", "start_epoch [-5] is not epoch seconds"},
      {"10.0.0.66,,,1700000010.5,1700000010.4", "end_epoch 1700000010.4 is before start_epoch"},
      {"10.0.0.66,,,1700000000,", "must both be given or both be empty"},
      {"10.0.0.666,,,,", "attacker [10.0.0.666] is not an IP address"},
      {"camera,,,,", "attacker [camera] is not an IP address"},
    };
    for (String[] c : cases) {
      Files.writeString(
          tmp.resolve("labels.csv"),
          HEADER + "attack/a.pcap,attack,lab,flood from 10.0.0.66," + c[0] + "\n");
      assertThatThrownBy(() -> PcapEvaluation.labels(tmp, new HashMap<>()))
          .as(c[0])
          .isInstanceOf(IOException.class)
          .hasMessageContaining(tmp.resolve("labels.csv") + " line 2")
          .hasMessageContaining(c[1]);
    }
  }

  // ---- early windows: the second reading and its mapping onto the test rows

  private static final long A = 0xffff_0a00_0042L; // 10.0.0.66, as PacketMeta holds it
  private static final long B = 0xffff_0a00_0005L; // 10.0.0.5

  private static PcapEvaluation.Window window(long host, double startS, double endS) {
    return new PcapEvaluation.Window(
        0, host, (long) (startS * 1e6), (long) (endS * 1e6), new float[15]);
  }

  private static PcapEvaluation.Closed closed(long host, double startS, double endS, boolean e) {
    return new PcapEvaluation.Closed(window(host, startS, endS), e);
  }

  @Test
  void mapEarly_theLabelledWindowHoldingTheDecidingPacket_elseTheNearest() {
    // the first reading: A in [0, 10] and [12, 22] (a gap: its next packet came at 12 s), B in
    // [0, 10]
    List<PcapEvaluation.Window> labelled =
        List.of(window(A, 0, 10), window(B, 0, 10), window(A, 12, 22));
    List<PcapEvaluation.Closed> second =
        List.of(
            closed(A, 0, 3, true), // decided at 3 s: A's first window
            closed(A, 3, 13, false), // ran its full length: counts nowhere
            closed(A, 13, 14.5, true), // decided at 14.5 s: A's second window, though it
            // started in neither
            closed(A, 14.5, 24.5, false),
            closed(B, 0, 10, true), // B's, at its very end
            closed(A, 30, 31, true), // after A's last labelled window: the nearest
            closed(A, 10.9, 11, true), // in the gap, 1 s after the first, 1 s before the second
            closed(0x77, 0, 1, true)); // a host without labelled windows
    assertThat(PcapEvaluation.mapEarly(labelled, second))
        .containsExactly(0, -1, 2, -1, 1, 2, 0, -1);
  }

  @Test
  void earlyWindows_closeAtTheDecidingPacket_thenAFullWindow_andMapOntoTheFirstReading()
      throws IOException {
    // host .66 sends 40 packets 10 ms apart from 2 s on, then one a second; .5 one a second
    List<PcapFiles.Frame> frames = new ArrayList<>();
    for (int s = 0; s < 30; s++) {
      frames.add(new PcapFiles.Frame((T0 + s) * 1_000_000L, udp(5, 1, 40)));
      if (s >= 5) {
        frames.add(new PcapFiles.Frame((T0 + s) * 1_000_000L + 500_000, udp(66, 1, 40)));
      }
    }
    long burst = (T0 + 2) * 1_000_000L;
    for (int k = 0; k < 40; k++) {
      frames.add(new PcapFiles.Frame(burst + k * 10_000L, udp(66, 1, 40)));
    }
    frames.sort(java.util.Comparator.comparingLong(PcapFiles.Frame::timestampMicros));
    Path p = tmp.resolve("burst.pcap");
    PcapFiles.write(p, 256, frames);

    // a judge that finds a window beyond once it has sent 32 packets (the judged features are
    // log1p counts; index 0 is packets out)
    List<PcapEvaluation.Closed> second =
        PcapEvaluation.earlyWindows(p, (x, features) -> x[0] >= Math.log1p(32) - 1e-6);
    List<PcapEvaluation.Closed> early =
        second.stream().filter(PcapEvaluation.Closed::early).toList();
    assertThat(early).hasSize(1);
    PcapEvaluation.Window e = early.get(0).window();
    assertThat(e.host()).isEqualTo("10.0.0.66");
    // opened at the burst's first packet, closed at its 32nd, the checkpoint that judged it
    assertThat(e.startMicros()).isEqualTo(burst);
    assertThat(e.endMicros()).isEqualTo(burst + 31 * 10_000L);
    // the next window of .66 opens there and runs its full length, never closed early
    PcapEvaluation.Window next =
        second.stream()
            .map(PcapEvaluation.Closed::window)
            .filter(w -> w.host().equals("10.0.0.66") && w.startMicros() > burst)
            .findFirst()
            .orElseThrow();
    assertThat(next.startMicros()).isEqualTo(e.endMicros());
    assertThat(next.endMicros()).isEqualTo(e.endMicros() + 10_000_000L);
    // no judge: the same capture's first reading; the early window maps onto .66's window that
    // holds the deciding packet
    List<PcapEvaluation.Window> first = PcapEvaluation.windows(p, null);
    int[] mapped = PcapEvaluation.mapEarly(first, second);
    int i = second.indexOf(early.get(0));
    PcapEvaluation.Window target = first.get(mapped[i]);
    assertThat(target.host()).isEqualTo("10.0.0.66");
    assertThat(target.startMicros()).isLessThanOrEqualTo(e.endMicros());
    assertThat(target.endMicros()).isGreaterThanOrEqualTo(e.endMicros());
    assertThat(second.stream().filter(c -> c.window().host().equals("10.0.0.5")))
        .noneMatch(PcapEvaluation.Closed::early);
  }

  private static long count(boolean[] a) {
    long n = 0;
    for (boolean x : a) {
      n += x ? 1 : 0;
    }
    return n;
  }
}
