package dev.vigil.mitigate.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the gateway's identity again every period and puts it in force in a {@link PolicyEngine},
 * so that an address DHCP or SLAAC hands out, a new default route's next hop or a new DNS server is
 * allowlisted within one period. Each change is logged (INFO) with what was added and removed; a
 * failed read is logged (WARN, once until a read succeeds) and keeps the identity in force.
 *
 * <p>Runs on one daemon thread, {@code vigil-identity}. Thread-safe.
 */
public final class GatewayIdentityRefresher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayIdentityRefresher.class);

  /** The longest period allowed: the allowlist follows the network within 30 s. */
  public static final Duration MAX_PERIOD = Duration.ofSeconds(30);

  private final PolicyEngine engine;
  private final GatewayIdentity.Sources sources;
  private final ScheduledExecutorService timer;
  private volatile long refreshes;
  private volatile long changes;
  private boolean failing;

  /**
   * Starts refreshing {@code engine}'s identity from {@code sources} every {@code period}.
   *
   * @throws IllegalArgumentException if {@code period} is not positive or above {@link #MAX_PERIOD}
   */
  public GatewayIdentityRefresher(
      PolicyEngine engine, GatewayIdentity.Sources sources, Duration period) {
    this.engine = Objects.requireNonNull(engine, "engine");
    this.sources = Objects.requireNonNull(sources, "sources");
    if (period.isNegative() || period.isZero() || period.compareTo(MAX_PERIOD) > 0) {
      throw new IllegalArgumentException(
          "period must be above 0 and at most " + MAX_PERIOD + ", got " + period);
    }
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "vigil-identity");
              t.setDaemon(true);
              return t;
            });
    long ms = period.toMillis();
    timer.scheduleWithFixedDelay(this::refresh, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Reads the identity once and puts it in force when it changed; never throws. */
  synchronized void refresh() {
    try {
      GatewayIdentity before = engine.self();
      GatewayIdentity next = GatewayIdentity.read(sources);
      refreshes++;
      if (failing) {
        LOG.info("gateway identity read again");
        failing = false;
      }
      if (engine.replaceSelf(next)) {
        changes++;
        LOG.info(
            "gateway identity changed, allowlist updated: added {}, removed {}",
            diff(next, before),
            diff(before, next));
      }
    } catch (Exception | LinkageError e) {
      if (!failing) {
        LOG.warn("cannot read the gateway identity, keeping the one in force: {}", e.toString());
        failing = true;
      }
    }
  }

  /** Returns how many reads succeeded. */
  public long refreshes() {
    return refreshes;
  }

  /** Returns how many reads found a changed identity. */
  public long changes() {
    return changes;
  }

  private static List<String> diff(GatewayIdentity a, GatewayIdentity b) {
    List<String> out = new ArrayList<>();
    part(out, "address", a, b, GatewayIdentity::addresses);
    part(out, "mac", a, b, GatewayIdentity::macs);
    part(out, "next-hop", a, b, GatewayIdentity::nextHops);
    part(out, "dns", a, b, GatewayIdentity::dnsServers);
    part(out, "dhcp", a, b, GatewayIdentity::dhcpServers);
    return out;
  }

  private static void part(
      List<String> out,
      String kind,
      GatewayIdentity a,
      GatewayIdentity b,
      Function<GatewayIdentity, List<String>> f) {
    for (String s : f.apply(a)) {
      if (!f.apply(b).contains(s)) {
        out.add(kind + " " + s);
      }
    }
  }

  /** Stops refreshing. */
  @Override
  public void close() {
    timer.shutdownNow();
  }
}
