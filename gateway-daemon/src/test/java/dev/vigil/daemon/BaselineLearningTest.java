package dev.vigil.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.daemon.config.ConfigLoader;
import dev.vigil.features.capture.FrameSink;
import dev.vigil.features.capture.PcapFileReader;
import io.micronaut.context.ApplicationContext;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On-device baseline learning: the daemon collects this network's windows, trains in the background
 * and swaps the new model in while capture goes on, losing no packet and no window; the learned
 * model is saved as the bundle and loaded on the next start.
 */
class BaselineLearningTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private ApplicationContext ctx;

  @AfterEach
  void stop() {
    if (ctx != null) {
      ctx.close();
    }
  }

  private HttpResponse<String> get(String path) throws Exception {
    String base = ctx.getBean(EmbeddedServer.class).getURL().toString();
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> details(String component) throws Exception {
    Map<String, Object> h =
        ctx.getBean(JsonMapper.class).readValue(get("/health").body(), Map.class);
    return (Map<String, Object>)
        ((Map<String, Object>) ((Map<String, Object>) h.get("components")).get(component))
            .get("details");
  }

  private double metric(String name) throws Exception {
    Matcher m =
        Pattern.compile("(?m)^" + name + " ([0-9.E+-]+)$").matcher(get("/prometheus").body());
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  private void waitFor(String what, Duration limit, Check c) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!c.ok()) {
      assertThat(System.nanoTime()).as("timed out waiting for " + what).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  /**
   * A model trained on the benign demo capture is in service from the start; the daemon learns the
   * first 300 s of the same capture as this device's baseline, trains it in the background and
   * swaps it in: every window is scored (none waits for training), and the learned model is the
   * bundle.
   */
  @Test
  @SuppressWarnings("unchecked")
  void learnsInTheBackgroundAndSwapsWithoutLosingAWindow(@TempDir Path tmp) throws Exception {
    Path bundle = tmp.resolve("model.vigil");
    Path cfg = tmp.resolve("vigil.yaml");
    Files.writeString(
        cfg,
        String.join(
            "\n",
            "api: {port: 0}",
            "capture: {pcap: 'classpath:demo/demo-benign.pcap'}",
            "model:",
            "  bundle: " + bundle,
            "  train-pcaps: ['classpath:demo/demo-benign.pcap']",
            "  learn: {duration: 300s, min-vectors: 50}",
            "  autoencoder: {epochs: 10}",
            "  lstm: {epochs: 5}",
            ""));
    ctx = VigilDaemon.start(ConfigLoader.load(cfg));
    waitFor(
        "generation 2",
        Duration.ofSeconds(180),
        () -> Integer.valueOf(2).equals(details("model").get("generation")));
    Map<String, Object> model = details("model");
    assertThat((String) model.get("origin")).startsWith("learned on this device from ");
    Map<String, Object> learning = (Map<String, Object>) model.get("learning");
    assertThat((String) learning.get("state")).startsWith("done in ");
    assertThat(((Number) learning.get("collected")).intValue()).isGreaterThanOrEqualTo(50);
    Map<String, Object> capture = details("capture");
    assertThat(capture.get("state")).isEqualTo("finished");
    assertThat(metric("vigil_model_generation")).isEqualTo(2.0);
    assertThat(metric("vigil_model_swaps_total")).isEqualTo(1.0);
    assertThat(metric("vigil_windows_unscored_total")).isZero();
    assertThat(metric("vigil_windows_scored_total"))
        .isEqualTo(((Number) capture.get("windows")).doubleValue());
    assertThat(bundle).isRegularFile();
  }

  /**
   * Live capture on loopback with no model at all: windows are collected (unscored) while devices
   * talk, the model is trained in the background and swapped in while the traffic goes on; every
   * datagram sent is captured and read, none dropped. A restart loads the learned bundle instead of
   * learning again.
   */
  @Test
  @SuppressWarnings("unchecked")
  void learnsLiveTrafficFromScratchWithoutDroppingPackets(@TempDir Path tmp) throws Exception {
    Path bundle = tmp.resolve("model.vigil");
    try (DatagramSocket receiver =
        new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      int port = receiver.getLocalPort();
      Path cfg = tmp.resolve("vigil.yaml");
      Files.writeString(
          cfg,
          String.join(
              "\n",
              "api: {port: 0}",
              "capture:",
              "  interface: lo",
              "  promiscuous: false",
              "  filter: udp and dst port " + port,
              "  immediate: true",
              "  timeout: 50ms",
              "features: {window: 500ms}",
              "model:",
              "  bundle: " + bundle,
              "  learn: {duration: 20s, min-vectors: 100}",
              "  autoencoder: {epochs: 10}",
              "  lstm: {epochs: 5, sequence-length: 8}",
              ""));
      ctx = VigilDaemon.start(ConfigLoader.load(cfg));
      waitFor(
          "capture to start",
          Duration.ofSeconds(60),
          () -> "capturing".equals(details("capture").get("state")));

      // four "devices" (127.0.0.2-5) each send a datagram every 10 ms, bounded in count and time
      AtomicLong sent = new AtomicLong();
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> senders = new ArrayList<>();
      for (int k = 2; k <= 5; k++) {
        InetAddress src = InetAddress.getByName("127.0.0." + k);
        int size = 40 + 20 * k;
        Thread t =
            new Thread(
                () -> {
                  try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(src, 0))) {
                    byte[] payload = new byte[size];
                    for (int i = 0; i < 9_000 && !stop.get(); i++) {
                      s.send(
                          new DatagramPacket(
                              payload, payload.length, InetAddress.getLoopbackAddress(), port));
                      sent.incrementAndGet();
                      Thread.sleep(10);
                    }
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
        t.start();
        senders.add(t);
      }
      try {
        waitFor(
            "the learned model",
            Duration.ofSeconds(120),
            () -> Integer.valueOf(1).equals(details("model").get("generation")));
        assertThat(metric("vigil_windows_unscored_total")).isPositive();
        double scoredAtSwap = metric("vigil_windows_scored_total");
        waitFor(
            "windows scored by the learned model",
            Duration.ofSeconds(30),
            () -> metric("vigil_windows_scored_total") > scoredAtSwap + 20);
      } finally {
        stop.set(true);
        for (Thread t : senders) {
          t.join(10_000);
        }
      }
      long total = sent.get();
      waitFor(
          "every datagram to be read",
          Duration.ofSeconds(20),
          () ->
              metric("vigil_packets_read_total") >= total
                  && ((Number) details("capture").get("captured")).longValue() >= total);
      Map<String, Object> capture = details("capture");
      assertThat(((Number) capture.get("captured")).longValue()).isEqualTo(total);
      assertThat(((Number) capture.get("kernel_dropped")).longValue()).isZero();
      assertThat(((Number) capture.get("ring_overflows")).longValue()).isZero();
      assertThat(metric("vigil_packets_read_total")).isEqualTo((double) total);
      Map<String, Object> model = details("model");
      assertThat((String) model.get("origin")).startsWith("learned on this device");
      assertThat(bundle).isRegularFile();

      ctx.close();
      ctx = VigilDaemon.start(ConfigLoader.load(cfg));
      waitFor(
          "the bundle to load",
          Duration.ofSeconds(60),
          () -> details("model").containsKey("origin"));
      Map<String, Object> reloaded = details("model");
      assertThat((String) reloaded.get("origin")).isEqualTo("bundle " + bundle);
      assertThat((String) ((Map<String, Object>) reloaded.get("learning")).get("state"))
          .startsWith("off: model loaded from the bundle");
    }
  }

  /** The number of packets in a capture, read independently of the daemon. */
  static long packets(Path pcap) throws Exception {
    long[] n = {0};
    FrameSink count = (f, c, w, ts) -> n[0]++;
    new PcapFileReader(pcap).read(count);
    return n[0];
  }
}
