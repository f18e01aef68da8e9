package dev.vigil.daemon.mitigation;

import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.daemon.pipeline.EveOutput;
import dev.vigil.mitigate.BackendCalls;
import dev.vigil.mitigate.DecisionManager;
import dev.vigil.mitigate.api.MitigatorRegistry;
import dev.vigil.mitigate.policy.GatewayIdentity;
import dev.vigil.mitigate.policy.GatewayIdentityRefresher;
import dev.vigil.mitigate.policy.PolicyEngine;
import dev.vigil.mitigate.store.DecisionStore;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the daemon's mitigation from {@code mitigation} in the configuration: the {@link
 * MitigationRuntime} (policy engine, SQLite store, mitigators, and the {@link DecisionManager} that
 * reconciles the backends with the stored decisions) and the {@link BearerToken} of {@code
 * /decisions}.
 *
 * <p>A failure to start (the store cannot be opened, a backend cannot be loaded) is logged and kept
 * in the runtime, with whatever was opened closed again: {@link MitigationService} then marks the
 * {@code mitigation} component DOWN and detection goes on.
 *
 * <p>Thread-safe: stateless; Micronaut calls each method once.
 */
@Factory
public final class MitigationFactory {
  private static final Logger LOG = LoggerFactory.getLogger(MitigationFactory.class);

  /**
   * Builds and starts the mitigation parts, or records why they could not start; decisions are
   * written to {@code eve} (from the start: expirations found at start included).
   */
  @Singleton
  public MitigationRuntime mitigationRuntime(VigilConfig config, EveOutput eve) {
    return start(config, Clock.systemUTC(), new DecisionEvents(eve));
  }

  /** Reads the token of {@code mitigation.token-file}; mutations are disabled without one. */
  @Singleton
  public BearerToken bearerToken(VigilConfig config) {
    if (config.mitigation().isEmpty()) {
      return BearerToken.disabled("mitigation is not configured");
    }
    BearerToken token = BearerToken.read(config.mitigation().get().tokenFile());
    if (!token.enabled()) {
      LOG.warn("{}", token.problem());
    }
    return token;
  }

  static MitigationRuntime start(VigilConfig config, Clock clock, DecisionEvents events) {
    VigilConfig.Mitigation c = config.mitigation().orElse(null);
    if (c == null) {
      return new MitigationRuntime(null, clock, null, null, null, null, null, 0, events, null);
    }
    DecisionStore s = null;
    DecisionManager m = null;
    MitigatorRegistry reg = null;
    PolicyEngine e = null;
    GatewayIdentityRefresher id = null;
    String fail = null;
    long last = 0;
    try {
      Path parent = c.store().toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      s = DecisionStore.open(c.store(), retention(config));
      last = lastNumericId(s);
      reg = MitigatorRegistry.load(c.mitigators());
      e = new PolicyEngine(c.policy(), GatewayIdentity.local());
      id = new GatewayIdentityRefresher(e, GatewayIdentity.Sources.system(), c.identityRefresh());
      m =
          new DecisionManager(
              e,
              s,
              reg,
              c.actions(),
              clock,
              c.sweep(),
              c.reconcile(),
              events,
              BackendCalls.defaults().withDeadline(c.backendDeadline()));
      m.start();
    } catch (Exception | LinkageError x) {
      fail = "cannot start mitigation: " + x;
      LOG.error("{}; decisions are off, detection goes on", fail);
      if (id != null) {
        id.close();
        id = null;
      }
      if (m != null) {
        m.close();
      }
      MitigationRuntime.closeBackends(reg);
      reg = null;
      if (s != null) {
        try {
          s.close();
        } catch (SQLException ignored) {
          // already failing
        }
      }
      s = null;
      m = null;
    }
    return new MitigationRuntime(c, clock, s, reg, e, m, fail, last, events, id);
  }

  private static DecisionStore.Retention retention(VigilConfig config) {
    DecisionStore.Retention d = DecisionStore.Retention.defaults();
    return new DecisionStore.Retention(
        Math.max(config.alerts().keep(), 1),
        d.maxAlertAge(),
        d.maxEndedDecisions(),
        d.maxEndedDecisionAge());
  }

  private static long lastNumericId(DecisionStore s) throws SQLException {
    long max = 0;
    for (DecisionStore.Alert a : s.alerts(Integer.MAX_VALUE)) {
      try {
        max = Math.max(max, Long.parseLong(a.id()));
      } catch (NumberFormatException ignored) {
        // not one of ours
      }
    }
    return max;
  }
}
