package dev.vigil.mitigate.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.mitigate.api.Decision.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NetValuesTest {
  @ParameterizedTest
  @CsvSource({
    "IP, 10.1.0.2, 10.1.0.2",
    "IP, FD00:0:0:0::2, fd00::2",
    "IP, 2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
    "IP, fe80::1, fe80::1",
    "CIDR, 10.9.0.0/24, 10.9.0.0/24",
    "CIDR, 10.9.0.7/32, 10.9.0.7",
    "CIDR, 10.9.0.7, 10.9.0.7",
    "CIDR, fd00:1::/64, fd00:1::/64",
    "MAC, 02:00:00:00:01:0A, 02:00:00:00:01:0a",
  })
  void decisionTarget_canonicalForms(Scope scope, String value, String canonical) {
    assertThat(NetValues.decisionTarget(scope, value, 16, 48).text()).isEqualTo(canonical);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "1.2.3.4; reboot",
        "--help",
        "-1.2.3.4",
        "1.2.3.4\nflush ruleset",
        "1.2.3.4 }",
        "1.2.3.4/24",
        "010.1.2.3",
        "1.2.3",
        "256.1.1.1",
        " 1.2.3.4",
        "1.2.3.4 ",
        "localhost",
        "example.com",
        "cafe",
        "fe80::1%eth0",
        "::ffff:1.2.3.4",
        "0.0.0.0",
        "::",
        "127.0.0.1",
        "::1",
        "224.0.0.1",
        "ff02::1",
        "255.255.255.255",
        "",
      })
  void address_refusesAnythingElse(String value) {
    assertThatThrownBy(() -> NetValues.decisionTarget(Scope.IP, value, 16, 48))
        .isInstanceOf(IllegalArgumentException.class)
        .message()
        .doesNotContain("\n");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "10.9.0.1/24",
        "10.0.0.0/8",
        "0.0.0.0/0",
        "10.9.0.0/33",
        "10.9.0.0/024",
        "10.9.0.0/24/1",
        "10.9.0.0/ 24",
        "fd00::/16",
        "10.9.0.0/24; reboot",
      })
  void cidr_refusesHostBitsWidePrefixesAndJunk(String value) {
    assertThatThrownBy(() -> NetValues.decisionTarget(Scope.CIDR, value, 16, 48))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "02-00-00-00-01-02",
        "0200.0000.0102",
        "ff:ff:ff:ff:ff:ff",
        "01:00:5e:00:00:01",
        "00:00:00:00:00:00",
        "02:00:00:00:01:02 }",
        "2:0:0:0:1:2",
      })
  void mac_refusesOtherFormsAndGroupAddresses(String value) {
    assertThatThrownBy(() -> NetValues.decisionTarget(Scope.MAC, value, 16, 48))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void decisionTarget_refusesDeviceIds() {
    assertThatThrownBy(() -> NetValues.decisionTarget(Scope.DEVICE, "cam-1", 16, 48))
        .hasMessageContaining("device id");
  }

  @Test
  void allowed_findsAnAllowedAddressInsideAPrefix() {
    var allow =
        NetValues.allowlist(java.util.List.of("10.1.0.100", "fd00::/64", "02:00:00:00:00:01"));
    assertThat(NetValues.allowed(allow, NetValues.cidr("10.1.0.0/24"))).hasToString("10.1.0.100");
    assertThat(NetValues.allowed(allow, NetValues.address("10.1.0.101"))).isNull();
    assertThat(NetValues.allowed(allow, NetValues.address("fd00::5"))).hasToString("fd00::/64");
    assertThat(NetValues.allowed(allow, NetValues.mac("02:00:00:00:00:01"))).isNotNull();
  }

  @Test
  void printable_escapesControlCharacters() {
    assertThat(NetValues.printable("a\nb\u001b")).isEqualTo("a\\x0ab\\x1b");
  }
}
