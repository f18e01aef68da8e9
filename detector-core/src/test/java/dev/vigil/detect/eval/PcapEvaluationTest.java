package dev.vigil.detect.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.testsupport.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

  private static long count(boolean[] a) {
    long n = 0;
    for (boolean x : a) {
      n += x ? 1 : 0;
    }
    return n;
  }
}
