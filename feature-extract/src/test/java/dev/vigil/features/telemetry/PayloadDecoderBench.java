package dev.vigil.features.telemetry;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Bench helper, not a test: nanoseconds and bytes allocated per {@link PayloadDecoder#decode} of
 * one JSON message ({@code {"ts":1700000000000,"temp":21.53,"hum":40.12}} by default), for the
 * current decoder and for {@link LegacyPayloadDecoder} (the tree-based one it replaced), in the
 * same JVM, alternating; prints each run and the medians. Run from the checkout:
 *
 * <pre>
 * mvn -q -o -pl feature-extract -am test-compile dependency:build-classpath \
 *   -Dmdep.includeScope=test -Dmdep.outputFile=target/test-cp.txt
 * java -cp feature-extract/target/test-classes:feature-extract/target/classes:$(cat \
 *   feature-extract/target/test-cp.txt) dev.vigil.features.telemetry.PayloadDecoderBench 9 [payload]
 * </pre>
 */
public final class PayloadDecoderBench {
  private static final int MESSAGES = 2_000_000;
  private static double sink;

  private PayloadDecoderBench() {}

  interface Decoder {
    int decode(String topic, byte[] payload, long receivedMillis, ReadingSink sink);
  }

  public static void main(String[] args) {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 9;
    byte[] payload =
        (args.length > 1 ? args[1] : "{\"ts\":1700000000000,\"temp\":21.53,\"hum\":40.12}")
            .getBytes(StandardCharsets.UTF_8);
    PayloadDecoder now =
        new PayloadDecoder(PayloadDecoderTest.TEMPLATES, DecoderOptions.defaults());
    LegacyPayloadDecoder old =
        new LegacyPayloadDecoder(PayloadDecoderTest.TEMPLATES, DecoderOptions.defaults());
    double[][] ns = new double[2][runs];
    double[][] bytes = new double[2][runs];
    for (int warm = 0; warm < 3; warm++) {
      run(now::decode, payload, new double[2]);
      run(old::decode, payload, new double[2]);
    }
    for (int r = 0; r < runs; r++) {
      double[] a = new double[2];
      double[] b = new double[2];
      run(old::decode, payload, b);
      run(now::decode, payload, a);
      ns[0][r] = b[0];
      bytes[0][r] = b[1];
      ns[1][r] = a[0];
      bytes[1][r] = a[1];
      System.out.printf(
          Locale.ROOT,
          "run %d: tree %.1f ns/msg %.0f B/msg, streaming %.1f ns/msg %.0f B/msg%n",
          r,
          b[0],
          b[1],
          a[0],
          a[1]);
    }
    System.out.printf(
        Locale.ROOT,
        "median of %d runs of %d messages, payload %s:%n  tree (LegacyPayloadDecoder) %.1f ns/msg,"
            + " %.0f B/msg%n  streaming (PayloadDecoder)     %.1f ns/msg, %.0f B/msg (%.2fx)%n",
        runs,
        MESSAGES,
        new String(payload, StandardCharsets.UTF_8),
        median(ns[0]),
        median(bytes[0]),
        median(ns[1]),
        median(bytes[1]),
        median(ns[0]) / median(ns[1]));
    if (sink == 42) {
      System.out.println();
    }
  }

  private static void run(Decoder d, byte[] payload, double[] out) {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    double[] acc = new double[1];
    ReadingSink s = r -> acc[0] += r.value() + r.timestampMillis();
    long a0 = mx.getThreadAllocatedBytes(id);
    long t0 = System.nanoTime();
    long ts = 1_750_000_000_000L;
    for (int i = 0; i < MESSAGES; i++) {
      d.decode("devices/dev/telemetry", payload, ts + i, s);
    }
    long t1 = System.nanoTime();
    long a1 = mx.getThreadAllocatedBytes(id);
    sink += acc[0];
    out[0] = (t1 - t0) / (double) MESSAGES;
    out[1] = (a1 - a0) / (double) MESSAGES;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
