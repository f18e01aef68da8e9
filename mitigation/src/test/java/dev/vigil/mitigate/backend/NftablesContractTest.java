package dev.vigil.mitigate.backend;

import dev.vigil.mitigate.api.Mitigator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;

/** {@link MitigatorContract} against the real nftables, inside a throw-away network namespace. */
@Tag("netns")
class NftablesContractTest extends MitigatorContract {
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
  Mitigator configured() throws Exception {
    NftablesMitigator m = new NftablesMitigator();
    m.configure(Map.of("netns", ns.ns));
    return m;
  }

  @Override
  Mitigator misconfigured() throws Exception {
    NftablesMitigator m = new NftablesMitigator();
    m.configure(Map.of("netns", ns.ns + "-missing"));
    return m;
  }

  @Override
  List<String> received() throws Exception {
    return List.of(ns.in(NetnsLab.NFT, "list", "ruleset"));
  }
}
