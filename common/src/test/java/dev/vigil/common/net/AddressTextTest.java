package dev.vigil.common.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressTextTest {

  private static String v6(String literal) throws Exception {
    byte[] b = InetAddress.getByName(literal).getAddress();
    if (b.length == 4) {
      byte[] m = new byte[16];
      m[10] = (byte) 0xff;
      m[11] = (byte) 0xff;
      System.arraycopy(b, 0, m, 12, 4);
      b = m;
    }
    return AddressText.ipv6(AddressText.hi(b), AddressText.lo(b));
  }

  @ParameterizedTest
  @CsvSource({
    "::, ::",
    "::1, ::1",
    "1::, 1::",
    "2001:DB8:0:0:0:0:0:2, 2001:db8::2",
    "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
    "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
    "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
    "fe80:0000:0000:0000:0000:0000:0000:0001, fe80::1",
    "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8",
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "0:0:1:0:0:0:0:0, 0:0:1::",
    "::ffff:10.0.0.1, ::ffff:10.0.0.1",
    "::ffff:0:0, ::ffff:0.0.0.0",
    "::1:0:0, ::1:0:0",
    "0abc:00d:0:0:e:0:0:f, abc:d::e:0:0:f",
  })
  void ipv6_isRfc5952(String in, String want) throws Exception {
    assertThat(v6(in)).isEqualTo(want);
  }

  @Test
  void ipv6_roundTripsThroughTheJdkParser() throws Exception {
    Random r = new Random(5952);
    for (int n = 0; n < 20_000; n++) {
      long hi = r.nextLong();
      long lo = r.nextLong();
      // Zero some groups so that runs of zeros are common.
      for (int g = 0; g < 4; g++) {
        if (r.nextBoolean()) {
          hi &= ~(0xffffL << (16 * g));
        }
        if (r.nextBoolean()) {
          lo &= ~(0xffffL << (16 * g));
        }
      }
      String text = AddressText.ipv6(hi, lo);
      byte[] back = InetAddress.getByName(text).getAddress();
      if (back.length == 4) {
        assertThat(AddressText.isMappedIpv4(hi, lo)).isTrue();
        continue;
      }
      assertThat(AddressText.hi(back)).as(text).isEqualTo(hi);
      assertThat(AddressText.lo(back)).as(text).isEqualTo(lo);
      assertThat(text).doesNotContain(":::").hasSizeLessThanOrEqualTo(AddressText.MAX_LENGTH);
    }
  }

  @Test
  void ipv4_isDottedDecimal() {
    assertThat(AddressText.ipv4(0)).isEqualTo("0.0.0.0");
    assertThat(AddressText.ipv4(0x0a4d000b)).isEqualTo("10.77.0.11");
    assertThat(AddressText.ipv4(0xffffffff)).isEqualTo("255.255.255.255");
    assertThat(AddressText.appendIpv4(new StringBuilder("at "), 0xc0a80001).toString())
        .isEqualTo("at 192.168.0.1");
  }

  @Test
  void isMappedIpv4_onlyTheMappedPrefix() {
    assertThat(AddressText.isMappedIpv4(0, 0x0000_ffff_0a00_0001L)).isTrue();
    assertThat(AddressText.isMappedIpv4(0, 0x0000_fffe_0a00_0001L)).isFalse();
    assertThat(AddressText.isMappedIpv4(1, 0x0000_ffff_0a00_0001L)).isFalse();
  }

  @Test
  void halves_needSixteenBytes() {
    assertThatThrownBy(() -> AddressText.hi(new byte[4]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("16 bytes");
  }

  @Test
  void append_allocatesNothingWhenTheBuilderHasRoom() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    StringBuilder sb = new StringBuilder(64);
    long[][] addresses = {
      {0x2001_0db8_0000_0000L, 0x0000_0000_0000_0002L},
      {0, 0x0000_ffff_0a4d_000bL},
      {0xfe80_0000_0000_0000L, 1},
      {0x1234_5678_9abc_def0L, 0x0fed_cba9_8765_4321L},
    };
    for (int warm = 0; warm < 20_000; warm++) {
      sb.setLength(0);
      long[] a = addresses[warm & 3];
      AddressText.appendIpv6(sb, a[0], a[1]);
    }
    long before = mx.getCurrentThreadAllocatedBytes();
    for (int n = 0; n < 10_000; n++) {
      sb.setLength(0);
      long[] a = addresses[n & 3];
      AddressText.appendIpv6(sb, a[0], a[1]);
    }
    long allocated = mx.getCurrentThreadAllocatedBytes() - before;
    // A few hundred bytes of slack for the measurement itself; one String per call would be 400 KB.
    assertThat(allocated).isLessThan(4_096);
  }
}
