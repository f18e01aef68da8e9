package dev.vigil.daemon.mitigation;

import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.mitigate.DecisionManager;
import dev.vigil.mitigate.api.MitigatorRegistry;
import dev.vigil.mitigate.policy.GatewayIdentityRefresher;
import dev.vigil.mitigate.policy.PolicyEngine;
import dev.vigil.mitigate.store.DecisionStore;
import java.sql.SQLException;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of mitigation that {@link MitigationFactory} built at start: the policy engine, the
 * SQLite store, the mitigators and the {@link DecisionManager} over them, all started, or none and
 * why ({@link #failure()}), or none because mitigation is not configured ({@link #config()} null).
 *
 * <p>It only holds them; {@link MitigationService} feeds them and closes them at shutdown, after
 * its worker has drained, so that no alert is handled against a closed store. (Hence it is not
 * {@link AutoCloseable}: the bean context must not close it on its own, in its own order.)
 *
 * <p>Thread-safe: the parts are themselves thread-safe and never replaced; {@link #close()} runs
 * once.
 */
public final class MitigationRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(MitigationRuntime.class);

  private final VigilConfig.Mitigation config;
  private final Clock clock;
  private final DecisionStore store;
  private final MitigatorRegistry registry;
  private final PolicyEngine engine;
  private final DecisionManager manager;
  private final String failure;
  private final long lastAlertId;
  private final DecisionEvents events;
  private final GatewayIdentityRefresher identity;
  private boolean closed;

  MitigationRuntime(
      VigilConfig.Mitigation config,
      Clock clock,
      DecisionStore store,
      MitigatorRegistry registry,
      PolicyEngine engine,
      DecisionManager manager,
      String failure,
      long lastAlertId,
      DecisionEvents events,
      GatewayIdentityRefresher identity) {
    this.config = config;
    this.clock = clock;
    this.store = store;
    this.registry = registry;
    this.engine = engine;
    this.manager = manager;
    this.failure = failure;
    this.lastAlertId = lastAlertId;
    this.events = events;
    this.identity = identity;
  }

  /** Returns the manager's listener, which writes decisions to the eve log. */
  DecisionEvents events() {
    return events;
  }

  /** Returns the configuration, or null when mitigation is not configured. */
  public VigilConfig.Mitigation config() {
    return config;
  }

  /** Returns the clock decisions are made with. */
  public Clock clock() {
    return clock;
  }

  /** Returns the store, or null when not running. */
  DecisionStore store() {
    return store;
  }

  /** Returns the policy engine, or null when not configured or it could not be built. */
  PolicyEngine engine() {
    return engine;
  }

  /** Returns the manager, or null when not running. */
  DecisionManager manager() {
    return manager;
  }

  /** Returns why mitigation could not start, or null. */
  String failure() {
    return failure;
  }

  /** Returns the highest numeric alert id stored before this start (0 if none). */
  long lastAlertId() {
    return lastAlertId;
  }

  /**
   * Stops the manager, closes the backends that hold connections, and closes the store; decisions
   * stay applied and stored. Does nothing the second time.
   */
  synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (identity != null) {
      identity.close();
    }
    if (manager != null) {
      manager.close();
    }
    if (events != null) {
      events.flush(); // alerts whose decision's apply was cut short, while the store is open
    }
    closeBackends(registry);
    if (store != null) {
      try {
        store.close();
        LOG.info("mitigation stopped; decisions stay in [{}]", config.store());
      } catch (SQLException e) {
        LOG.warn("cannot close the decision store: {}", e.toString());
      }
    }
  }

  /** Closes the backends that hold resources (an MQTT connection); decisions stay applied. */
  static void closeBackends(MitigatorRegistry r) {
    if (r == null) {
      return;
    }
    for (String t : r.types()) {
      if (r.get(t).orElse(null) instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception x) {
          LOG.warn("cannot close mitigator [{}]: {}", t, x.toString());
        }
      }
    }
  }
}
