package dev.vigil.features.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LibpcapTest {
  @Test
  void looksOnlyInItsOwnArchitecturesMultiarchFolder() {
    List<String> arm = Libpcap.candidates("aarch64");
    assertEquals("/usr/lib/aarch64-linux-gnu/libpcap.so.0.8", arm.get(0));
    assertFalse(arm.stream().anyMatch(p -> p.contains("x86_64")), arm.toString());
    List<String> x86 = Libpcap.candidates("amd64");
    assertEquals("/usr/lib/x86_64-linux-gnu/libpcap.so.0.8", x86.get(0));
    assertFalse(x86.stream().anyMatch(p -> p.contains("aarch64")), x86.toString());
  }

  @Test
  void anUnknownArchitectureStillTriesTheFoldersWithoutMultiarch() {
    List<String> c = Libpcap.candidates("sparc");
    assertTrue(c.contains("/usr/lib/libpcap.so.1"), c.toString());
    assertFalse(c.stream().anyMatch(p -> p.contains("-linux-gnu")), c.toString());
  }
}
