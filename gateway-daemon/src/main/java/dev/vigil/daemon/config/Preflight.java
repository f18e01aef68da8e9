package dev.vigil.daemon.config;

import dev.vigil.detect.model.ModelBundle;
import dev.vigil.features.capture.AutoInterface;
import dev.vigil.features.capture.Libpcap;
import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.MitigatorRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

/**
 * What {@code vigil check-config} checks beyond the file itself: that the configuration can run on
 * this machine, as the user running the check (run it as the service user: {@code sudo -u vigil
 * vigil check-config /etc/vigil/vigil.yaml}). Each problem names its key:
 *
 * <ul>
 *   <li>the capture interface exists ({@code auto} resolves) and the BPF filter compiles for it;
 *   <li>every file the daemon writes (eve log, model bundles, decision store) can be written;
 *   <li>the API address is this machine's, and a port below 1024 has {@code CAP_NET_BIND_SERVICE};
 *   <li>the programs of the configured backends are installed and run;
 *   <li>a model bundle that exists verifies (every checksum, the feature schema);
 *   <li>the files holding secrets (REST tokens, MQTT passwords, TLS keys) are their owner's only
 *       ({@link SecretFiles}; {@code vigil run} refuses to start otherwise).
 * </ul>
 *
 * {@code vigil run} runs the same checks and logs what they find as warnings without refusing to
 * start (an interface may come up later, and the capture waits for it).
 */
public final class Preflight {
  private final Path sysClassNet;

  /** Checks against this machine. */
  public Preflight() {
    this(Path.of("/sys/class/net"));
  }

  Preflight(Path sysClassNet) {
    this.sysClassNet = sysClassNet;
  }

  /** Returns the problems found, each starting with its key; empty when it can run here. */
  public List<String> check(VigilConfig c) {
    List<String> problems = new ArrayList<>();
    capture(c, problems);
    writable(c, problems);
    api(c.api(), problems);
    bundles(c, problems);
    c.mitigation().ifPresent(m -> mitigation(m, problems));
    problems.addAll(SecretFiles.problems(c.secretFiles()));
    return problems;
  }

  private void capture(VigilConfig c, List<String> problems) {
    if (c.capture() == null || c.capture().live() == null) {
      return;
    }
    var live = c.capture().live();
    String device = live.device();
    if (AutoInterface.AUTO.equals(device)) {
      try {
        device = new AutoInterface(sysClassNet, Path.of("/proc/net")).choose().name();
      } catch (IOException e) {
        problems.add("capture.interface: " + e.getMessage());
        return;
      }
    } else if (!Files.isDirectory(sysClassNet.resolve(device))) {
      problems.add(
          "capture.interface: no interface ["
              + device
              + "] on this machine (it has: "
              + interfaces()
              + ")");
      return;
    }
    if (!live.filter().isBlank()) {
      String err = compileFilter(live.filter(), linkType(device), live.snaplen());
      if (err != null) {
        problems.add("capture.filter: [" + live.filter() + "] does not compile: " + err);
      }
    }
  }

  private String interfaces() {
    try (var s = Files.list(sysClassNet)) {
      return String.join(", ", s.map(p -> p.getFileName().toString()).sorted().toList());
    } catch (IOException e) {
      return "?";
    }
  }

  /** The interface's link type, from its ARPHRD type: Ethernet unless it says otherwise. */
  private DataLinkType linkType(String device) {
    try {
      String t = Files.readString(sysClassNet.resolve(device).resolve("type")).trim();
      return switch (t) {
        case "65534" -> DataLinkType.RAW; // tun
        case "801", "803" -> DataLinkType.IEEE802_11_RADIO;
        default -> DataLinkType.EN10MB;
      };
    } catch (IOException | RuntimeException e) {
      return DataLinkType.EN10MB;
    }
  }

  /** Compiles {@code filter} with libpcap as the capture would; null if it compiles. */
  static String compileFilter(String filter, DataLinkType dlt, int snaplen) {
    try {
      Libpcap.configure();
      try (PcapHandle h = Pcaps.openDead(dlt, snaplen)) {
        BpfProgram p =
            h.compileFilter(
                filter, BpfProgram.BpfCompileMode.OPTIMIZE, PcapHandle.PCAP_NETMASK_UNKNOWN);
        p.free();
        return null;
      }
    } catch (Exception | LinkageError e) {
      return e.getMessage();
    }
  }

  private static void writable(VigilConfig c, List<String> problems) {
    c.alerts().eveLog().ifPresent(p -> writableFile("alerts.eve-log", p, problems));
    if (c.model().bundle() != null) {
      writableFile("model.bundle", c.model().bundle(), problems);
    }
    c.telemetry()
        .filter(t -> t.model().bundle() != null)
        .ifPresent(t -> writableFile("telemetry.model.bundle", t.model().bundle(), problems));
    c.mitigation().ifPresent(m -> writableFile("mitigation.store", m.store(), problems));
  }

  /** The file can be written, or created in its folder (or the folder in its nearest parent). */
  static void writableFile(String key, Path file, List<String> problems) {
    Path f = file.toAbsolutePath();
    if (Files.exists(f)) {
      if (!Files.isWritable(f)) {
        problems.add(key + ": [" + f + "] is not writable by this user");
      }
      return;
    }
    Path dir = f.getParent();
    while (dir != null && !Files.exists(dir)) {
      dir = dir.getParent();
    }
    if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir) || virtual(dir)) {
      problems.add(
          key
              + ": ["
              + f
              + "] cannot be created: "
              + (dir == null ? "no existing folder above it" : "[" + dir + "] is not writable")
              + " by this user");
    }
  }

  /** A read-only or kernel file system (proc, sysfs), where even root creates no file. */
  private static boolean virtual(Path dir) {
    try {
      var store = Files.getFileStore(dir);
      return store.isReadOnly()
          || Set.of("proc", "sysfs", "cgroup2", "devpts").contains(store.type());
    } catch (IOException e) {
      return false;
    }
  }

  private static void api(VigilConfig.Api api, List<String> problems) {
    InetAddress a;
    try {
      a = InetAddress.getByName(api.host());
    } catch (UnknownHostException e) {
      problems.add("api.host: [" + api.host() + "] does not resolve");
      return;
    }
    try {
      if (!a.isAnyLocalAddress()
          && !a.isLoopbackAddress()
          && NetworkInterface.getByInetAddress(a) == null) {
        problems.add("api.host: [" + api.host() + "] is not an address of this machine");
      }
    } catch (SocketException e) {
      problems.add("api.host: cannot list this machine's addresses: " + e.getMessage());
    }
    if (api.port() > 0 && api.port() < 1024 && !hasCapability(10)) { // CAP_NET_BIND_SERVICE
      problems.add(
          "api.port: "
              + api.port()
              + " is below 1024 and this process lacks CAP_NET_BIND_SERVICE (the unit does not"
              + " grant it); use a port of 1024 or above");
    }
  }

  /** Whether this process has capability {@code bit} in its effective set. */
  static boolean hasCapability(int bit) {
    try {
      for (String line :
          Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
        if (line.startsWith("CapEff:")) {
          long caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
          return (caps & (1L << bit)) != 0;
        }
      }
    } catch (IOException | RuntimeException e) {
      return true; // cannot tell: do not report
    }
    return true;
  }

  private static void bundles(VigilConfig c, List<String> problems) {
    if (c.model().bundle() != null && Files.isRegularFile(c.model().bundle())) {
      try {
        ModelBundle.read(c.model().bundle(), c.features().set().schema());
      } catch (IOException | RuntimeException e) {
        problems.add("model.bundle: " + e.getMessage());
      }
    }
    c.telemetry()
        .filter(t -> t.model().bundle() != null && Files.isRegularFile(t.model().bundle()))
        .ifPresent(
            t -> {
              try {
                ModelBundle.read(t.model().bundle(), null);
              } catch (IOException | RuntimeException e) {
                problems.add("telemetry.model.bundle: " + e.getMessage());
              }
            });
  }

  private static void mitigation(VigilConfig.Mitigation m, List<String> problems) {
    Set<String> used = new LinkedHashSet<>();
    for (Decision.Action a : Decision.Action.values()) {
      used.addAll(m.actions().getOrDefault(a, List.of()));
    }
    try {
      MitigatorRegistry reg = MitigatorRegistry.load(m.mitigators());
      for (String type : used) {
        String p = reg.preflight(type);
        if (p != null) {
          problems.add("mitigation.actions: backend " + type + ": " + p);
        }
      }
    } catch (Exception e) {
      problems.add("mitigation.mitigators: " + e.getMessage());
    }
  }

  /** A one-line, readable summary of what a valid configuration will do. */
  public static String summary(VigilConfig c) {
    StringBuilder b = new StringBuilder();
    if (c.packetPath()) {
      b.append("capture ").append(c.capture().source());
      if (!c.model().trainPcaps().isEmpty()) {
        b.append(", trained on ").append(c.model().trainPcaps().size()).append(" capture(s)");
      } else if (c.model().learn() != null) {
        b.append(", learned on the device for ")
            .append(c.model().learn().duration().toString().substring(2).toLowerCase(Locale.ROOT));
      }
    } else {
      b.append("no capture (telemetry only)");
    }
    b.append("; telemetry ")
        .append(
            c.telemetry()
                .map(t -> "from " + String.join(", ", t.mqtt().serverUris()))
                .orElse("off"));
    b.append("; mitigation ");
    if (c.mitigation().isEmpty()) {
      b.append("off");
    } else {
      VigilConfig.Mitigation m = c.mitigation().get();
      b.append(m.policy().rules().size()).append(" rule(s)");
      if (m.policy().dryRun()) {
        b.append(" in dry run");
      }
      List<String> acts = new ArrayList<>();
      m.actions()
          .forEach(
              (a, backends) ->
                  acts.add(
                      a.name().toLowerCase(Locale.ROOT) + " by " + String.join(" and ", backends)));
      b.append(" (").append(String.join(", ", acts)).append("), store ").append(m.store());
    }
    b.append("; API on ").append(c.api().host()).append(':').append(c.api().port());
    return b.toString();
  }
}
