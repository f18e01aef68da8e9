package dev.vigil.features.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AutoInterfaceTest {
  @TempDir Path root;

  private Path sys() {
    return root.resolve("sys");
  }

  private Path proc() {
    return root.resolve("proc");
  }

  private void iface(String name, String state, String... brPorts) throws IOException {
    Path p = sys().resolve(name);
    Files.createDirectories(p);
    Files.writeString(p.resolve("operstate"), state + "\n");
    if (brPorts.length > 0 || name.startsWith("br") || name.contains("docker")) {
      Files.createDirectories(p.resolve("bridge"));
      Files.createDirectories(p.resolve("brif"));
      for (String port : brPorts) {
        Files.createDirectories(p.resolve("brif").resolve(port));
      }
    }
  }

  private void routes(String... lines) throws IOException {
    Files.createDirectories(proc());
    StringBuilder b =
        new StringBuilder(
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n");
    for (String l : lines) {
      b.append(l).append('\n');
    }
    Files.writeString(proc().resolve("route"), b);
  }

  @Test
  void picksTheLanBridgeWithMostPortsAndSkipsContainerBridges() throws IOException {
    iface("eth0", "up");
    iface("docker0", "up", "veth1");
    iface("br-0123456789ab", "up", "veth2", "veth3", "veth4");
    iface("br-lan", "up", "eth1", "wlan0");
    iface("br1", "up", "eth2");
    routes("eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0");
    AutoInterface.Choice c = new AutoInterface(sys(), proc()).choose();
    assertEquals("br-lan", c.name());
    assertTrue(c.reason().contains("2 port(s)"), c.reason());
    assertTrue(c.reason().contains("br1"), c.reason());
    assertTrue(c.reason().contains("docker0"), c.reason());
  }

  @Test
  void aBridgeThatIsDownIsSkipped() throws IOException {
    iface("br0", "down", "eth1");
    iface("eth0", "up");
    routes("eth0\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0");
    assertEquals("eth0", new AutoInterface(sys(), proc()).choose().name());
  }

  @Test
  void withoutABridgeTheLowestMetricDefaultRouteThatIsUpWins() throws IOException {
    iface("eth0", "up");
    iface("wwan0", "up");
    routes(
        "eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0", // not a default route
        "wwan0\t00000000\t0101A8C0\t0003\t0\t0\t700\t00000000\t0\t0\t0",
        "eth0\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0",
        "eth9\t00000000\t0100A8C0\t0002\t0\t0\t1\t00000000\t0\t0\t0"); // not up
    AutoInterface.Choice c = new AutoInterface(sys(), proc()).choose();
    assertEquals("eth0", c.name());
    assertTrue(c.reason().contains("IPv4 default route"), c.reason());
  }

  @Test
  void fallsBackToTheIpv6DefaultRoute() throws IOException {
    routes();
    Files.writeString(
        proc().resolve("ipv6_route"),
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00"
            + " fe800000000000000000000000000001 00000400 00000001 00000000 00000003 lo\n"
            + "00000000000000000000000000000000 00 00000000000000000000000000000000 00"
            + " fe800000000000000000000000000001 00000400 00000001 00000000 00000003 eth0\n");
    assertEquals("eth0", new AutoInterface(sys(), proc()).choose().name());
  }

  @Test
  void nothingToChooseIsAClearError() throws IOException {
    iface("docker0", "up", "veth1");
    routes();
    IOException e =
        assertThrows(IOException.class, () -> new AutoInterface(sys(), proc()).choose());
    assertTrue(e.getMessage().contains("no LAN bridge"), e.getMessage());
    assertTrue(e.getMessage().contains("docker0"), e.getMessage());
    assertTrue(e.getMessage().contains("capture.interface"), e.getMessage());
  }
}
