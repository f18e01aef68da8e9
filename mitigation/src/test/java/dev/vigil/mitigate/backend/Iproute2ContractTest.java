package dev.vigil.mitigate.backend;

import dev.vigil.mitigate.api.Decision;
import dev.vigil.mitigate.api.Mitigator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;

/** {@link MitigatorContract} against the real iproute2, inside a throw-away network namespace. */
@Tag("netns")
class Iproute2ContractTest extends MitigatorContract {
  private NetnsContractSupport ns;

  @BeforeEach
  void namespace() throws Exception {
    NetnsLab.assumeAvailable();
    ns = new NetnsContractSupport();
  }

  @AfterEach
  void delete() {
    if (ns != null) {
      ns.close();
    }
  }

  @Override
  Decision.Action action() {
    return Decision.Action.REROUTE;
  }

  @Override
  Decision unknown() {
    return decision("never-applied", Decision.Scope.IP, "10.0.0.77");
  }

  @Override
  Mitigator configured() throws Exception {
    Iproute2Mitigator m = new Iproute2Mitigator();
    m.configure(Map.of("netns", ns.ns, "nextHop", "10.9.0.2"));
    return m;
  }

  @Override
  Mitigator misconfigured() {
    return new Iproute2Mitigator(); // no next hop
  }

  @Override
  List<String> received() throws Exception {
    return List.of(
        ns.in(NetnsLab.IP, "rule", "show"), ns.in(NetnsLab.IP, "route", "show", "table", "all"));
  }
}
