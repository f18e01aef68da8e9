package dev.vigil.features.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.features.capture.PcapFileReader;
import dev.vigil.features.packet.PacketMeta;
import dev.vigil.features.packet.PacketParser;
import dev.vigil.features.packet.ParseError;
import dev.vigil.testsupport.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link ScanDetector} at its defaults over the shared captures: an ARP sweep (test8) and the
 * Mirai-like telnet sweep of Slips' test7 (192.168.2.16, SYNs to random Internet addresses on 23,
 * 2323, 8080, 9527) must be reported (its sweep's refusals: RSTs and ICMP unreachables from the
 * Internet), and none of the 423 benign IoT Sentinel setups may report anyone.
 *
 * <p>The captures are read by {@link PcapFileReader}, as the daemon reads them (libpcap).
 */
@Tag("shared-data")
class ScanDetectorSharedCapturesTest {

  @Test
  void miraiLikeTelnetSweep_isReported() throws IOException {
    List<ScanDetector.Report> reports =
        run(SharedData.file("pcap/attack/slips/test7-malicious.pcap"));
    assertThat(reports).isNotEmpty();
    assertThat(reports).allMatch(r -> r.src().equals("192.168.2.16"), "only the infected host");
    // kind is "mixed", not "horizontal": the host's DNS and other UDP share its last 16 attempts
    assertThat(reports).allMatch(r -> r.failures() >= 4);
    assertThat(reports.get(0).failures()).isGreaterThanOrEqualTo(4);
  }

  /** Slips' test8: an ARP sweep, about 507 requests for 256 addresses from 192.168.1.247. */
  @Test
  void arpSweep_isReported() throws IOException {
    List<ScanDetector.Report> reports =
        run(SharedData.file("pcap/attack/slips/test8-malicious.pcap"));
    assertThat(reports).isNotEmpty();
    assertThat(reports).allMatch(r -> r.src().equals("192.168.1.247"), "only the sweeper");
    assertThat(reports.get(0).kind()).isEqualTo("horizontal");
  }

  /**
   * Slips' test12: 192.168.1.109 pings 20 LAN addresses in 0.75 s and 11 answer, too many for the
   * walk; the sweep rule reports it.
   */
  @Test
  void pingSweepMostlyAnswered_isReportedAsASweep() throws IOException {
    List<ScanDetector.Report> reports =
        run(SharedData.file("pcap/attack/slips/test12-icmp-portscan.pcap"));
    assertThat(reports).isNotEmpty();
    assertThat(reports).allMatch(r -> r.src().equals("192.168.1.109"), "only the sweeper");
    assertThat(reports.get(0).kind()).isEqualTo("sweep");
    assertThat(reports.get(0).hosts()).isGreaterThanOrEqualTo(12);
  }

  @Test
  void benignIotSetups_reportOnlyTheKnownSetupHosts() throws IOException {
    Path root = SharedData.file("pcap/benign");
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.filter(p -> p.toString().endsWith(".pcap")).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThan(400);
    List<String> reported = new ArrayList<>();
    for (Path f : files) {
      for (ScanDetector.Report r : run(f)) {
        reported.add(
            root.relativize(f)
                + ": "
                + r.src()
                + " "
                + r.kind()
                + " ports "
                + java.util.Arrays.toString(r.samplePorts())
                + " "
                + r);
      }
    }
    // Before unanswered attempts to remote addresses became neutral, two hosts of the WeMo setups
    // were reported (24 and 52 times): 10.22.22.2 and 10.22.22.138, whose first contacts to
    // Internet services on 443, 5228, 7275 and 80 went unanswered during setup (a phone on the
    // device's setup network without Internet). Now nobody is.
    assertThat(reported).isEmpty();
  }

  /** Replays one capture through a fresh detector, then ticks past the last timeout. */
  private static List<ScanDetector.Report> run(Path file) throws IOException {
    List<ScanDetector.Report> reports = new ArrayList<>();
    ScanDetector d = new ScanDetector(ScanDetector.Options.defaults(), reports::add);
    PacketParser parser = new PacketParser();
    PacketMeta m = new PacketMeta();
    long[] last = {0};
    new PcapFileReader(file)
        .read(
            (frame, length, wire, ts) -> {
              if (parser.parse(frame, 0, length, wire, ts, m) == ParseError.NONE) {
                d.update(m);
              }
              last[0] = ts;
            });
    d.tick(
        last[0] + 3_600_000_000L); // as the evaluation does: an hour later, every attempt is judged
    return reports;
  }
}
