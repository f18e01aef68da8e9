package dev.vigil.daemon.pipeline;

import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Holds each component's latest health; components set their own, {@code GET /health} reads all.
 *
 * <p>Thread-safe.
 */
@Singleton
public final class HealthState {
  private final Map<String, ComponentHealth> components = new ConcurrentHashMap<>();

  /** Sets {@code component}'s health. */
  public void set(String component, String status, Map<String, Object> details) {
    components.put(component, new ComponentHealth(status, details));
  }

  /** Returns every component's health, sorted by name. */
  public Map<String, ComponentHealth> snapshot() {
    Map<String, ComponentHealth> out = new LinkedHashMap<>();
    components.keySet().stream().sorted().forEach(k -> out.put(k, components.get(k)));
    return out;
  }

  /**
   * Returns DOWN if any component is down, else DEGRADED if any is degraded, else STARTING if any
   * is starting, else UP.
   */
  public String overall() {
    boolean starting = false;
    boolean degraded = false;
    for (ComponentHealth c : components.values()) {
      if (ComponentHealth.DOWN.equals(c.status())) {
        return ComponentHealth.DOWN;
      }
      starting |= ComponentHealth.STARTING.equals(c.status());
      degraded |= ComponentHealth.DEGRADED.equals(c.status());
    }
    return degraded
        ? ComponentHealth.DEGRADED
        : starting ? ComponentHealth.STARTING : ComponentHealth.UP;
  }
}
