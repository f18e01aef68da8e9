package dev.vigil.daemon.pipeline;

import dev.vigil.daemon.alerts.Alert;
import dev.vigil.daemon.alerts.AuthFailureAlerts;
import dev.vigil.daemon.alerts.BeaconAlerts;
import dev.vigil.daemon.alerts.FloodAlerts;
import dev.vigil.daemon.alerts.HostWindowAlerts;
import dev.vigil.daemon.alerts.ScanAlerts;
import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.daemon.metrics.LatencyBuckets;
import dev.vigil.detect.fusion.Severity;
import dev.vigil.detect.model.EnsembleScorer;
import dev.vigil.features.PacketFeaturePipeline;
import dev.vigil.features.binding.AddressBindings;
import dev.vigil.features.capture.AutoInterface;
import dev.vigil.features.capture.CaptureOptions;
import dev.vigil.features.capture.FileReplay;
import dev.vigil.features.capture.FrameRing;
import dev.vigil.features.capture.FrameSink;
import dev.vigil.features.capture.LiveCapture;
import dev.vigil.features.flow.AuthFailureTracker;
import dev.vigil.features.flow.BeaconTracker;
import dev.vigil.features.flow.FloodDetector;
import dev.vigil.features.flow.ScanDetector;
import dev.vigil.features.packet.Addresses;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the detection path on its own thread once the HTTP server is up: get the model (bundle,
 * benign captures, or baseline learning; see {@link ModelManager}), then read the configured
 * capture, score every closed host window with the ensemble and raise explained alerts at or above
 * the calibrated threshold.
 *
 * <p>A failure in any step marks that component DOWN in {@link HealthState} and is logged; the
 * daemon keeps serving.
 */
@Singleton
public final class DetectionService {
  static final String CAPTURE = "capture";
  static final String MODEL = "model";
  static final String HTTP = "http";
  private static final long MAX_REOPEN_DELAY_MS = 30_000;

  /**
   * How long an IP-to-MAC binding must hold uncontested before an alert may call another MAC's use
   * of the address spoofing ({@link AddressBindings}).
   */
  public static final long BINDING_TRUST_MICROS = 30_000_000L;

  private static final Logger LOG = LoggerFactory.getLogger(DetectionService.class);

  private final VigilConfig config;
  private final HealthState health;
  private final AlertOutput alerts;
  private final Counter packetsRead;
  private final Counter processingErrors;
  private final Counter windowsScored;
  private final Counter windowsUnscored;
  private final Counter windowsEarly;
  private final Counter windowsGraced;
  private final Counter captureReopens;
  private final Counter beaconReports;
  private final Counter authReports;
  private final Counter scanReports;
  private final Counter floodReports;
  private final Counter spoofedAlerts;
  // The flow trackers fed by the scoring pipeline (the scoring thread only); null when off.
  private BeaconTracker beacons;
  private AuthFailureTracker authFailures;
  private ScanDetector scans;
  private FloodDetector floods;
  // Who sent each LAN address's packets (the scoring thread only); set with the pipeline.
  private AddressBindings bindings;
  // its counts, published by the scoring thread once a second for the meters
  private volatile long bindingsHeld;
  private volatile long bindingConflicts;
  private final ModelManager models;
  private int healthGeneration;
  private final Timer scoreLatency;
  private final AtomicLong trackedHosts = new AtomicLong();
  // libpcap's drop counters since start, across reopenings (each opening starts its own from 0);
  // written once a second by the scoring thread, read by the meters
  private volatile long kernelDropped;
  private volatile long interfaceDropped;
  private volatile long ringOverflows;
  // the drops of the openings before the current one (the scoring thread only)
  private long kernelDroppedBefore;
  private long interfaceDroppedBefore;
  private volatile Thread worker;
  private volatile Thread warmUp;

  /** The longest capture waits for the alert path's warm-up at start. */
  static final long WARM_UP_WAIT_MS = 2_000;

  /** Longest wait, at shutdown, for the scoring thread and for background training each. */
  static final long STOP_WAIT_MS = 10_000;

  // For the watchdog: when the live scoring loop last came round (0 until it first does), the
  // capture it drains (null between openings), and whether the scoring thread ended.
  private volatile long loopNanos;
  private volatile LiveCapture liveCapture;
  private volatile boolean ended;
  // The feature table whose window onWindow is handling (the scoring thread only).
  private dev.vigil.features.HostFeatures emitting;

  DetectionService(
      VigilConfig config, HealthState health, AlertOutput alerts, MeterRegistry registry) {
    this.config = config;
    this.health = health;
    this.alerts = alerts;
    this.packetsRead =
        Counter.builder("vigil.packets.read")
            .description("Packets read from the capture source")
            .register(registry);
    this.processingErrors =
        Counter.builder("vigil.processing.errors")
            .description("Frames skipped because processing them failed")
            .register(registry);
    this.windowsScored =
        Counter.builder("vigil.windows.scored")
            .description("Host windows scored by the detector")
            .register(registry);
    this.windowsUnscored =
        Counter.builder("vigil.windows.unscored")
            .description("Host windows not scored because no model was in service yet (learning)")
            .register(registry);
    this.windowsGraced =
        Counter.builder("vigil.windows.graced")
            .description(
                "Host windows the model flagged that were not alerted on because their host, a new"
                    + " LAN device, was in its grace (model.continual.grace)")
            .register(registry);
    this.windowsEarly =
        Counter.builder("vigil.windows.early")
            .description(
                "Host windows closed and scored before their end because their counts already"
                    + " passed the benign maximum (features.early-windows)")
            .register(registry);
    this.captureReopens =
        Counter.builder("vigil.capture.reopenings")
            .description("Live capture reopened after it failed (interface down or gone)")
            .register(registry);
    this.beaconReports =
        Counter.builder("vigil.beacons")
            .description(
                "Beacons reported: a host opening conversations with a new peer on a steady clock")
            .register(registry);
    this.authReports =
        Counter.builder("vigil.auth.failures.reports")
            .description("Clients reported for too many refused logins (password guessing)")
            .register(registry);
    this.scanReports =
        Counter.builder("vigil.scans")
            .description(
                "Scanners reported: sources whose first-contact connection attempts failed as a"
                    + " scanner's do (Threshold Random Walk)")
            .register(registry);
    this.floodReports =
        Counter.builder("vigil.floods")
            .description(
                "Floods reported: a host's packet rate of one kind, as sender or as target, far"
                    + " past its learned baseline (CUSUM)")
            .register(registry);
    this.spoofedAlerts =
        Counter.builder("vigil.alerts.spoofed")
            .description(
                "Host alerts whose address was sent from a MAC other than its trusted binding"
                    + " (decided on the sender's MAC)")
            .register(registry);
    FunctionCounter.builder("vigil.bindings.conflicts", this, d -> d.bindingConflicts)
        .description(
            "ARP, NDP or DHCP claims on an address refused because its trusted owner still uses it")
        .register(registry);
    Gauge.builder("vigil.bindings", this, d -> d.bindingsHeld)
        .description("LAN addresses bound to a MAC (learned from ARP, NDP and DHCP ACKs)")
        .register(registry);
    this.models = ModelManager.forPackets(config);
    Gauge.builder("vigil.model.generation", models, m -> generation(m))
        .description("Model generation in service: 1 for the first, one more per hot swap")
        .register(registry);
    FunctionCounter.builder("vigil.model.swaps", models, ModelManager::swaps)
        .description("Models swapped in while running")
        .register(registry);
    // resolved once: the scoring thread records into this reference, no lookup per window
    this.scoreLatency =
        Timer.builder("vigil.score.latency")
            .description("Time to score one host window's feature vector")
            .serviceLevelObjectives(LatencyBuckets.scoring())
            .register(registry);
    Gauge.builder("vigil.hosts.tracked", trackedHosts, AtomicLong::get)
        .description("Hosts held in the window table")
        .register(registry);
    FunctionCounter.builder("vigil.capture.kernel.dropped", this, d -> d.kernelDropped)
        .description("Packets the kernel dropped (libpcap ps_drop), live capture, all openings")
        .register(registry);
    FunctionCounter.builder("vigil.capture.interface.dropped", this, d -> d.interfaceDropped)
        .description(
            "Packets the interface dropped (libpcap ps_ifdrop), live capture, all openings")
        .register(registry);
    FunctionCounter.builder("vigil.capture.ring.overflows", this, d -> d.ringOverflows)
        .description("Frames dropped because processing fell behind capture")
        .register(registry);
    if (config.packetPath()) {
      health.set(MODEL, ComponentHealth.STARTING, Map.of("state", "waiting"));
      health.set(CAPTURE, ComponentHealth.STARTING, Map.of("state", "waiting for model"));
    }
    health.set(HTTP, ComponentHealth.STARTING, Map.of());
  }

  @EventListener
  void onStartup(ServerStartupEvent event) {
    health.set(HTTP, ComponentHealth.UP, Map.of("url", event.getSource().getURL().toString()));
    if (!config.packetPath()) {
      LOG.info("no capture configured: packet detection is off (telemetry only)");
      return;
    }
    Thread w = new Thread(this::warmUp, "vigil-warm-up");
    w.setDaemon(true);
    warmUp = w;
    w.start();
    Thread t = new Thread(this::run, "vigil-detect");
    t.setDaemon(true);
    worker = t;
    t.start();
  }

  /**
   * Runs {@link AlertOutput#warmUp()} off the packet thread while the model loads, so that the
   * first scan or flood alert after start is as fast as later ones; capture waits for it at most
   * {@value #WARM_UP_WAIT_MS} ms. It has no visible effect; a failure is logged and ignored.
   */
  private void warmUp() {
    long t0 = System.nanoTime();
    try {
      int n = alerts.warmUp();
      LOG.info(
          "alert path warmed up with [{}] synthetic alert(s) in [{}] ms",
          n,
          (System.nanoTime() - t0) / 1_000_000);
    } catch (RuntimeException e) {
      LOG.warn("alert path warm-up failed, the first alert may be slower: {}", e.toString());
    }
  }

  /** Waits for the warm-up to finish, at most {@value #WARM_UP_WAIT_MS} ms. */
  private void awaitWarmUp() {
    Thread w = warmUp;
    if (w == null) {
      return;
    }
    try {
      w.join(WARM_UP_WAIT_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops detection before the beans it feeds close: interrupts the scoring thread (capture and
   * replay stop, training in progress ends at its next epoch) and waits for it and for background
   * training, {@value #STOP_WAIT_MS} ms each at most, so that nothing is written (bundle, alerts,
   * decisions) once the daemon has stopped.
   */
  @PreDestroy
  void stop() {
    Thread t = worker;
    if (t != null) {
      t.interrupt();
    }
    try {
      models.close(STOP_WAIT_MS);
      if (t != null) {
        t.join(STOP_WAIT_MS);
        if (t.isAlive()) {
          LOG.warn("packet detection did not stop within {} ms", STOP_WAIT_MS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void publishBindings() {
    AddressBindings b = bindings;
    if (b != null) {
      bindingsHeld = b.size();
      bindingConflicts = b.conflicts();
    }
  }

  private static double generation(ModelManager m) {
    ModelManager.Active a = m.active();
    return a == null ? 0 : a.generation();
  }

  /**
   * Returns whether packet detection is making progress at {@code nowNanos} (for the systemd
   * watchdog): the live scoring loop came round within {@code staleNanos} (it does every second,
   * packets or none) and the capture it drains is {@link LiveCapture#progressing}. Starting (the
   * model loading or training before the loop begins), reading a file, having finished, and no
   * packet path at all count as progress: restarting would not help them.
   *
   * <p>Thread-safe.
   */
  public boolean progressing(long nowNanos, long staleNanos) {
    return progressing(loopNanos, ended, liveCapture, nowNanos, staleNanos);
  }

  /** {@link #progressing(long, long)} of a loop last seen at {@code loop} (0: not yet). */
  static boolean progressing(
      long loop, boolean ended, LiveCapture cap, long nowNanos, long staleNanos) {
    if (loop == 0 || ended) {
      return true;
    }
    if (nowNanos - loop >= staleNanos) {
      return false;
    }
    return cap == null || cap.progressing(nowNanos, staleNanos);
  }

  private void run() {
    try {
      detect();
    } finally {
      ended = true;
    }
  }

  private void detect() {
    health.set(MODEL, ComponentHealth.STARTING, Map.of("state", "loading or training"));
    try {
      ModelManager.Active a = models.initial(ModelManager.logListener());
      if (a != null) {
        LOG.info(
            "model in service: {} (schema {}, threshold {})",
            a.origin(),
            a.model().schema().id(),
            a.model().fusion(config.model().precision()).threshold());
      }
      publishModelHealth();
    } catch (ModelManager.TrainingStopped e) {
      LOG.info("packet model training stopped before its end: the daemon is stopping");
      return;
    } catch (IOException | RuntimeException e) {
      LOG.error("no model, detection is off: {}", e.getMessage());
      health.set(MODEL, ComponentHealth.DOWN, Map.of("error", String.valueOf(e.getMessage())));
      health.set(CAPTURE, ComponentHealth.DOWN, Map.of("error", "no model"));
      return;
    }
    awaitWarmUp();
    if (config.capture().isLive()) {
      scoreLive();
    } else {
      scoreFile();
    }
  }

  private void publishModelHealth() {
    ModelManager.Active a = models.active();
    healthGeneration = a == null ? 0 : a.generation();
    health.set(MODEL, ComponentHealth.UP, models.details());
  }

  private PacketFeaturePipeline scoringPipeline() {
    PacketFeaturePipeline fp =
        new PacketFeaturePipeline(
            config.features().set(),
            windowMicros(),
            config.features().maxHosts(),
            (hi, lo, start, end, v) -> onWindow(hi, lo, start, end, v));
    emitting = fp.features();
    VigilConfig.EarlyWindows early = config.features().earlyWindows();
    if (early != null) {
      // The judge asks the scorer in service at each checkpoint, so it follows model swaps.
      double margin = early.margin();
      fp.features()
          .earlyJudge(
              (x, growing) -> {
                EnsembleScorer s = models.scorer();
                return s != null && s.model().scaler().beyondRange(x, growing, margin);
              });
    }
    bindings =
        new AddressBindings(config.features().maxHosts(), BINDING_TRUST_MICROS, windowMicros());
    fp.observe(bindings);
    if (config.features().beacon() != null) {
      beacons = new BeaconTracker(config.features().beacon(), this::onBeacon);
      fp.observe(beacons);
    }
    if (config.features().authFailures() != null) {
      authFailures = new AuthFailureTracker(config.features().authFailures(), this::onAuthFailures);
      fp.observe(authFailures);
    }
    if (config.features().scan() != null) {
      scans = new ScanDetector(config.features().scan(), this::onScan);
      fp.observe(scans);
    }
    if (config.features().flood() != null) {
      floods = new FloodDetector(config.features().flood(), this::onFlood);
      fp.observe(floods);
    }
    return fp;
  }

  private void scoreFile() {
    Path file = config.capture().pcap();
    health.set(CAPTURE, ComponentHealth.UP, Map.of("source", file.toString(), "state", "reading"));
    PacketFeaturePipeline fp = scoringPipeline();
    try {
      long n = new FileReplay(file).read(guarded(fp)); // a reader thread reads ahead
      fp.flush();
      tickDetectors(fp.lastTimestampMicros() + 3_600_000_000L); // every attempt's time is up
      models.endOfInput();
      trackedHosts.set(fp.features().hostCount());
      publishBindings();
      Map<String, Object> d = pipelineDetails(fp, file.toString(), "finished");
      d.put("packets", n);
      health.set(CAPTURE, ComponentHealth.UP, d);
      LOG.info(
          "capture [{}] done: {} packets, {} windows, {} alerts",
          file,
          n,
          fp.features().emitted(),
          alerts.total());
      models.awaitTraining(TimeUnit.MINUTES.toMillis(30));
      models.scorer();
      publishModelHealth();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      if (Thread.currentThread().isInterrupted()) { // the daemon is stopping: not a failure
        LOG.info("capture [{}] stopped before its end", file);
        return;
      }
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
   * the capture counters. When the capture fails (the interface went down or away, or could not be
   * opened at all) the capture component is DOWN with the reason, and the device is opened again
   * after 1 s, doubling up to {@value #MAX_REOPEN_DELAY_MS} ms between failed attempts; the feature
   * pipeline, its windows and the model carry on across reopenings.
   */
  private void scoreLive() {
    CaptureOptions configured = config.capture().live();
    CaptureOptions o = configured;
    String source = config.capture().source();
    FrameRing ring = new FrameRing(config.capture().ringSlots(), configured.snaplen());
    PacketFeaturePipeline fp = scoringPipeline();
    FrameSink counted = guarded(fp);
    long delayMs = 1000;
    while (!Thread.currentThread().isInterrupted()) {
      try {
        o = resolveInterface(configured, o);
      } catch (IOException e) {
        o = configured;
        LOG.error("{}; looking again in {} ms", e.getMessage(), delayMs);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("source", source);
        d.put("error", e.getMessage());
        d.put("state", "no interface; looking again in " + delayMs + " ms");
        health.set(CAPTURE, ComponentHealth.DOWN, d);
        if (!sleepTicking(fp, delayMs)) {
          return;
        }
        delayMs = Math.min(MAX_REOPEN_DELAY_MS, delayMs * 2);
        continue;
      }
      try (LiveCapture cap = new LiveCapture(o, ring)) {
        cap.start();
        liveCapture = cap;
        alerts.capturing(o.device());
        if (captureReopens.count() > 0) {
          LOG.info(
              "capture on [{}] reopened (reopening #{})",
              o.device(),
              (long) captureReopens.count());
        } else {
          LOG.info("capturing on [{}] (filter [{}])", o.device(), o.filter());
        }
        delayMs = 1000;
        capture(cap, ring, fp, counted, o, source);
        return; // interrupted: the daemon stops
      } catch (IOException | RuntimeException e) {
        liveCapture = null;
        LOG.error(
            "live capture on [{}] failed: {}; opening it again in {} ms",
            o.device(),
            e.getMessage(),
            delayMs);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("source", source);
        d.put("error", String.valueOf(e.getMessage()));
        d.put("state", "reopening in " + delayMs + " ms");
        d.put("reopenings", (long) captureReopens.count());
        health.set(CAPTURE, ComponentHealth.DOWN, d);
      }
      kernelDroppedBefore = kernelDropped;
      interfaceDroppedBefore = interfaceDropped;
      if (!sleepTicking(fp, delayMs)) {
        return;
      }
      delayMs = Math.min(MAX_REOPEN_DELAY_MS, delayMs * 2);
      captureReopens.increment();
    }
  }

  /**
   * Waits {@code delayMs} while the capture is down, still closing the windows of hosts; false when
   * interrupted (the daemon stops).
   */
  private boolean sleepTicking(PacketFeaturePipeline fp, long delayMs) {
    long until = System.currentTimeMillis() + delayMs;
    while (System.currentTimeMillis() < until) {
      loopNanos = System.nanoTime();
      fp.tick(System.currentTimeMillis() * 1000);
      tickDetectors(System.currentTimeMillis() * 1000);
      try {
        Thread.sleep(Math.min(200, Math.max(1, until - System.currentTimeMillis())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /**
   * The options to open: {@code configured} as they are, or with {@code interface: auto} the
   * interface {@link AutoInterface} picks now (looked up at each opening, so a bridge that comes up
   * later is found; the choice is logged when it changes).
   */
  private static CaptureOptions resolveInterface(CaptureOptions configured, CaptureOptions last)
      throws IOException {
    if (!AutoInterface.AUTO.equals(configured.device())) {
      return configured;
    }
    AutoInterface.Choice c = AutoInterface.system().choose();
    if (!c.name().equals(last.device())) {
      LOG.info("capture.interface auto: chose [{}], {}", c.name(), c.reason());
    }
    return new CaptureOptions(
        c.name(),
        configured.promiscuous(),
        configured.snaplen(),
        configured.filter(),
        configured.bufferBytes(),
        configured.immediate(),
        configured.timeoutMillis(),
        configured.nanoTimestamps());
  }

  /** Runs one opened capture until it fails (throws) or the thread is interrupted (returns). */
  private void capture(
      LiveCapture cap,
      FrameRing ring,
      PacketFeaturePipeline fp,
      FrameSink counted,
      CaptureOptions o,
      String source)
      throws IOException {
    long nextTick = 0;
    while (!Thread.currentThread().isInterrupted()) {
      int n = ring.drain(counted, 4096);
      long now = System.currentTimeMillis();
      if (now >= nextTick) {
        nextTick = now + 1000;
        loopNanos = System.nanoTime();
        fp.tick(now * 1000);
        tickDetectors(now * 1000);
        trackedHosts.set(fp.features().hostCount());
        publishBindings();
        LiveCapture.Stats st = cap.stats();
        kernelDropped = kernelDroppedBefore + st.dropped();
        interfaceDropped = interfaceDroppedBefore + st.ifDropped();
        ringOverflows = st.ringOverflows(); // the ring outlives openings: already a total
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
        d.put("reopenings", (long) captureReopens.count());
        health.set(CAPTURE, ComponentHealth.UP, d);
        models.scorer();
        publishModelHealth();
      }
      if (n == 0) {
        LockSupport.parkNanos(200_000);
      }
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
      } catch (RuntimeException | LinkageError e) { // a stale jar must not flood the log per packet
        processingErrors.increment();
        if (processingErrors.count() <= 10) {
          LOG.warn("processing a frame failed, frame skipped: {}", e.toString());
        }
      }
    };
  }

  /** Lets the scan detector judge the attempts that went unanswered until {@code nowMicros}. */
  private void tickDetectors(long nowMicros) {
    ScanDetector sd = scans;
    if (sd != null) {
      sd.tick(nowMicros);
    }
  }

  private Map<String, Object> pipelineDetails(
      PacketFeaturePipeline fp, String source, String state) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("source", source);
    d.put("state", state);
    d.put("windows", fp.features().emitted());
    d.put("hosts", fp.features().hostCount());
    d.put("evictions", fp.features().evictions());
    d.put("dropped_short_tails", fp.features().droppedTails());
    d.put("parse_errors", fp.parser().errorCounts().toString());
    BeaconTracker b = beacons;
    if (b != null) {
      Map<String, Object> bd = new LinkedHashMap<>();
      bd.put("learning", b.learning());
      bd.put("learned_pairs", b.learnedPairs());
      bd.put("conversations", b.conversations());
      bd.put("evictions", b.evictions());
      bd.put("reports", b.reports());
      d.put("beacons", bd);
    }
    AuthFailureTracker af = authFailures;
    if (af != null) {
      Map<String, Object> ad = new LinkedHashMap<>();
      ad.put("refusals", af.refusals());
      ad.put("clients", af.clients());
      ad.put("reports", af.reports());
      d.put("auth_failures", ad);
    }
    ScanDetector sd = scans;
    if (sd != null) {
      Map<String, Object> sm = new LinkedHashMap<>();
      sm.put("attempts", sd.attempts());
      sm.put("sources", sd.sources());
      sm.put("evictions", sd.evictions());
      sm.put("reports", sd.reports());
      d.put("scans", sm);
    }
    FloodDetector fd = floods;
    if (fd != null) {
      Map<String, Object> fm = new LinkedHashMap<>();
      fm.put("learning", fd.learning());
      fm.put("keys", fd.keys());
      fm.put("evictions", fd.evictions());
      fm.put("reports", fd.reports());
      d.put("floods", fm);
    }
    return d;
  }

  private void onWindow(long hi, long lo, long start, long end, float[] v) {
    boolean early = emitting != null && emitting.emittingEarly();
    if (early) {
      windowsEarly.increment();
    }
    EnsembleScorer scorer = models.scorer();
    if (scorer == null) {
      windowsUnscored.increment();
      models.offer(hi, lo, end, v, false, false, false);
      return;
    }
    long t0 = System.nanoTime();
    scorer.score(hi, lo, end, v);
    scoreLatency.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    windowsScored.increment();
    boolean flagged = scorer.anomalous();
    ModelManager.Grace grace = models.grace(hi, lo, end, () -> lanMac(hi, lo, end));
    if (grace == ModelManager.Grace.STARTED) {
      LOG.info(
          "new device {} first seen since the model was trained: in grace for {} (not alerted on"
              + " by the model short of a critical score; learned meanwhile)",
          Addresses.format(hi, lo),
          config.model().continual().grace());
    }
    boolean critical = flagged && scorer.severity() == Severity.CRITICAL;
    boolean graced = grace != ModelManager.Grace.NONE;
    // a host in grace: its windows are learned unless critical, and alert only when critical
    models.offer(
        hi,
        lo,
        end,
        v,
        true,
        graced ? critical : flagged,
        flagged && scorer.severity().compareTo(Severity.HIGH) >= 0);
    if (!flagged) {
      return;
    }
    if (graced && !critical) {
      windowsGraced.increment();
      return;
    }
    if (graced) {
      models.distrust(hi, lo, end); // critical in its grace: the grace ends, its sample is dropped
    }
    boolean responder = emitting != null && emitting.emittingResponder();
    alerts.publish(
        attributed(
            HostWindowAlerts.of(
                Addresses.format(hi, lo),
                start,
                end,
                scorer.explain(3),
                scorer.model().schema().id(),
                responder,
                early),
            hi,
            lo,
            end));
  }

  /**
   * The MAC whose own address {@code hi}/{@code lo} is at {@code nowMicros}: bound to it (ARP, NDP,
   * DHCP), and it sent the address's recent packets itself; -1 for a spoofed or remote address.
   */
  private long lanMac(long hi, long lo, long nowMicros) {
    AddressBindings b = bindings;
    AddressBindings.Sender s = b == null ? null : b.sender(hi, lo, nowMicros);
    return s != null && !s.spoofed() && s.mac() == s.boundMac() ? s.mac() : -1;
  }

  /**
   * Returns {@code build} with the alert's LAN sender ({@code ether.src_mac}, {@code
   * vigil.spoofed}) when address {@code hi}/{@code lo} is bound to a MAC on the LAN; unchanged for
   * a remote or unknown address.
   */
  private Function<String, Alert> attributed(
      Function<String, Alert> build, long hi, long lo, long nowMicros) {
    AddressBindings b = bindings;
    AddressBindings.Sender s = b == null ? null : b.sender(hi, lo, nowMicros);
    if (s == null) {
      return build;
    }
    if (s.spoofed()) {
      spoofedAlerts.increment();
    }
    String mac = Addresses.formatMac(s.mac());
    boolean spoofed = s.spoofed();
    return id -> build.apply(id).withSender(mac, spoofed);
  }

  /** Raises the alert of a beacon ({@link BeaconAlerts}). */
  private void onBeacon(BeaconTracker.Beacon b) {
    beaconReports.increment();
    LOG.info("beacon: {}", BeaconAlerts.summary(b));
    models.distrust(b.srcHi(), b.srcLo(), b.lastStartMicros());
    alerts.publish(
        attributed(
            BeaconAlerts.of(b, config.features().beacon().minRepeats()),
            b.srcHi(),
            b.srcLo(),
            b.lastStartMicros()));
  }

  /** Raises the alert of a client refused too often ({@link AuthFailureAlerts}). */
  private void onAuthFailures(AuthFailureTracker.Report r) {
    authReports.increment();
    int maxFailures = config.features().authFailures().maxFailures();
    LOG.info("auth failures: {}", AuthFailureAlerts.summary(r, maxFailures));
    models.distrust(r.clientHi(), r.clientLo(), r.lastMicros());
    alerts.publish(
        attributed(
            AuthFailureAlerts.of(r, maxFailures), r.clientHi(), r.clientLo(), r.lastMicros()));
  }

  /** Raises the alert of a scanner ({@link ScanAlerts}). */
  private void onScan(ScanDetector.Report r) {
    scanReports.increment();
    LOG.info("scan: {}", ScanAlerts.summary(r));
    ScanDetector.Options o = config.features().scan();
    double threshold = o.upperLogThreshold();
    models.distrust(r.srcHi(), r.srcLo(), r.lastMicros());
    alerts.publish(attributed(ScanAlerts.of(r, threshold), r.srcHi(), r.srcLo(), r.lastMicros()));
  }

  /**
   * Raises the alert of a flood ({@link FloodAlerts}): a sender's is attributed to the MAC that
   * sent its address's packets, a target's names the victim only (it is not to blame, and the
   * flood's sources may be spoofed).
   */
  private void onFlood(FloodDetector.Report r) {
    floodReports.increment();
    LOG.info("flood: {}", FloodAlerts.summary(r));
    if (r.role() == FloodDetector.Role.SOURCE) {
      models.distrust(r.hostHi(), r.hostLo(), r.lastMicros());
      alerts.publish(attributed(FloodAlerts.of(r), r.hostHi(), r.hostLo(), r.lastMicros()));
    } else {
      alerts.publish(FloodAlerts.of(r));
    }
  }

  private long windowMicros() {
    return config.features().window().toNanos() / 1000;
  }

  /**
   * On reload: swaps in the packet model bundle if its file changed (see {@link
   * ModelManager#reloadBundle}).
   *
   * @return what happened, or null when the bundle did not change
   * @throws java.io.IOException when the changed bundle does not verify (the model in service
   *     stays)
   */
  public String reloadModel() throws IOException {
    return models.reloadBundle();
  }
}
