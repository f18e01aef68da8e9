package dev.vigil.daemon;

import dev.vigil.daemon.config.ConfigException;
import dev.vigil.daemon.config.ConfigLoader;
import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.daemon.logging.LogLevels;
import dev.vigil.daemon.mitigation.MitigationService;
import dev.vigil.daemon.pipeline.AlertOutput;
import dev.vigil.daemon.pipeline.ComponentHealth;
import dev.vigil.daemon.pipeline.DetectionService;
import dev.vigil.daemon.pipeline.EveOutput;
import dev.vigil.daemon.pipeline.HealthState;
import dev.vigil.daemon.pipeline.TelemetryService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the configuration on {@code SIGHUP} ({@code systemctl reload vigil}), all or nothing: the
 * file is read and validated whole (the policy file with it); an invalid one changes nothing, its
 * every problem is logged, and the {@code config} health component is DEGRADED with the last error
 * until a reload succeeds. A valid one is put in force where it can change live:
 *
 * <ul>
 *   <li>log levels and the alert lines' rate ({@code logging});
 *   <li>how many alerts are kept ({@code alerts.keep}), and the eve log is reopened;
 *   <li>the mitigation policy (rules, allowlist, cap, surge guard, dry run) and the REST token,
 *       keeping the decisions in force and the offence history;
 *   <li>the model bundles, when their files changed: verified, then swapped in as a learned model
 *       is.
 * </ul>
 *
 * What cannot change live (the API address, the capture, the features, how models are trained,
 * telemetry, mitigation's store and backends) is named in the log as needing a restart, and the
 * daemon keeps running with the values it started with. Counted in {@code
 * vigil_config_reloads_total{result=ok|invalid|failed}}.
 *
 * <p>Reloads run one at a time on their own thread, never on the signal's.
 */
@Context
public final class Reloader implements AutoCloseable {
  /** The health component's name. */
  public static final String COMPONENT = "config";

  private static final Logger LOG = LoggerFactory.getLogger(Reloader.class);

  private final Path file;
  private final HealthState health;
  private final AlertOutput alerts;
  private final EveOutput eve;
  private final DetectionService detection;
  private final TelemetryService telemetry;
  private final MitigationService mitigation;
  private final Map<String, Counter> results = new LinkedHashMap<>();
  private final ExecutorService worker;
  private VigilConfig current;
  private int reloads;
  private String lastError;

  Reloader(
      VigilConfig config,
      HealthState health,
      AlertOutput alerts,
      EveOutput eve,
      DetectionService detection,
      TelemetryService telemetry,
      MitigationService mitigation,
      MeterRegistry meters) {
    this.current = config;
    this.health = health;
    this.alerts = alerts;
    this.eve = eve;
    this.detection = detection;
    this.telemetry = telemetry;
    this.mitigation = mitigation;
    for (String r : List.of("ok", "invalid", "failed")) {
      results.put(
          r,
          Counter.builder("vigil.config.reloads")
              .description("Configuration reloads (SIGHUP), by result")
              .tag("result", r)
              .register(meters));
    }
    this.file = config.source().startsWith("classpath:") ? null : Path.of(config.source());
    publishHealth(null);
    if (file == null) {
      worker = null;
      return;
    }
    worker =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "vigil-reload");
              t.setDaemon(true);
              return t;
            });
    try {
      sun.misc.Signal.handle(
          new sun.misc.Signal("HUP"),
          s -> {
            if (!worker.isShutdown()) {
              worker.execute(this::reload);
            }
          });
    } catch (IllegalArgumentException e) {
      LOG.warn("cannot handle SIGHUP ({}): reload by restarting", e.getMessage());
    }
  }

  /**
   * Reloads {@code file} now.
   *
   * @return the outcome: ok, invalid (nothing changed) or failed (applied in part; see the log)
   */
  public synchronized String reload() {
    if (file == null) {
      return "invalid";
    }
    LOG.info("reloading the configuration [{}]", file);
    VigilConfig next;
    try {
      next = ConfigLoader.loadToRun(file);
    } catch (ConfigException e) {
      for (String p : e.problems()) {
        LOG.error("reload refused, still running on the previous configuration: {}", p);
      }
      lastError = e.problems().size() + " problem(s); first: " + e.problems().get(0);
      publishHealth(lastError);
      results.get("invalid").increment();
      return "invalid";
    }
    List<String> restart = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    LogLevels.apply(next.logging().levels());
    restart.addAll(alerts.reload(current, next));
    try {
      eve.reopen(); // as Suricata does on reload: a log rotated by hand is followed at once
    } catch (IOException e) {
      failures.add("alerts.eve-log: cannot reopen: " + e.getMessage());
    }
    restart.addAll(mitigation.reload(next.mitigation().orElse(null)));
    try {
      String m = detection.reloadModel();
      if (m != null) {
        LOG.info("{}", m);
      }
    } catch (IOException e) {
      failures.add("model.bundle: " + e.getMessage());
    }
    try {
      String m = telemetry.reloadModel();
      if (m != null) {
        LOG.info("{}", m);
      }
    } catch (IOException e) {
      failures.add("telemetry.model.bundle: " + e.getMessage());
    }
    restart.addAll(needsRestart(current, next));
    for (String r : restart) {
      LOG.warn("reload: {} changed; it needs a restart (systemctl restart vigil) to apply", r);
    }
    for (String f : failures) {
      LOG.error("reload: {}; the model in service stays", f);
    }
    current = next;
    reloads++;
    lastError = failures.isEmpty() ? null : String.join("; ", failures);
    publishHealth(lastError);
    String result = failures.isEmpty() ? "ok" : "failed";
    results.get(result).increment();
    LOG.info(
        "configuration reloaded ({}){}",
        result,
        restart.isEmpty() ? "" : "; needing a restart: " + String.join(", ", restart));
    return result;
  }

  /** The sections whose change needs a restart, by comparing the two configurations. */
  static List<String> needsRestart(VigilConfig old, VigilConfig next) {
    List<String> r = new ArrayList<>();
    if (!old.api().equals(next.api())) {
      r.add("api");
    }
    if (!Objects.equals(old.capture(), next.capture())) {
      r.add("capture");
    }
    if (!old.features().equals(next.features())) {
      r.add("features");
    }
    if (!sameModelButBundleContents(old.model(), next.model())) {
      r.add("model (other than replacing the bundle file)");
    }
    if (!old.telemetry().equals(next.telemetry())) {
      r.add("telemetry");
    }
    return r;
  }

  private static boolean sameModelButBundleContents(VigilConfig.Model a, VigilConfig.Model b) {
    return a.equals(b);
  }

  private void publishHealth(String error) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("source", current.source());
    d.put("reloads", reloads);
    d.put("checked_at", Instant.now().toString());
    if (error != null) {
      d.put("last_error", error);
    }
    health.set(COMPONENT, error == null ? ComponentHealth.UP : ComponentHealth.DEGRADED, d);
  }

  @PreDestroy
  @Override
  public void close() {
    if (worker != null) {
      worker.shutdownNow();
    }
  }
}
