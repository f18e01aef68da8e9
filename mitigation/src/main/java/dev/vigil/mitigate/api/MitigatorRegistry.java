package dev.vigil.mitigate.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the loaded {@link Mitigator}s by type and calls them so that a failing backend is counted
 * and logged, never thrown into the caller: one broken backend must not take the daemon down. Every
 * apply and revoke is counted by backend, {@link Call}, decision action and outcome ({@link
 * #calls}); failures of any call, reconciles included, also in {@link #failures}.
 *
 * <p>Thread-safe once built.
 */
public final class MitigatorRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(MitigatorRegistry.class);
  private static final int ACTIONS = Decision.Action.values().length;

  /** What a counted call asked a backend to do with a decision. */
  public enum Call {
    /** {@link Mitigator#apply}. */
    APPLY,
    /** {@link Mitigator#revoke}. */
    REVOKE
  }

  private final Map<String, Mitigator> byType;
  private final Map<String, AtomicLong> failures = new LinkedHashMap<>();
  // per type: [call][action][succeeded 0, failed 1], flattened
  private final Map<String, AtomicLongArray> calls = new LinkedHashMap<>();

  /**
   * Creates a registry of {@code mitigators}.
   *
   * @throws IllegalArgumentException if two share a type, or a type is blank
   */
  public MitigatorRegistry(List<Mitigator> mitigators) {
    Map<String, Mitigator> m = new LinkedHashMap<>();
    for (Mitigator x : mitigators) {
      String t = x.type();
      if (t == null || t.isBlank()) {
        throw new IllegalArgumentException(
            "mitigator " + x.getClass().getName() + " has a blank type");
      }
      Mitigator prev = m.putIfAbsent(t, x);
      if (prev != null) {
        throw new IllegalArgumentException(
            "duplicate mitigator type ["
                + t
                + "]: "
                + prev.getClass().getName()
                + " and "
                + x.getClass().getName());
      }
      failures.put(t, new AtomicLong());
      calls.put(t, new AtomicLongArray(Call.values().length * ACTIONS * 2));
    }
    this.byType = Collections.unmodifiableMap(m);
  }

  /** Loads every mitigator on the class path through {@link ServiceLoader}. */
  public static MitigatorRegistry load() {
    List<Mitigator> found = new ArrayList<>();
    ServiceLoader.load(Mitigator.class).forEach(found::add);
    return new MitigatorRegistry(found);
  }

  /**
   * Loads every mitigator on the class path and configures each that has a section in {@code
   * settingsByType} with it; the others stay unconfigured (a backend that needs settings then says
   * so in its health, and refuses to act).
   *
   * @throws InvalidConfigException listing the problems of every backend, or a section naming no
   *     loaded type
   */
  public static MitigatorRegistry load(Map<String, Map<String, Object>> settingsByType)
      throws InvalidConfigException {
    MitigatorRegistry r = load();
    List<String> problems = new ArrayList<>();
    for (String t : settingsByType.keySet()) {
      if (!r.byType.containsKey(t)) {
        problems.add(
            "mitigators." + t + ": unknown mitigator type (loaded: " + r.byType.keySet() + ")");
      }
    }
    for (Map.Entry<String, Mitigator> e : r.byType.entrySet()) {
      Map<String, Object> section = settingsByType.get(e.getKey());
      if (section == null) {
        continue;
      }
      try {
        e.getValue().configure(section);
      } catch (InvalidConfigException x) {
        for (String p : x.problems()) {
          problems.add("mitigators." + e.getKey() + "." + p);
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException("mitigators", problems);
    }
    return r;
  }

  /** Returns the loaded types. */
  public List<String> types() {
    return List.copyOf(byType.keySet());
  }

  /** Returns the mitigator of {@code type}, if loaded. */
  public Optional<Mitigator> get(String type) {
    return Optional.ofNullable(byType.get(type));
  }

  /**
   * Applies {@code decision} with the mitigator of {@code type}.
   *
   * @return whether it succeeded; a failure is counted and logged
   * @throws IllegalArgumentException if no mitigator of that type is loaded
   */
  public boolean apply(String type, Decision decision) {
    return call(type, decision, true);
  }

  /** Revokes {@code decision} with the mitigator of {@code type}; see {@link #apply}. */
  public boolean revoke(String type, Decision decision) {
    return call(type, decision, false);
  }

  /**
   * Reconciles the mitigator of {@code type} with {@code live}; see {@link Mitigator#reconcile}.
   *
   * @return whether it succeeded; a failure is counted and logged
   * @throws IllegalArgumentException if no mitigator of that type is loaded
   */
  public boolean reconcile(String type, List<Decision> live) {
    Mitigator m = require(type);
    try {
      m.reconcile(List.copyOf(live));
      return true;
    } catch (Exception | LinkageError e) {
      failures.get(type).incrementAndGet();
      LOG.warn(
          "mitigator [{}] failed to reconcile {} decisions: {}", type, live.size(), e.toString());
      return false;
    }
  }

  /**
   * Returns the health of the mitigator of {@code type}: null when healthy, else what is wrong (a
   * health check that throws is reported, not thrown).
   *
   * @throws IllegalArgumentException if no mitigator of that type is loaded
   */
  public String health(String type) {
    Mitigator m = require(type);
    try {
      return m.health();
    } catch (RuntimeException | LinkageError e) {
      return "health check failed: " + e;
    }
  }

  /**
   * Returns the preflight check of the mitigator of {@code type}: null when it could act here, else
   * what is wrong; see {@link Mitigator#preflight}.
   */
  public String preflight(String type) {
    Mitigator m = require(type);
    try {
      return m.preflight();
    } catch (RuntimeException | LinkageError e) {
      return "preflight check failed: " + e;
    }
  }

  /** Returns how many calls to the mitigator of {@code type} failed. */
  public long failures(String type) {
    AtomicLong f = failures.get(type);
    return f == null ? 0 : f.get();
  }

  /**
   * Returns how many {@code call}s of decisions with {@code action} the mitigator of {@code type}
   * carried out ({@code succeeded}) or failed since start; 0 for a type not loaded.
   */
  public long calls(String type, Call call, Decision.Action action, boolean succeeded) {
    AtomicLongArray c = calls.get(type);
    return c == null ? 0 : c.get(callIndex(call, action, succeeded));
  }

  private static int callIndex(Call call, Decision.Action action, boolean succeeded) {
    return (call.ordinal() * ACTIONS + action.ordinal()) * 2 + (succeeded ? 0 : 1);
  }

  private Mitigator require(String type) {
    Mitigator m = byType.get(type);
    if (m == null) {
      throw new IllegalArgumentException(
          "unknown mitigator type [" + type + "], loaded: " + byType.keySet());
    }
    return m;
  }

  /**
   * Makes one {@code call} of {@code decision} on the mitigator of {@code type}, counted and logged
   * like {@link #apply}.
   *
   * @return null when it succeeded, else the failure's message
   * @throws IllegalArgumentException if no mitigator of that type is loaded
   */
  public String attempt(String type, Call call, Decision decision) {
    return run(type, decision, call == Call.APPLY);
  }

  private boolean call(String type, Decision decision, boolean apply) {
    return run(type, decision, apply) == null;
  }

  private String run(String type, Decision decision, boolean apply) {
    Mitigator m = require(type);
    Call call = apply ? Call.APPLY : Call.REVOKE;
    try {
      if (apply) {
        m.apply(decision);
      } else {
        m.revoke(decision);
      }
      calls.get(type).incrementAndGet(callIndex(call, decision.action(), true));
      return null;
    } catch (Exception | LinkageError e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      failures.get(type).incrementAndGet();
      calls.get(type).incrementAndGet(callIndex(call, decision.action(), false));
      LOG.warn(
          "mitigator [{}] failed to {} decision [{}]: {}",
          type,
          apply ? "apply" : "revoke",
          decision.id(),
          e.toString());
      String why = e.getMessage();
      return why == null || why.isBlank() ? e.toString() : why;
    }
  }
}
