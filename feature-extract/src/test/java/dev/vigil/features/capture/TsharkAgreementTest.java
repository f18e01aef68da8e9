package dev.vigil.features.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.vigil.features.packet.PacketMeta;
import dev.vigil.features.packet.PacketParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the parser's layer counts against Wireshark's dissectors (tshark) on a sample of the
 * shared captures: every attack capture and protocol sample, and the first capture (by name) of
 * each benign device type. Per file, the number of IPv4, IPv6, ARP, TCP, UDP and ICMP/ICMPv6 frames
 * and of TCP SYNs without ACK must agree exactly.
 *
 * <p>Needs {@code tshark} (Debian package {@code tshark}; {@code scripts/test} installs it) and
 * fails, rather than skips, without it.
 */
@Tag("shared-data")
class TsharkAgreementTest {
  private static final long TSHARK_TIMEOUT_SECONDS = 60;

  /** Layers tshark lists between Ethernet and the network layer. */
  private static final Set<String> LINK_LAYERS = Set.of("eth", "ethertype", "vlan");

  @TempDir static Path tmp;

  private static ExecutorService tsharkRuns;

  /** Frame counts of one capture, by layer, as one decoder saw them. */
  record LayerCounts(
      long frames, long ipv4, long ipv6, long arp, long tcp, long udp, long icmp, long tcpSyn) {}

  /** Accumulates {@link LayerCounts}. */
  private static final class Counter {
    long frames;
    long ipv4;
    long ipv6;
    long arp;
    long tcp;
    long udp;
    long icmp;
    long tcpSyn;

    LayerCounts counts() {
      return new LayerCounts(frames, ipv4, ipv6, arp, tcp, udp, icmp, tcpSyn);
    }
  }

  @AfterAll
  static void stopTsharkRuns() {
    if (tsharkRuns != null) {
      tsharkRuns.shutdownNow();
    }
  }

  @BeforeAll
  static void tsharkIsInstalled() throws InterruptedException {
    tsharkRuns =
        Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
    try {
      Process p =
          new ProcessBuilder("tshark", "--version")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(TSHARK_TIMEOUT_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        fail("'tshark --version' did not succeed; reinstall the Debian package tshark");
      }
    } catch (IOException e) {
      fail(
          "tshark is not installed: install the Debian package tshark (apt-get install tshark;"
              + " scripts/test does this when run as root). "
              + e.getMessage());
    }
  }

  /** Every attack capture and protocol sample, plus the first capture of each device type. */
  static List<String> sample() {
    Map<String, String> firstPerFolder = new LinkedHashMap<>();
    List<String> sample = new ArrayList<>();
    for (String f : SharedCaptures.list()) {
      if (f.startsWith("benign/")) {
        firstPerFolder.putIfAbsent(Path.of(f).getParent().toString(), f);
      } else {
        sample.add(f);
      }
    }
    sample.addAll(firstPerFolder.values());
    return sample;
  }

  @TestFactory
  Stream<DynamicTest> layerCountsAgreeWithTshark() {
    List<String> sample = sample();
    assertThat(sample).as("4 attack captures, 4 protocol samples, 22 device types").hasSize(30);
    // tshark takes ~0.3 s a file, mostly start-up: run it for every file up front, in parallel,
    // while our side is counted.
    Map<String, Future<LayerCounts>> theirs = new LinkedHashMap<>();
    for (String f : sample) {
      theirs.put(f, tsharkRuns.submit(() -> tshark(SharedCaptures.root().resolve(f))));
    }
    return sample.stream()
        .map(
            f ->
                DynamicTest.dynamicTest(
                    f,
                    () ->
                        assertThat(ours(SharedCaptures.root().resolve(f)))
                            .as("our counts (actual) against tshark's (expected) for %s", f)
                            .isEqualTo(theirs.get(f).get())));
  }

  /** Counts what {@link PacketParser} decodes: a transport counts only with its header decoded. */
  static LayerCounts ours(Path file) throws IOException {
    PacketParser parser = new PacketParser();
    PacketMeta m = new PacketMeta();
    Counter c = new Counter();
    new PcapFileReader(file)
        .read(
            (frame, cap, wire, t) -> {
              parser.parse(frame, 0, cap, wire, t, m);
              c.frames++;
              switch (m.l3) {
                case PacketMeta.L3_IPV4 -> c.ipv4++;
                case PacketMeta.L3_IPV6 -> c.ipv6++;
                case PacketMeta.L3_ARP -> c.arp++;
                default -> {}
              }
              if (!m.isIp() || m.fragment || m.srcPort < 0) {
                return; // no transport header was decoded
              }
              switch (m.protocol) {
                case PacketMeta.PROTO_TCP -> {
                  c.tcp++;
                  if ((m.tcpFlags & (PacketMeta.TCP_SYN | PacketMeta.TCP_ACK))
                      == PacketMeta.TCP_SYN) {
                    c.tcpSyn++;
                  }
                }
                case PacketMeta.PROTO_UDP -> c.udp++;
                case PacketMeta.PROTO_ICMP, PacketMeta.PROTO_ICMPV6 -> c.icmp++;
                default -> {}
              }
            });
    return c.counts();
  }

  /**
   * Counts what tshark decodes, from {@code frame.protocols} (the layer stack, e.g. {@code
   * eth:ethertype:ipv6:ipv6.hopopts:icmpv6}) rather than fields such as {@code ip.proto}, which
   * repeat for every IP header in a frame and do not say which came first: the first network layer
   * and the layer right after it (IPv6 extension headers skipped) are what our parser decodes.
   * Layers further in are not ours and not counted: the IP header and TCP/UDP header quoted inside
   * an ICMP error, or a tunnelled packet. Likewise {@code tcp.flags} is taken at its first
   * occurrence, the outer TCP header. Reassembly is off, so a non-first fragment shows no transport
   * layer, as in our parser.
   */
  static LayerCounts tshark(Path file) throws IOException, InterruptedException {
    Path out = Files.createTempFile(tmp, "tshark", ".tsv");
    Path err = Files.createTempFile(tmp, "tshark", ".err");
    ProcessBuilder pb =
        new ProcessBuilder(
                "tshark",
                "-n",
                "-r",
                file.toString(),
                "-o",
                "ip.defragment:FALSE",
                "-o",
                "ipv6.defragment:FALSE",
                "-T",
                "fields",
                "-E",
                "separator=/t",
                "-E",
                "occurrence=f",
                "-e",
                "frame.protocols",
                "-e",
                "tcp.flags")
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    // A user's Wireshark preferences (disabled protocols, decode-as) must not change the result.
    pb.environment().put("WIRESHARK_CONFIG_DIR", tmp.toString());
    Process p = pb.start();
    if (!p.waitFor(TSHARK_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("tshark ran longer than " + TSHARK_TIMEOUT_SECONDS + " s on " + file);
    }
    assertThat(p.exitValue())
        .as("tshark exit status on %s; stderr: %s", file, Files.readString(err))
        .isZero();
    Counter c = new Counter();
    for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
      String[] fields = line.split("\t", -1);
      String[] layers = fields[0].split(":");
      c.frames++;
      int i = 0;
      while (i < layers.length && LINK_LAYERS.contains(layers[i])) {
        i++;
      }
      String network = i < layers.length ? layers[i++] : "";
      switch (network) {
        case "ip" -> c.ipv4++;
        case "ipv6" -> c.ipv6++;
        case "arp" -> c.arp++;
        default -> {
          continue;
        }
      }
      // IPv6 extension headers: ipv6.hopopts, ipv6.routing, ipv6.fraghdr, ipv6.dstopts; and AH.
      while (i < layers.length && (layers[i].startsWith("ipv6.") || layers[i].equals("ah"))) {
        i++;
      }
      String transport = i < layers.length ? layers[i] : "";
      switch (transport) {
        case "tcp" -> {
          c.tcp++;
          int flags = Integer.decode(fields[1]);
          if ((flags & (PacketMeta.TCP_SYN | PacketMeta.TCP_ACK)) == PacketMeta.TCP_SYN) {
            c.tcpSyn++;
          }
        }
        case "udp" -> c.udp++;
        case "icmp", "icmpv6" -> c.icmp++;
        default -> {}
      }
    }
    return c.counts();
  }
}
