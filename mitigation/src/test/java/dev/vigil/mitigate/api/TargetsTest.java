package dev.vigil.mitigate.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.mitigate.api.Decision.Scope;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class TargetsTest {

  @ParameterizedTest
  @CsvSource({
    "10.0.0.1, 10.0.0.1",
    "0.0.0.0, 0.0.0.0",
    "255.255.255.255, 255.255.255.255",
    "2001:DB8::1, 2001:db8::1",
    "2001:0db8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
    "::, ::",
    "::1, ::1",
    "1::, 1::",
    "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
    "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
    "::ffff:192.0.2.1, ::ffff:192.0.2.1",
    "::FFFF:c000:0201, ::ffff:192.0.2.1",
    "64:ff9b::192.0.2.33, 64:ff9b::c000:221",
  })
  void ip_canonicalises(String in, String out) throws Exception {
    assertThat(Targets.ip(in)).isEqualTo(out);
    assertThat(Targets.isCanonical(Scope.IP, out)).isTrue();
    // The JDK agrees on what address it is.
    assertThat(Targets.inetAddress(in)).isEqualTo(InetAddress.getByName(in));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "1.2.3.4; rm -rf /",
        "1.2.3.4 ",
        " 1.2.3.4",
        "1.2.3.4\n",
        "1.2.3.4\n5.6.7.8",
        "--flag",
        "-1.2.3.4",
        "1.2.3",
        "1.2.3.4.5",
        "256.1.1.1",
        "01.2.3.4",
        "1.2.3.4/32",
        "0x7f.0.0.1",
        "localhost",
        "example.com",
        "1.2.3.4`id`",
        "$(reboot)",
        "fe80::1%eth0",
        "[::1]",
        ":::",
        "1::2::3",
        "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7",
        "12345::",
        "::1.2.3",
        "1.2.3.4::",
        "::g",
        "１.2.3.4",
        "",
      })
  void ip_refusesAnythingElse(String in) {
    assertThatThrownBy(() -> Targets.ip(in)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void ip_refusesOverlongAndNullWithReason() {
    assertThatThrownBy(() -> Targets.ip("1".repeat(1000)))
        .hasMessageContaining("longer than 64")
        .hasMessageEndingWith("characters");
    assertThatThrownBy(() -> Targets.ip(null)).hasMessage("ip: missing value");
    assertThatThrownBy(() -> Targets.ip("1.2.3.4; rm -rf /"))
        .hasMessage(
            "ip [1.2.3.4; rm -rf /]: holds white space, a control or a non-ASCII character");
    assertThatThrownBy(() -> Targets.ip("--flag"))
        .hasMessage("ip [--flag]: must not start with '-'");
  }

  @Test
  void quote_escapesControlCharactersSoLogsCannotBeForged() {
    assertThatThrownBy(() -> Targets.device("a\nFAKE LOG LINE"))
        .hasMessageContaining("a\\u000aFAKE LOG LINE")
        .hasMessageNotContaining("\n");
    assertThat(Targets.quote("x".repeat(100))).hasSize(67).endsWith("...");
  }

  @ParameterizedTest
  @CsvSource({
    "10.0.0.0/8, 10.0.0.0/8",
    "192.168.1.7/32, 192.168.1.7/32",
    "0.0.0.0/0, 0.0.0.0/0",
    "2001:DB8::/32, 2001:db8::/32",
    "::/0, ::/0",
  })
  void cidr_canonicalises(String in, String out) {
    assertThat(Targets.cidr(in)).isEqualTo(out);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "10.0.0.0",
        "10.0.0.0/",
        "10.0.0.0/33",
        "10.0.0.0/08",
        "10.0.0.0/-1",
        "10.0.0.0/8/8",
        "10.0.0.0/8; ls",
        "2001:db8::/129",
        "x/8",
      })
  void cidr_refusesAnythingElse(String in) {
    assertThatThrownBy(() -> Targets.cidr(in)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void cidr_refusesHostBitsAndSuggestsTheNetwork() {
    assertThatThrownBy(() -> Targets.cidr("192.168.1.7/24"))
        .hasMessageContaining("host bits are set (did you mean 192.168.1.0/24?)");
  }

  @Test
  void cidrContains_matchesAcrossMappedForms() {
    Targets.Cidr lan = Targets.parseCidr("192.168.1.0/24");
    assertThat(lan.contains("192.168.1.200")).isTrue();
    assertThat(lan.contains("192.168.2.1")).isFalse();
    assertThat(lan.contains("::ffff:192.168.1.9")).isTrue();
    assertThat(lan.contains("2001:db8::1")).isFalse();
    Targets.Cidr v6 = Targets.parseCidr("2001:db8::/32");
    assertThat(v6.contains("2001:db8:ffff::1")).isTrue();
    assertThat(v6.contains("2001:db9::1")).isFalse();
    assertThat(v6.contains("10.0.0.1")).isFalse();
    assertThat(Targets.parseCidr("0.0.0.0/0").contains("8.8.8.8")).isTrue();
    assertThat(Targets.parseCidr("0.0.0.0/0").contains("2001:db8::1")).isFalse();
  }

  @ParameterizedTest
  @CsvSource({"02:00:5E:10:00:01, 02:00:5e:10:00:01", "aa-bb-cc-dd-ee-ff, aa:bb:cc:dd:ee:ff"})
  void mac_canonicalises(String in, String out) {
    assertThat(Targets.mac(in)).isEqualTo(out);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "02:00:5e:10:00",
        "02:00:5e:10:00:01:02",
        "02:00-5e:10:00:01",
        "0200.5e10.0001",
        "02:00:5e:10:00:0g",
        "02:00:5e:10:00:01;",
        "--02:00:5e:10:00",
      })
  void mac_refusesAnythingElse(String in) {
    assertThatThrownBy(() -> Targets.mac(in)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sensor-7", "plc_01", "Cam.Front.2", "a"})
  void device_acceptsConservativeIds(String in) {
    assertThat(Targets.device(in)).isEqualTo(in);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "-rf",
        ".hidden",
        "_x",
        "a b",
        "a/b",
        "../etc/passwd",
        "a;b",
        "a|b",
        "a&b",
        "a$b",
        "a'b",
        "a\"b",
        "a\\b",
        "a\tb",
        "a\u0000b",
        "capteur-é",
      })
  void device_refusesAnythingElse(String in) {
    assertThatThrownBy(() -> Targets.device(in)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @EnumSource(Scope.class)
  void canonical_refusesInjectionForEveryScope(Scope scope) {
    for (String evil :
        new String[] {"1.2.3.4; rm -rf /", "--flag", "x\ny", "a".repeat(65), "$(id)", ""}) {
      assertThatThrownBy(() -> Targets.canonical(scope, evil))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
