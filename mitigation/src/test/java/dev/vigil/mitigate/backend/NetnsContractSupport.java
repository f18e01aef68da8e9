package dev.vigil.mitigate.backend;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/** One bare network namespace with a link on 10.9.0.1/24, for the backends' contract tests. */
final class NetnsContractSupport implements AutoCloseable {
  final String ns;
  private final CommandRunner runner = new CommandRunner(Duration.ofSeconds(10));

  NetnsContractSupport() throws Exception {
    byte[] r = new byte[3];
    new SecureRandom().nextBytes(r);
    ns = "vigil-c-" + HexFormat.of().formatHex(r);
    run(NetnsLab.IP, "netns", "add", ns);
    try {
      run(NetnsLab.IP, "-n", ns, "link", "set", "lo", "up");
      // a veth pair inside the namespace (the kernel may lack the dummy link type)
      run(NetnsLab.IP, "-n", ns, "link", "add", "d0", "type", "veth", "peer", "name", "d1");
      run(NetnsLab.IP, "-n", ns, "addr", "add", "10.9.0.1/24", "dev", "d0");
      run(NetnsLab.IP, "-n", ns, "link", "set", "d1", "up");
      run(NetnsLab.IP, "-n", ns, "link", "set", "d0", "up");
    } catch (Exception e) {
      close();
      throw e;
    }
  }

  /** Runs {@code argv} inside the namespace and returns its output. */
  String in(String... argv) throws Exception {
    String[] all = new String[argv.length + 4];
    all[0] = NetnsLab.IP;
    all[1] = "netns";
    all[2] = "exec";
    all[3] = ns;
    System.arraycopy(argv, 0, all, 4, argv.length);
    return run(all);
  }

  private String run(String... argv) throws Exception {
    CommandRunner.Result res = runner.exec(List.of(argv), null);
    if (res.exit() != 0) {
      throw new IllegalStateException(String.join(" ", argv) + ": " + res.stderr());
    }
    return res.stdout();
  }

  @Override
  public void close() {
    try {
      runner.exec(List.of(NetnsLab.IP, "netns", "delete", ns), null);
    } catch (Exception e) {
      // already gone
    }
  }
}
