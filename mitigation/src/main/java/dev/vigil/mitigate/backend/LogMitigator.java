package dev.vigil.mitigate.backend;

import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.Mitigator;
import dev.vigil.mitigate.api.Targets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs decisions instead of acting on them: the always-available backend, and what dry runs use.
 */
public final class LogMitigator implements Mitigator {
  private static final Logger LOG = LoggerFactory.getLogger("vigil.decisions");

  @Override
  public String type() {
    return "log";
  }

  @Override
  public void apply(Decision d) {
    // A value that is not canonical never reaches the log (no forged log lines).
    Targets.canonical(d.scope(), d.value());
    LOG.info(
        "decision [{}] {} {} [{}] until [{}]{}: {}",
        d.id(),
        d.action(),
        d.scope(),
        d.value(),
        d.expires(),
        d.simulated() ? " (simulated)" : "",
        d.reason());
  }

  @Override
  public void revoke(Decision d) {
    Targets.canonical(d.scope(), d.value());
    LOG.info("decision [{}] lifted: {} {} [{}]", d.id(), d.action(), d.scope(), d.value());
  }

  @Override
  public String health() {
    return null;
  }
}
