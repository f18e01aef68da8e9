package dev.vigil.features.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The streaming {@link PayloadDecoder} against {@link LegacyPayloadDecoder}, the tree-based decoder
 * it replaced: on many generated, mutated and random payloads, under several options and topics,
 * both must hand the same readings (device, metric, time, value, in order) to the sink, return the
 * same count, and count the same bad payloads by reason, also when the sink throws.
 */
class PayloadDecoderEquivalenceTest {
  private static final long NOW = 1_750_000_000_000L;
  private static final String[] TOPICS = {
    "sensors/dev/temp",
    "devices/dev/telemetry",
    "devices/d1/telemetry",
    "nodevice/src",
    "edgex/events/device/s/p/dev/r",
    "sensors/other/x",
    "nomatch"
  };
  private static final String[] NAMES = {
    "ts",
    "temp",
    "hum",
    "meta",
    "time",
    "a",
    "b",
    "0",
    "1",
    "a.b",
    "value",
    "payload",
    "event",
    "readings",
    "deviceName",
    "correlationID",
    "contentType",
    "origin",
    "x~y",
    "s/t",
    "é",
    "",
    "00",
    "meta.time",
    "ts ",
    "TS"
  };
  private static final String[] NUMBERS = {
    "0",
    "-0",
    "1",
    "-1",
    "21.53",
    "40.12",
    "1700000000000",
    "1700000000",
    "1700000000.5",
    "1.7e12",
    "17e11",
    "1e308",
    "1e309",
    "-1e400",
    "4.9e-324",
    "1e-400",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "123456789012345678901234567890",
    "1700000000000000000",
    "1700000000000000",
    "NaN",
    "Infinity",
    "-Infinity",
    "+Infinity",
    "0.1",
    "1E2",
    "-0.0",
    "1.5E+3"
  };
  private static final String[] STRINGS = {
    "\"21.5\"",
    "\" 4 \"",
    "\"abc\"",
    "\"NaN\"",
    "\"Infinity\"",
    "\"2023-11-14T22:13:20Z\"",
    "\"2023-11-14T22:13:20.123+01:00\"",
    "\"1700000000000\"",
    "\"1700000000\"",
    "\"\"",
    "\"1e5\"",
    "\"0x10\"",
    "\"true\"",
    "\" 1700000000000 \"",
    "\"\\u0031\\u0032\"",
    "\"-\"",
    "\"1,5\""
  };

  private static final String ALPHABET = "{}[]\",:0123456789.eE-+ntrufalsNIy\\ \"ts\"a";

  private static List<DecoderOptions> options() {
    DecoderOptions d = DecoderOptions.defaults();
    return List.of(
        d,
        d.withTimestampField("meta.time"),
        d.withTimestampField("a.0"),
        d.withTimestampField("a.1"),
        d.withTimestampField("meta.time.1.b"),
        d.withTimestampField("a.b"),
        d.withTimestampField("a.0.b"),
        d.withTimestampField("x~y"),
        d.withTimestampField("s/t"),
        d.withTimestampField("00"),
        d.withTimestampField(""),
        d.withMaxDepth(1),
        d.withMaxDepth(2).withTimestampField("meta.time"),
        d.withMaxDepth(1).withTimestampField("a.0.b"),
        d.withFormat(DecoderOptions.Format.JSON),
        d.withFormat(DecoderOptions.Format.EDGEX),
        d.withFormat(DecoderOptions.Format.NUMBER),
        d.withAllowedDevices(Set.of("dev", "d1")),
        d.withMaxPayloadBytes(48));
  }

  /** One decoder pair under one set of options, compared after every message. */
  private static final class Pair {
    final PayloadDecoder now;
    final LegacyPayloadDecoder old;
    final String label;
    long fastReadings;

    Pair(DecoderOptions o) {
      now = new PayloadDecoder(PayloadDecoderTest.TEMPLATES, o);
      old = new LegacyPayloadDecoder(PayloadDecoderTest.TEMPLATES, o);
      label = o.toString();
    }

    void check(String topic, byte[] payload, int throwAt) {
      List<Reading> a = new ArrayList<>();
      List<Reading> b = new ArrayList<>();
      Object ra = run(() -> now.decode(topic, payload, NOW, sink(a, throwAt)));
      Object rb = run(() -> old.decode(topic, payload, NOW, sink(b, throwAt)));
      String what =
          label
              + " topic "
              + topic
              + " throwAt "
              + throwAt
              + " payload "
              + new String(payload, StandardCharsets.UTF_8)
              + " "
              + Arrays.toString(payload);
      assertThat(a).as(what).isEqualTo(b);
      assertThat(ra).as(what).isEqualTo(rb);
      assertThat(now.bad().snapshot()).as(what).isEqualTo(old.bad().snapshot());
      assertThat(now.messages()).as(what).isEqualTo(old.messages());
      assertThat(now.readings()).as(what).isEqualTo(old.readings());
      fastReadings += a.size();
    }

    private static ReadingSink sink(List<Reading> out, int throwAt) {
      return r -> {
        if (out.size() == throwAt) {
          throw new IllegalStateException("sink full");
        }
        out.add(r);
      };
    }

    private static Object run(java.util.function.IntSupplier call) {
      try {
        return call.getAsInt();
      } catch (IllegalStateException e) {
        return e.getMessage();
      }
    }
  }

  // ---- generation

  private static String value(Random rnd, int depth) {
    int k = rnd.nextInt(depth > 9 ? 8 : 11);
    return switch (k) {
      case 0, 1, 2 -> NUMBERS[rnd.nextInt(NUMBERS.length)];
      case 3 -> Double.toString(rnd.nextGaussian() * Math.pow(10, rnd.nextInt(20) - 5));
      case 4 -> Long.toString(rnd.nextLong() >> rnd.nextInt(64));
      case 5 -> STRINGS[rnd.nextInt(STRINGS.length)];
      case 6 -> rnd.nextBoolean() ? "true" : "false";
      case 7 -> "null";
      case 8, 9 -> object(rnd, depth + 1);
      default -> array(rnd, depth + 1);
    };
  }

  private static String object(Random rnd, int depth) {
    StringBuilder b = new StringBuilder("{");
    int n = rnd.nextInt(depth == 0 ? 7 : 4);
    List<String> used = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String name;
      if (!used.isEmpty() && rnd.nextInt(25) == 0) {
        name = used.get(rnd.nextInt(used.size())); // a duplicate
      } else if (rnd.nextInt(4) == 0) {
        name = "f" + rnd.nextInt(50);
      } else {
        name = NAMES[rnd.nextInt(NAMES.length)];
      }
      used.add(name);
      if (i > 0) {
        b.append(rnd.nextInt(8) == 0 ? " ,\n" : ",");
      }
      b.append('"').append(name.replace("\\", "\\\\")).append("\":").append(value(rnd, depth));
    }
    return b.append('}').toString();
  }

  private static String array(Random rnd, int depth) {
    StringBuilder b = new StringBuilder("[");
    int n = rnd.nextInt(4);
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append(value(rnd, depth));
    }
    return b.append(']').toString();
  }

  private static String edgex(Random rnd) {
    String reading =
        "{\"resourceName\":\"r"
            + rnd.nextInt(3)
            + "\",\"valueType\":\""
            + List.of("Float64", "Int32", "Bool", "String", "Float32Array", "Object")
                .get(rnd.nextInt(6))
            + "\",\"value\":"
            + List.of("\"1.5\"", "\"true\"", "\"[1, 2]\"", "\"x\"", "2", "null").get(rnd.nextInt(6))
            + (rnd.nextBoolean() ? ",\"objectValue\":" + object(rnd, 1) : "")
            + (rnd.nextBoolean() ? ",\"origin\":" + NUMBERS[rnd.nextInt(NUMBERS.length)] : "")
            + "}";
    String event =
        "{\"deviceName\":\"d"
            + rnd.nextInt(2)
            + "\",\"sourceName\":\"s\",\"origin\":1700000000000000000,\"readings\":["
            + reading
            + (rnd.nextBoolean() ? "," + reading : "")
            + "]}";
    return switch (rnd.nextInt(4)) {
      case 0 -> event;
      case 1 -> "{\"apiVersion\":\"v3\",\"event\":" + event + "}";
      case 2 ->
          "{\"correlationID\":\"c\",\"contentType\":\"application/json\",\"payload\":"
              + event
              + "}";
      default ->
          "{\"correlationID\":\"c\",\"payload\":\""
              + Base64.getEncoder().encodeToString(event.getBytes(StandardCharsets.UTF_8))
              + "\"}";
    };
  }

  private static byte[] mutate(Random rnd, byte[] p) {
    switch (rnd.nextInt(12)) {
      case 0 -> {
        return Arrays.copyOf(p, rnd.nextInt(p.length + 1)); // truncated
      }
      case 1 -> {
        if (p.length > 0) {
          // not 0xff: whether a name holding it parses depends on the parser's history (see
          // PayloadDecoder#streamObject), so the two decoders' own parsers may differ on it
          p[rnd.nextInt(p.length)] = (byte) rnd.nextInt(255);
        }
        return p;
      }
      case 2 -> {
        if (p.length > 0) {
          String alphabet = "{}[]\",: \\0e.-+nNtf";
          p[rnd.nextInt(p.length)] = (byte) alphabet.charAt(rnd.nextInt(alphabet.length()));
        }
        return p;
      }
      case 3 -> {
        String tail =
            List.of("x", " ", "\n", "}", "{}", "[]", "1", "\"", " \t\r\n").get(rnd.nextInt(9));
        return concat(p, tail.getBytes(StandardCharsets.UTF_8));
      }
      case 4 -> {
        return concat(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, p);
      }
      case 5 -> {
        return concat(" \n\t".getBytes(StandardCharsets.UTF_8), p);
      }
      default -> {
        return p;
      }
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  private static byte[] payload(Random rnd) {
    String s =
        switch (rnd.nextInt(20)) {
          case 0 -> edgex(rnd);
          case 1 -> value(rnd, 0);
          case 2 -> "{\"ts\":1700000000000,\"temp\":21.53,\"hum\":40.12}";
          case 3 -> "{\"meta\":{\"time\":" + value(rnd, 5) + "},\"a\":" + value(rnd, 1) + "}";
          case 4 -> "{\"a\":[" + value(rnd, 5) + "," + value(rnd, 5) + "],\"b\":1}";
          case 5 ->
              "{\"a\":" + "[".repeat(rnd.nextInt(70)) + "1" + "]".repeat(rnd.nextInt(70)) + "}";
          default -> object(rnd, 0);
        };
    byte[] p = s.getBytes(StandardCharsets.UTF_8);
    return rnd.nextInt(3) == 0 ? mutate(rnd, p) : p;
  }

  // n fields f0..f{n-1}; field `dup` is repeated at the end (none if -1)
  private static String bigObject(int n, int dup) {
    StringBuilder b = new StringBuilder("{");
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":").append(i);
    }
    if (dup >= 0) {
      b.append(",\"f").append(dup).append("\":-1");
    }
    return b.append('}').toString();
  }

  // ---- tests

  @Test
  void sameReadingsAndCountsAsTheTreeDecoderOnGeneratedPayloads() {
    Random rnd = new Random(Long.getLong("vigil.equivalence.seed", 20261122L));
    long readings = 0;
    for (DecoderOptions o : options()) {
      Pair pair = new Pair(o);
      for (int i = 0, n = Integer.getInteger("vigil.equivalence.n", 20_000); i < n; i++) {
        String topic = TOPICS[rnd.nextInt(TOPICS.length)];
        pair.check(topic, payload(rnd), rnd.nextInt(10) == 0 ? rnd.nextInt(3) : -1);
      }
      assertThat(pair.now.bad().total()).as(pair.label).isPositive();
      readings += pair.fastReadings;
    }
    assertThat(readings).isGreaterThan(100_000);
  }

  @Test
  void sameOnRandomBytes() {
    Random rnd = new Random(7);
    for (DecoderOptions o :
        List.of(DecoderOptions.defaults(), DecoderOptions.defaults().withMaxDepth(2))) {
      Pair pair = new Pair(o);
      for (int i = 0; i < 50_000; i++) {
        byte[] p = new byte[rnd.nextInt(24)];
        for (int j = 0; j < p.length; j++) {
          p[j] = (byte) ALPHABET.charAt(rnd.nextInt(ALPHABET.length()));
        }
        if (p.length > 0 && rnd.nextBoolean()) {
          p[0] = '{';
        }
        pair.check(TOPICS[rnd.nextInt(3)], p, -1);
      }
    }
  }

  @Test
  void sameOnTheFuzzSeedsAndKnownEdgeCases() throws IOException {
    List<byte[]> payloads = new ArrayList<>();
    Path seeds =
        Path.of(
            "src/test/resources/dev/vigil/features/telemetry/PayloadDecoderFuzzTestInputs"
                + "/decode_arbitraryBytes");
    try (Stream<Path> files = Files.list(seeds)) {
      for (Path f : files.toList()) {
        byte[] d = Files.readAllBytes(f);
        payloads.add(d.length == 0 ? d : Arrays.copyOfRange(d, 1, d.length));
      }
    }
    for (String s :
        List.of(
            "{}",
            "{\"ts\":1700000000000,\"temp\":21.53,\"hum\":40.12}",
            "{\"temp\":1,\"temp\":2}", // duplicates: the last value, in the first one's place
            bigObject(20, 3),
            bigObject(20, 19),
            bigObject(40, -1),
            "{\"o\":" + bigObject(18, 17) + ",\"p\":" + bigObject(18, -1) + "}",
            "{\"a\":{\"x\":1},\"b\":2,\"a\":{\"y\":3}}",
            "{\"ts\":1,\"t\":2,\"ts\":\"2023-11-14T22:13:20Z\"}",
            "{\"temp\":1,\"hum\":}",
            "{\"temp\":1}x",
            "{\"temp\":1} {}",
            "{\"a\":[1,[2,[3,{\"b\":4}]]],\"ts\":1700000000}",
            "{\"a.b\":5,\"a\":{\"b\":1700000000000}}",
            "{\"a\":[1700000000000,2]}",
            "{\"a\":[{\"b\":1700000000000},2]}",
            "{\"meta\":{\"time\":null},\"v\":1}",
            "{\"meta\":{\"time\":{}},\"v\":1}",
            "{\"meta\":5,\"v\":1}",
            "{\"ts\":123456789012345678901234567890,\"v\":1}",
            "{\"ts\":-9223372036854775809,\"v\":1}",
            "{\"ts\":1e400,\"v\":1}",
            "{\"ts\":NaN,\"v\":NaN,\"w\":-Infinity,\"x\":1e999}",
            "{\"payload\":{\"v\":1}}",
            "{\"readings\":[1],\"v\":2}",
            "{\"event\":{\"v\":1}}",
            "{\"correlationID\":\"c\",\"payload\":{\"v\":1}}",
            "{\"v\":\"  7 \",\"w\":\"x\",\"n\":null,\"t\":true,\"f\":false}",
            "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":1}}}}}}}}}",
            "{\"a\":" + "[".repeat(64) + "]".repeat(64) + "}",
            "{\"a\":" + "[".repeat(63) + "]".repeat(63) + "}")) {
      payloads.add(s.getBytes(StandardCharsets.UTF_8));
    }
    for (DecoderOptions o : options()) {
      Pair pair = new Pair(o);
      for (byte[] p : payloads) {
        for (String topic : TOPICS) {
          for (int throwAt : new int[] {-1, 0, 1}) {
            pair.check(topic, p.clone(), throwAt);
          }
        }
      }
    }
  }

  @Test
  void sameDoublesAsDoubleParseDouble() {
    // the streaming path parses numbers with FastDoubleParser, the tree path with
    // Double.parseDouble
    Random rnd = new Random(11);
    Pair pair = new Pair(DecoderOptions.defaults());
    for (int i = 0; i < 100_000; i++) {
      String v =
          switch (rnd.nextInt(6)) {
            case 0 ->
                Double.toString(Double.longBitsToDouble(rnd.nextLong() & 0x7fef_ffff_ffff_ffffL));
            case 1 ->
                String.format(Locale.ROOT, "%." + (1 + rnd.nextInt(25)) + "e", rnd.nextDouble());
            case 2 -> rnd.nextLong() + "." + Math.abs(rnd.nextLong()) + Math.abs(rnd.nextLong());
            case 3 -> "0." + "0".repeat(rnd.nextInt(330)) + Math.abs(rnd.nextLong());
            case 4 -> Math.abs(rnd.nextLong()) + "e" + (rnd.nextInt(700) - 350);
            default -> (rnd.nextInt(2000) - 1000) + "." + rnd.nextInt(100_000);
          };
      pair.check(
          "devices/dev/telemetry",
          ("{\"v\":" + v + ",\"w\":[" + v + "]}").getBytes(StandardCharsets.UTF_8),
          -1);
    }
    assertThat(pair.fastReadings).isGreaterThan(150_000);
  }

  @Test
  void duplicateNamesKeepTheLastValueInTheFirstPlace() {
    PayloadDecoder d = new PayloadDecoder(PayloadDecoderTest.TEMPLATES, DecoderOptions.defaults());
    List<Reading> out = new ArrayList<>();
    byte[] p =
        "{\"a\":1,\"b\":2,\"a\":\"x\",\"ts\":5,\"ts\":1700000000000}"
            .getBytes(StandardCharsets.UTF_8);
    d.decode("devices/dev/telemetry", p, NOW, out::add);
    assertThat(out).containsExactly(new Reading("dev", "b", 1_700_000_000_000L, 2, p.length));
    assertThat(d.bad().snapshot()).isEqualTo(Map.of(BadPayload.NOT_A_NUMBER, 1L));
  }
}
