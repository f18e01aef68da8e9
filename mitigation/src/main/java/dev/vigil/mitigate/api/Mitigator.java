package dev.vigil.mitigate.api;

/**
 * Carries decisions out on one backend (a firewall, a routing table, a message bus).
 * Implementations are found with {@link java.util.ServiceLoader} and are only ever called through
 * {@link MitigatorRegistry}, which contains their failures.
 *
 * <p>Implementations must be thread-safe and idempotent: applying a decision twice, or revoking one
 * that is not applied, is not an error.
 */
public interface Mitigator {
  /**
   * Returns the backend's type name, unique among loaded mitigators (e.g. {@code log}, {@code
   * nftables}).
   */
  String type();

  /** Carries {@code decision} out. */
  void apply(Decision decision) throws Exception;

  /** Undoes {@code decision}. */
  void revoke(Decision decision) throws Exception;

  /**
   * Brings the backend's real state in line with {@code live}, the decisions that should be in
   * force now (non-simulated, unexpired, of this backend's actions): applies the missing ones and
   * removes state of its own that no live decision accounts for (e.g. after a restart, or a
   * decision lifted while the daemon was down). Called on start and then periodically.
   */
  default void reconcile(java.util.List<Decision> live) throws Exception {
    for (Decision d : live) {
      apply(d);
    }
  }

  /** Returns {@code null} when healthy, else what is wrong. */
  String health();

  /**
   * Checks, changing nothing, that the backend could act on this machine as configured (its
   * programs exist and run, say), for {@code vigil check-config}. Returns {@code null} when it
   * could, else what is wrong. The default checks nothing.
   */
  default String preflight() {
    return null;
  }

  /**
   * Configures the backend from its section of the daemon configuration (parsed YAML: maps, lists,
   * scalars), once, before any other call but {@link #type}. Implementations read it strictly with
   * {@link dev.vigil.common.settings.StrictSettings#of} and throw every problem at once; nothing is
   * half-applied. A backend that needs settings and never got them must say so in {@link #health}
   * and refuse to act.
   *
   * <p>The default accepts only an empty section.
   *
   * @throws InvalidConfigException listing every problem
   */
  default void configure(java.util.Map<String, Object> settings) throws InvalidConfigException {
    InvalidConfigException.check(
        dev.vigil.common.settings.StrictSettings.of(
            "mitigators." + type(), settings, java.util.Set.of()));
  }
}
