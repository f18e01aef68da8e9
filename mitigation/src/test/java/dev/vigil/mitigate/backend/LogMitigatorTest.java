package dev.vigil.mitigate.backend;

import dev.vigil.mitigate.api.Mitigator;
import java.util.List;

class LogMitigatorTest extends MitigatorContract {
  @Override
  Mitigator configured() {
    return new LogMitigator();
  }

  @Override
  Mitigator misconfigured() {
    return null;
  }

  @Override
  List<String> received() {
    return List.of();
  }
}
