package dev.vigil.daemon;

import static dev.vigil.testsupport.LanFrames.arp;
import static dev.vigil.testsupport.LanFrames.exchange;
import static dev.vigil.testsupport.LanFrames.ip;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.daemon.config.ConfigLoader;
import dev.vigil.testsupport.LanFrames;
import dev.vigil.testsupport.PcapFiles;
import io.micronaut.context.ApplicationContext;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device that joins the LAN after the model was trained ({@code model.continual.grace}): the
 * daemon reads the same capture twice with the same model (trained on the LAN without it, then read
 * from the bundle), once without grace and once with. The new device announces itself with ARP and
 * talks to the gateway unlike anything learned; from its MAC also comes traffic with an address no
 * device claims. Without grace both are alerted on; with grace the new device's alerts are exactly
 * the critical ones, its other flagged windows counted as graced, while the unclaimed address,
 * which is no LAN device's own, is alerted on as before.
 */
class NewDeviceGraceDaemonTest {
  private static final int GATEWAY = 1;
  private static final int CAMERA = 12;
  private static final int PLUG = 13;
  private static final int NEW_DEVICE = 40;
  private static final int NOISY_DEVICE = 41;
  private static final String NEW_DEVICE_IP = "10.77.0.40";
  private static final String NOISY_DEVICE_IP = "10.77.0.41";
  private static final String UNCLAIMED_IP = "10.77.0.99";
  private static final long S = 1_000_000L;

  @TempDir Path tmp;
  private ApplicationContext ctx;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    if (ctx != null) {
      ctx.close();
    }
  }

  /**
   * The camera and the plug talk to the gateway one to three and one or two times every 2 s;
   * everyone announces itself.
   */
  private static void lan(List<PcapFiles.Frame> frames, long t0, long seconds, int... hosts) {
    for (long t = 0; t < seconds * S; t += 10 * S) {
      for (int h : hosts) {
        frames.add(new PcapFiles.Frame(t0 + t + h * 1000, arp(h, h == GATEWAY ? CAMERA : GATEWAY)));
      }
    }
    Random r = new Random(seconds);
    for (long t = 0; t < seconds * S; t += 2 * S) {
      for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
        exchange(frames, t0 + t + 3000 + i * 300_000L, CAMERA, GATEWAY, 1883);
      }
      for (int i = 0, n = 1 + r.nextInt(2); i < n; i++) {
        exchange(frames, t0 + t + 1_000_000 + i * 300_000L, PLUG, GATEWAY, 1883);
      }
    }
  }

  private static Path write(Path file, List<PcapFiles.Frame> frames) throws Exception {
    frames.sort(Comparator.comparingLong(PcapFiles.Frame::timestampMicros));
    PcapFiles.write(file, 256, frames);
    return file;
  }

  /** Ten minutes of the LAN as it was when the model was trained. */
  private static Path training(Path dir) throws Exception {
    List<PcapFiles.Frame> frames = new ArrayList<>();
    lan(frames, (System.currentTimeMillis() - 7_200_000L) * 1000, 600, GATEWAY, CAMERA, PLUG);
    return write(dir.resolve("train.pcap"), frames);
  }

  /**
   * Five minutes of the LAN; from the first minute on, the new device too: four short connections a
   * second to the gateway's port 8883, and every 5 s a connection from an address no device claims.
   */
  private static Path scoring(Path dir) throws Exception {
    long t0 = (System.currentTimeMillis() - 600_000L) * 1000;
    List<PcapFiles.Frame> frames = new ArrayList<>();
    lan(frames, t0, 300, GATEWAY, CAMERA, PLUG);
    for (long t = 60 * S; t < 300 * S; t += 10 * S) {
      frames.add(new PcapFiles.Frame(t0 + t + 7000, arp(NEW_DEVICE, GATEWAY)));
    }
    for (long t = 60 * S; t < 300 * S; t += S / 4) {
      exchange(frames, t0 + t + 11_000, NEW_DEVICE, GATEWAY, 8883);
    }
    // a second new device, announced as well, only sends SYNs that are never answered: critical
    for (long t = 60 * S; t < 300 * S; t += 10 * S) {
      frames.add(new PcapFiles.Frame(t0 + t + 8000, arp(NOISY_DEVICE, GATEWAY)));
    }
    for (long t = 60 * S; t < 300 * S; t += 5 * S) {
      int sport = 30000 + (int) (t / S);
      frames.add(
          new PcapFiles.Frame(
              t0 + t + 31_000, LanFrames.tcp(NOISY_DEVICE, GATEWAY, sport, 8883, 0x02)));
    }
    for (long t = 60 * S; t < 300 * S; t += 5 * S) {
      int sport = 30000 + (int) (t / S);
      frames.add(
          new PcapFiles.Frame(
              t0 + t + 21_000,
              LanFrames.tcp(NEW_DEVICE, ip(99), GATEWAY, sport, 8883, 0x02, new byte[0])));
    }
    return write(dir.resolve("scoring.pcap"), frames);
  }

  private Path config(Path train, Path pcap, String continual) throws Exception {
    Path cfg = tmp.resolve("vigil.yaml");
    Files.writeString(
        cfg,
        String.join(
            "\n",
            "api: {host: 127.0.0.1, port: 0}",
            "capture: {pcap: " + pcap + "}",
            "model:",
            "  bundle: " + tmp.resolve("model.vigil"),
            "  train-pcaps: [" + train + "]",
            "  autoencoder: {hidden: 16, bottleneck: 4, epochs: 20}",
            "  lstm: {enabled: false}",
            "  forest: {trees: 30}",
            continual,
            ""));
    return cfg;
  }

  /** Runs the daemon on {@code cfg} until its capture is finished; returns its alerts. */
  private List<Map<String, Object>> run(Path cfg) throws Exception {
    ctx = VigilDaemon.start(ConfigLoader.load(cfg));
    String base = ctx.getBean(EmbeddedServer.class).getURL().toString();
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (!health(base).contains("\"finished\"") && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertThat(get(base + "/health")).contains("\"finished\"");
    return ctx.getBean(JsonMapper.class)
        .readValue(
            get(base + "/alerts?limit=10000"),
            Argument.listOf(Argument.mapOf(String.class, Object.class)));
  }

  @SuppressWarnings("unchecked")
  private static List<String> severities(List<Map<String, Object>> alerts, String ip) {
    return alerts.stream()
        .filter(a -> ip.equals(a.get("src_ip")))
        .filter(a -> "ensemble".equals(((Map<String, Object>) a.get("vigil")).get("detector")))
        .map(a -> (String) ((Map<String, Object>) a.get("vigil")).get("severity"))
        .toList();
  }

  @Test
  @SuppressWarnings("unchecked")
  void aNewDeviceIsAlertedOnlyWhenCriticalDuringItsGrace_anUnclaimedAddressAsBefore()
      throws Exception {
    Path train = training(tmp);
    Path pcap = scoring(tmp);

    List<Map<String, Object>> without = run(config(train, pcap, ""));
    ctx.close();
    ctx = null;
    assertThat(tmp.resolve("model.vigil")).exists();
    List<String> newWithout = severities(without, NEW_DEVICE_IP);
    List<String> noisyWithout = severities(without, NOISY_DEVICE_IP);
    List<String> unclaimedWithout = severities(without, UNCLAIMED_IP);
    System.out.printf(
        "without grace, alerts by severity: new device %s, noisy new device %s, unclaimed address"
            + " %s%n",
        newWithout, noisyWithout, unclaimedWithout);
    assertThat(newWithout)
        .as("without grace, the new device alerts, not (all) critically")
        .anyMatch(x -> !"critical".equals(x));
    assertThat(noisyWithout).as("the noisy new device alerts critically").contains("critical");
    assertThat(unclaimedWithout).as("the unclaimed address alerts").isNotEmpty();

    List<Map<String, Object>> with =
        run(config(train, pcap, "  continual: {every: 24h, grace: 1h}"));
    String base = ctx.getBean(EmbeddedServer.class).getURL().toString();
    assertThat(severities(with, NEW_DEVICE_IP))
        .as("in grace: the critical ones only")
        .isEqualTo(newWithout.stream().filter("critical"::equals).toList());
    assertThat(severities(with, NOISY_DEVICE_IP))
        .as("in grace: the critical ones only")
        .isEqualTo(noisyWithout.stream().filter("critical"::equals).toList());
    assertThat(severities(with, UNCLAIMED_IP))
        .as("no LAN device's own address: no grace")
        .isEqualTo(unclaimedWithout);

    Map<String, Object> health =
        ctx.getBean(JsonMapper.class).readValue(get(base + "/health"), Map.class);
    Map<String, Object> model =
        (Map<String, Object>) ((Map<String, Object>) health.get("components")).get("model");
    Map<String, Object> grace =
        (Map<String, Object>)
            ((Map<String, Object>) ((Map<String, Object>) model.get("details")).get("continual"))
                .get("grace");
    assertThat(grace)
        .as("two new devices in grace: %s", grace)
        .containsEntry("started", 2)
        .containsEntry("hosts", 2);
    Scrape scrape = Scrape.parse(get(base + "/prometheus"));
    assertThat(scrape.sum("vigil_windows_graced_total"))
        .isEqualTo(
            newWithout.stream().filter(x -> !"critical".equals(x)).count()
                + noisyWithout.stream().filter(x -> !"critical".equals(x)).count());
  }

  /** {@code /health}'s body, whatever its status (503 while starting). */
  private String health(String base) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(base + "/health"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private String get(String url) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
    return r.body();
  }
}
