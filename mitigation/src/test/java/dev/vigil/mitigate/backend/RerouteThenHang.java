package dev.vigil.mitigate.backend;

import dev.vigil.mitigate.api.Decision;
import java.time.Instant;
import java.util.Map;

/**
 * For {@link Iproute2NetnsTest}: a process that reroutes one address for a few seconds through a
 * real {@link Iproute2Mitigator} in a namespace, says "applied", and waits to be killed. Arguments:
 * namespace, address, seconds.
 */
public final class RerouteThenHang {
  private RerouteThenHang() {}

  public static void main(String[] args) throws Exception {
    Iproute2Mitigator ip = new Iproute2Mitigator();
    ip.configure(
        Map.of("nextHop", NetnsLab.HONEYPOT, "dev", "p-hp", "netns", args[0], "table", 100));
    Instant now = Instant.now();
    ip.apply(
        new Decision(
            "killed",
            Decision.Scope.IP,
            args[1],
            Decision.Action.REROUTE,
            "test",
            0.9,
            Decision.Origin.MANUAL,
            now,
            now.plusSeconds(Long.parseLong(args[2])),
            false));
    System.out.println("applied");
    System.out.flush();
    Thread.sleep(120_000); // bounded: the test kills it long before
  }
}
