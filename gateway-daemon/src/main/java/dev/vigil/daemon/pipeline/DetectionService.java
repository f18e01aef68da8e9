package dev.vigil.daemon.pipeline;

import dev.vigil.daemon.alerts.Alert;
import dev.vigil.daemon.alerts.AlertStore;
import dev.vigil.daemon.alerts.EveLog;
import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.detect.FeatureStats;
import dev.vigil.detect.ForestModel;
import dev.vigil.detect.ForestParams;
import dev.vigil.features.PacketFeaturePipeline;
import dev.vigil.features.capture.CaptureOptions;
import dev.vigil.features.capture.FrameRing;
import dev.vigil.features.capture.FrameSink;
import dev.vigil.features.capture.LiveCapture;
import dev.vigil.features.capture.PcapFileReader;
import dev.vigil.features.packet.Addresses;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import io.micronaut.serde.ObjectMapper;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the detection path on its own thread once the HTTP server is up: fit the Isolation Forest on
 * the benign captures, then read the configured capture, score every closed host window and raise
 * alerts above the threshold.
 *
 * <p>A failure in any step marks that component DOWN in {@link HealthState} and is logged; the
 * daemon keeps serving.
 */
@Singleton
public final class DetectionService {
  static final String CAPTURE = "capture";
  static final String MODEL = "model";
  static final String HTTP = "http";
  private static final int SIGNATURE_ID = 9_000_001;
  private static final Logger LOG = LoggerFactory.getLogger(DetectionService.class);

  private final VigilConfig config;
  private final HealthState health;
  private final AlertStore alerts;
  private final ObjectMapper mapper;
  private final Counter packetsRead;
  private final Counter alertsRaised;
  private final Counter processingErrors;
  private final Counter windowsScored;
  private final Timer scoreLatency;
  private final AtomicLong trackedHosts = new AtomicLong();
  private final AtomicLong alertSeq = new AtomicLong();
  private volatile LiveCapture.Stats captureStats = new LiveCapture.Stats(0, 0, 0, 0, 0);
  private volatile Thread worker;
  private volatile EveLog eve;

  DetectionService(
      VigilConfig config,
      HealthState health,
      AlertStore alerts,
      ObjectMapper mapper,
      MeterRegistry registry) {
    this.config = config;
    this.health = health;
    this.alerts = alerts;
    this.mapper = mapper;
    this.packetsRead =
        Counter.builder("vigil.packets.read")
            .description("Packets read from the capture source")
            .register(registry);
    this.alertsRaised =
        Counter.builder("vigil.alerts.raised").description("Alerts raised").register(registry);
    this.processingErrors =
        Counter.builder("vigil.processing.errors")
            .description("Frames skipped because processing them failed")
            .register(registry);
    this.windowsScored =
        Counter.builder("vigil.windows.scored")
            .description("Host windows scored by the detector")
            .register(registry);
    this.scoreLatency =
        Timer.builder("vigil.score.latency")
            .description("Time to score one feature vector")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    Gauge.builder("vigil.hosts.tracked", trackedHosts, AtomicLong::get)
        .description("Hosts held in the window table")
        .register(registry);
    Gauge.builder("vigil.capture.kernel.dropped", this, d -> d.captureStats.dropped())
        .description("Packets the kernel dropped (libpcap ps_drop), live capture")
        .register(registry);
    Gauge.builder("vigil.capture.interface.dropped", this, d -> d.captureStats.ifDropped())
        .description("Packets the interface dropped (libpcap ps_ifdrop), live capture")
        .register(registry);
    Gauge.builder("vigil.capture.ring.overflows", this, d -> d.captureStats.ringOverflows())
        .description("Frames dropped because processing fell behind capture")
        .register(registry);
    health.set(MODEL, ComponentHealth.STARTING, Map.of("state", "waiting"));
    health.set(CAPTURE, ComponentHealth.STARTING, Map.of("state", "waiting for model"));
    health.set(HTTP, ComponentHealth.STARTING, Map.of());
  }

  @EventListener
  void onStartup(ServerStartupEvent event) {
    health.set(HTTP, ComponentHealth.UP, Map.of("url", event.getSource().getURL().toString()));
    Thread t = new Thread(this::run, "vigil-detect");
    t.setDaemon(true);
    worker = t;
    t.start();
  }

  @PreDestroy
  void stop() throws IOException {
    Thread t = worker;
    if (t != null) {
      t.interrupt();
    }
    EveLog e = eve;
    if (e != null) {
      e.close();
    }
  }

  private void run() {
    try {
      if (config.alerts().eveLog().isPresent()) {
        eve = new EveLog(config.alerts().eveLog().get(), mapper);
      }
    } catch (IOException e) {
      LOG.error("cannot open alert log [{}]: {}", config.alerts().eveLog().get(), e.toString());
    }
    ForestModel model = train();
    if (model != null) {
      score(model);
    }
  }

  private ForestModel train() {
    VigilConfig.Model m = config.model();
    health.set(
        MODEL,
        ComponentHealth.STARTING,
        Map.of("state", "training", "files", m.trainPcaps().size()));
    long t0 = System.nanoTime();
    try {
      List<float[]> rows = new ArrayList<>();
      long packets = 0;
      for (Path p : m.trainPcaps()) {
        PacketFeaturePipeline fp =
            new PacketFeaturePipeline(
                config.features().set(),
                windowMicros(),
                config.features().maxHosts(),
                (hi, lo, s, e, v) -> rows.add(v.clone()));
        packets += new PcapFileReader(p).read(fp);
        fp.flush();
      }
      ForestModel model =
          ForestModel.fit(
              config.features().set().schema(),
              rows,
              new ForestParams(
                  m.trees(), m.subsample(), m.seed(), m.thresholdQuantile(), m.extensionLevel()));
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("detector", "isolation-forest");
      d.put("schema", model.schema().id());
      d.put("trees", model.trees());
      d.put("extension_level", m.extensionLevel());
      d.put("training_files", m.trainPcaps().size());
      d.put("training_packets", packets);
      d.put("training_vectors", model.trainingRows());
      d.put("threshold", model.threshold());
      d.put("training_ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
      health.set(MODEL, ComponentHealth.UP, d);
      LOG.info(
          "model fitted on {} vectors from {} packets in {} files; threshold [{}]",
          model.trainingRows(),
          packets,
          m.trainPcaps().size(),
          model.threshold());
      return model;
    } catch (IOException | RuntimeException e) {
      LOG.error("model training failed, detection is off: {}", e.toString());
      health.set(MODEL, ComponentHealth.DOWN, Map.of("error", String.valueOf(e.getMessage())));
      health.set(CAPTURE, ComponentHealth.DOWN, Map.of("error", "no model"));
      return null;
    }
  }

  private void score(ForestModel model) {
    if (config.capture().isLive()) {
      scoreLive(model);
    } else {
      scoreFile(model);
    }
  }

  private PacketFeaturePipeline scoringPipeline(ForestModel model) {
    return new PacketFeaturePipeline(
        config.features().set(),
        windowMicros(),
        config.features().maxHosts(),
        (hi, lo, start, end, v) -> onWindow(model, hi, lo, start, end, v));
  }

  private void scoreFile(ForestModel model) {
    Path file = config.capture().pcap();
    health.set(CAPTURE, ComponentHealth.UP, Map.of("source", file.toString(), "state", "reading"));
    PacketFeaturePipeline fp = scoringPipeline(model);
    try {
      long n = new PcapFileReader(file).read(guarded(fp));
      fp.flush();
      trackedHosts.set(fp.features().hostCount());
      Map<String, Object> d = pipelineDetails(fp, file.toString(), "finished");
      d.put("packets", n);
      health.set(CAPTURE, ComponentHealth.UP, d);
      LOG.info(
          "capture [{}] done: {} packets, {} windows, {} alerts",
          file,
          n,
          fp.features().emitted(),
          alerts.total());
    } catch (IOException | RuntimeException e) {
      LOG.error("capture [{}] failed: {}", file, e.toString());
      health.set(
          CAPTURE,
          ComponentHealth.DOWN,
          Map.of("source", file.toString(), "error", String.valueOf(e.getMessage())));
    }
  }

  /**
   * Captures live until the daemon stops: the capture thread fills the ring, this thread drains it
   * into the feature pipeline, and once a second closes the windows of silent hosts and publishes
   * the capture counters.
   */
  private void scoreLive(ForestModel model) {
    CaptureOptions o = config.capture().live();
    String source = config.capture().source();
    FrameRing ring = new FrameRing(config.capture().ringSlots(), o.snaplen());
    PacketFeaturePipeline fp = scoringPipeline(model);
    FrameSink counted = guarded(fp);
    try (LiveCapture cap = new LiveCapture(o, ring)) {
      cap.start();
      LOG.info("capturing on [{}] (filter [{}])", o.device(), o.filter());
      long nextTick = 0;
      while (!Thread.currentThread().isInterrupted()) {
        int n = ring.drain(counted, 4096);
        long now = System.currentTimeMillis();
        if (now >= nextTick) {
          nextTick = now + 1000;
          fp.tick(now * 1000);
          trackedHosts.set(fp.features().hostCount());
          LiveCapture.Stats st = cap.stats();
          captureStats = st;
          if (!cap.isRunning()) {
            Throwable f = cap.failure();
            throw new IOException(
                "capture thread on ["
                    + o.device()
                    + "] stopped: "
                    + (f == null ? "unknown" : f.getMessage()),
                f);
          }
          Map<String, Object> d = pipelineDetails(fp, source, "capturing");
          d.put("received", st.received());
          d.put("kernel_dropped", st.dropped());
          d.put("interface_dropped", st.ifDropped());
          d.put("ring_overflows", st.ringOverflows());
          d.put("captured", st.captured());
          health.set(CAPTURE, ComponentHealth.UP, d);
        }
        if (n == 0) {
          LockSupport.parkNanos(200_000);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("live capture on [{}] failed: {}", o.device(), e.getMessage());
      health.set(
          CAPTURE,
          ComponentHealth.DOWN,
          Map.of("source", source, "error", String.valueOf(e.getMessage())));
    }
  }

  /**
   * Counts each frame and feeds it to {@code fp}; a frame whose processing throws is counted and
   * logged (the first few) and skipped, so that one bad frame never stops detection.
   */
  private FrameSink guarded(PacketFeaturePipeline fp) {
    return (frame, cap, wire, ts) -> {
      packetsRead.increment();
      try {
        fp.onFrame(frame, cap, wire, ts);
      } catch (RuntimeException e) {
        processingErrors.increment();
        if (processingErrors.count() <= 10) {
          LOG.warn("processing a frame failed, frame skipped: {}", e.toString());
        }
      }
    };
  }

  private static Map<String, Object> pipelineDetails(
      PacketFeaturePipeline fp, String source, String state) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("source", source);
    d.put("state", state);
    d.put("windows", fp.features().emitted());
    d.put("hosts", fp.features().hostCount());
    d.put("evictions", fp.features().evictions());
    d.put("dropped_short_tails", fp.features().droppedTails());
    d.put("parse_errors", fp.parser().errorCounts().toString());
    return d;
  }

  private void onWindow(ForestModel model, long hi, long lo, long start, long end, float[] v) {
    long t0 = System.nanoTime();
    double s = model.score(v);
    scoreLatency.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    windowsScored.increment();
    if (s <= model.threshold()) {
      return;
    }
    List<Alert.Feature> why = new ArrayList<>();
    for (FeatureStats.Deviation d : model.stats().topDeviations(v, 3)) {
      why.add(new Alert.Feature(d.name(), d.value(), d.normalMean(), d.zScore()));
    }
    double margin = (s - model.threshold()) / Math.max(1e-9, 1 - model.threshold());
    int severity = margin > 0.5 ? 1 : margin > 0.2 ? 2 : 3;
    Alert a =
        new Alert(
            micros(end),
            "alert",
            Addresses.format(hi, lo),
            new Alert.Signature(
                "allowed",
                SIGNATURE_ID,
                "VIGIL anomalous host traffic window",
                "Anomalous traffic",
                severity),
            new Alert.Detail(
                Long.toString(alertSeq.incrementAndGet()),
                "isolation-forest",
                s,
                model.threshold(),
                micros(start),
                micros(end),
                Instant.now().toString(),
                model.schema().id(),
                why));
    alerts.add(a);
    alertsRaised.increment();
    EveLog e = eve;
    if (e != null) {
      try {
        e.write(a);
      } catch (IOException ex) {
        LOG.warn("cannot write alert to [{}]: {}", e.file(), ex.toString());
      }
    }
  }

  private long windowMicros() {
    return config.features().window().toNanos() / 1000;
  }

  private static String micros(long epochMicros) {
    return Instant.ofEpochSecond(
            Math.floorDiv(epochMicros, 1_000_000L), Math.floorMod(epochMicros, 1_000_000L) * 1000L)
        .toString();
  }
}
