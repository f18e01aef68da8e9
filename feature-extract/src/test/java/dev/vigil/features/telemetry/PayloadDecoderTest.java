package dev.vigil.features.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PayloadDecoderTest {
  static final long NOW = 1_750_000_000_000L;
  static final List<TopicTemplate> TEMPLATES =
      TopicTemplate.compileAll(
          List.of(
              "sensors/{device}/{metric}",
              "devices/{device}/telemetry",
              "edgex/events/device/{service}/{profile}/{device}/{source}",
              "nodevice/{source}"));

  private final List<Reading> out = new ArrayList<>();

  private static PayloadDecoder decoder() {
    return new PayloadDecoder(TEMPLATES, DecoderOptions.defaults());
  }

  private List<Reading> decode(PayloadDecoder d, String topic, String payload) {
    return decode(d, topic, payload.getBytes(StandardCharsets.UTF_8));
  }

  private List<Reading> decode(PayloadDecoder d, String topic, byte[] payload) {
    out.clear();
    int n = d.decode(topic, payload, NOW, r -> out.add(r.withPayloadBytes(0)));
    assertThat(n).isEqualTo(out.size());
    return List.copyOf(out);
  }

  private static Reading r(String device, String metric, double value) {
    return new Reading(device, metric, NOW, value);
  }

  private static Reading r(String device, String metric, long ts, double value) {
    return new Reading(device, metric, ts, value);
  }

  // ---- names

  @Test
  void names_tooLongOrUnprintableAreCountedAndNeverHandedOn() {
    PayloadDecoder d =
        new PayloadDecoder(TEMPLATES, DecoderOptions.defaults().withMaxNameLength(16));
    String longName = "d".repeat(17);
    assertThat(decode(d, "sensors/" + longName + "/t", "1")).as("device too long").isEmpty();
    assertThat(decode(d, "sensors/b/" + longName, "1")).as("metric too long").isEmpty();
    assertThat(decode(d, "sensors/b\u0007x/t", "1")).as("a control character").isEmpty();
    assertThat(decode(d, "sensors/b\u202ex/t", "1")).as("a bidi override").isEmpty();
    assertThat(decode(d, "sensors/b\ud800/t", "1")).as("half a surrogate pair").isEmpty();
    // a JSON field's name is the metric: that value goes, the others stay
    assertThat(decode(d, "devices/b/telemetry", "{\"ok\":1,\"" + longName + "\":2,\"a\\nb\":3}"))
        .containsExactly(r("b", "ok", 1));
    assertThat(
            decode(
                d,
                "nodevice/x",
                "{\"deviceName\":\""
                    + longName
                    + "\",\"readings\":[{\"resourceName\":\"h\","
                    + "\"valueType\":\"Int64\",\"value\":\"1\"}]}"))
        .as("an EdgeX device name")
        .isEmpty();
    assertThat(d.bad().snapshot()).isEqualTo(Map.of(BadPayload.BAD_NAME, 8L));
    // exactly at the limit, and printable non-ASCII, are names
    assertThat(decode(d, "sensors/" + "d".repeat(16) + "/t\u00e9\ud83c\udf21", "1"))
        .containsExactly(r("d".repeat(16), "t\u00e9\ud83c\udf21", 1));
  }

  @Test
  void names_validation() {
    assertThat(TelemetryNames.isValid("boiler-1", 8)).isTrue();
    assertThat(TelemetryNames.isValid("boiler-10", 8)).isFalse();
    assertThat(TelemetryNames.isValid("", 8)).isFalse();
    assertThat(TelemetryNames.isValid("a\u0085", 8)).as("C1 control").isFalse();
    assertThat(TelemetryNames.isValid("a\u2028", 8)).as("line separator").isFalse();
    assertThat(TelemetryNames.isValid("a\udc00b", 8)).as("lone low surrogate").isFalse();
    assertThat(TelemetryNames.isValid("Temp\u00e9 \u6e29\u5ea6", 16)).isTrue();
    assertThatThrownBy(() -> DecoderOptions.defaults().withMaxNameLength(0))
        .hasMessageContaining("maxNameLength");
    assertThatThrownBy(() -> DecoderOptions.defaults().withAllowedDevices(Set.of("a\nb")))
        .hasMessageContaining("allowedDevices");
  }

  // ---- plain values

  @Test
  void plain_numberTakesDeviceAndMetricFromTheTopic() {
    PayloadDecoder d = decoder();
    assertThat(decode(d, "sensors/boiler/temp", "21.5")).containsExactly(r("boiler", "temp", 21.5));
    assertThat(decode(d, "sensors/b/t", "  -3e2\n")).containsExactly(r("b", "t", -300));
    assertThat(decode(d, "sensors/b/t", "+4")).containsExactly(r("b", "t", 4));
    assertThat(decode(d, "sensors/b/t", "7.")).containsExactly(r("b", "t", 7));
    assertThat(decode(d, "sensors/b/t", ".5E-1")).containsExactly(r("b", "t", 0.05));
    assertThat(decode(d, "devices/b/telemetry", "12")).containsExactly(r("b", "value", 12));
    assertThat(d.bad().total()).isZero();
    assertThat(d.messages()).isEqualTo(6);
    assertThat(d.readings()).isEqualTo(6);
  }

  @Test
  void plain_booleansAreOneAndZero() {
    PayloadDecoder d = decoder();
    assertThat(decode(d, "sensors/door1/open", "true")).containsExactly(r("door1", "open", 1));
    assertThat(decode(d, "sensors/door1/open", "false\n")).containsExactly(r("door1", "open", 0));
    assertThat(decode(d, "sensors/door1/open", "\"0.25\""))
        .containsExactly(r("door1", "open", 0.25));
  }

  @Test
  void plain_textThatIsNotANumberIsCounted() {
    PayloadDecoder d = decoder();
    for (String s :
        List.of("abc", "0x10", "1f", "1d", "1_000", ".", "-", "1e", "1e+", "1.2.3", "--1", "ON")) {
      assertThat(decode(d, "sensors/b/t", s)).as(s).isEmpty();
    }
    assertThat(decode(d, "sensors/b/t", "\"warm\"")).isEmpty();
    assertThat(d.bad().snapshot()).isEqualTo(Map.of(BadPayload.NOT_A_NUMBER, 13L));
  }

  @Test
  void plain_nanAndInfinitiesAreCounted() {
    PayloadDecoder d = decoder();
    for (String s : List.of("NaN", "nan", "-Infinity", "+inf", "Infinity", "1e999", "-1e400")) {
      assertThat(decode(d, "sensors/b/t", s)).as(s).isEmpty();
    }
    assertThat(d.bad().snapshot()).isEqualTo(Map.of(BadPayload.NAN_OR_INFINITE, 7L));
  }

  @Test
  void plain_nullAndTopLevelArraysAreTheWrongType() {
    PayloadDecoder d = decoder();
    assertThat(decode(d, "sensors/b/t", "null")).isEmpty();
    assertThat(decode(d, "sensors/b/t", "[1, 2]")).isEmpty();
    assertThat(d.bad().snapshot()).isEqualTo(Map.of(BadPayload.WRONG_TYPE, 2L));
  }

  @Test
  void empty_payloadsAndObjectsAreCounted() {
    PayloadDecoder d = decoder();
    assertThat(decode(d, "sensors/b/t", "")).isEmpty();
    assertThat(decode(d, "sensors/b/t", " \r\n")).isEmpty();
    assertThat(decode(d, "devices/b/telemetry", "{}")).isEmpty();
    assertThat(decode(d, "devices/b/telemetry", "{\"a\":{},\"b\":[]}")).isEmpty();
    assertThat(decode(d, "devices/b/telemetry", "{\"ts\":1700000000}")).isEmpty();
    assertThat(d.bad().snapshot()).isEqualTo(Map.of(BadPayload.EMPTY, 5L));
  }

  // ---- JSON objects

  @Test
  void json_numericFieldsFlattenedInOrder() {
    PayloadDecoder d = decoder();
    String json =
        "{\"temp\":21.5,\"hum\":40,\"door\":true,\"nested\":{\"a\":{\"b\":1}},"
            + "\"arr\":[1,2,{\"x\":3}],\"s\":\"7\",\"big\":12345678901234567890}";
    assertThat(decode(d, "devices/gw-7/telemetry", json))
        .containsExactly(
            r("gw-7", "temp", 21.5),
            r("gw-7", "hum", 40),
            r("gw-7", "door", 1),
            r("gw-7", "nested.a.b", 1),
            r("gw-7", "arr.0", 1),
            r("gw-7", "arr.1", 2),
            r("gw-7", "arr.2.x", 3),
            r("gw-7", "s", 7),
            r("gw-7", "big", 12345678901234567890.0));
    assertThat(d.bad().total()).isZero();
  }

  @Test
  void json_topicMetricPrefixesThePaths() {
    PayloadDecoder d = decoder();
    assertThat(decode(d, "sensors/d1/env", "{\"t\":1,\"ts\":1700000000,\"p\":{\"q\":2}}"))
        .containsExactly(
            r("d1", "env.t", 1_700_000_000_000L, 1), r("d1", "env.p.q", 1_700_000_000_000L, 2));
  }

  @Test
  void json_badValuesAreCountedAndTheRestIsRead() {
    PayloadDecoder d = decoder();
    String json =
        "{\"a\":null,\"b\":\"warm\",\"c\":NaN,\"d\":1e999,\"e\":-Infinity,\"f\":\"Inf\",\"ok\":3}";
    assertThat(decode(d, "devices/x/telemetry", json)).containsExactly(r("x", "ok", 3));
    assertThat(d.bad().snapshot())
        .isEqualTo(
            Map.of(
                BadPayload.WRONG_TYPE, 1L,
                BadPayload.NOT_A_NUMBER, 1L,
                BadPayload.NAN_OR_INFINITE, 4L));
  }

  @Test
  void json_deeperThanMaxDepthIsTheWrongType() {
    PayloadDecoder d = new PayloadDecoder(TEMPLATES, DecoderOptions.defaults().withMaxDepth(2));
    assertThat(decode(d, "devices/x/telemetry", "{\"a\":{\"b\":{\"c\":1},\"e\":2},\"d\":[[1],4]}"))
        .containsExactly(r("x", "a.e", 2), r("x", "d.1", 4));
    assertThat(d.bad().snapshot()).isEqualTo(Map.of(BadPayload.WRONG_TYPE, 2L));
  }

  @Test
  void json_malformedIsNotJson() {
    PayloadDecoder d = decoder();
    StringBuilder deep = new StringBuilder();
    deep.append("[".repeat(200)).append("]".repeat(200));
    for (String s :
        List.of(
            "{bad",
            "{\"a\":1} trailing",
            "{\"a\":1}{}",
            "[1,",
            "\"unterminated",
            "{'a':1}",
            "{\"a\":01}",
            "{\"a\":" + "[".repeat(100) + "1" + "]".repeat(100) + "}",
            deep.toString())) {
      assertThat(decode(d, "devices/x/telemetry", s)).as(s).isEmpty();
    }
    byte[] badUtf8 = {'{', '"', 'a', '"', ':', '"', (byte) 0xff, (byte) 0xfe, '"', '}'};
    assertThat(decode(d, "devices/x/telemetry", badUtf8)).isEmpty();
    assertThat(d.bad().snapshot()).isEqualTo(Map.of(BadPayload.NOT_JSON, 10L));
  }

  @Test
  void json_byteOrderMarkIsSkipped() {
    PayloadDecoder d = decoder();
    byte[] bom = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, '{', '"', 'v', '"', ':', '5', '}'};
    assertThat(decode(d, "devices/x/telemetry", bom)).containsExactly(r("x", "v", 5));
  }

  // ---- timestamps

  @Test
  void timestamp_unitsToldApartByMagnitude() {
    PayloadDecoder d = decoder();
    long ms = 1_700_000_000_123L;
    for (String ts :
        List.of(
            "1700000000.123",
            "1700000000123",
            "1700000000123456",
            "1700000000123456789",
            "\"1700000000123\"",
            "\"2023-11-14T22:13:20.123Z\"",
            "\"2023-11-15T00:13:20.123+02:00\"")) {
      assertThat(decode(d, "devices/x/telemetry", "{\"v\":1,\"ts\":" + ts + "}"))
          .as(ts)
          .containsExactly(r("x", "v", ms, 1));
    }
    assertThat(decode(d, "devices/x/telemetry", "{\"v\":1,\"ts\":1700000000}"))
        .containsExactly(r("x", "v", 1_700_000_000_000L, 1));
    assertThat(d.bad().total()).isZero();
  }

  @Test
  void timestamp_unusableIsCountedAndArrivalTimeUsed() {
    PayloadDecoder d = decoder();
    for (String ts : List.of("\"yesterday\"", "-5", "0", "true", "{}", "null", "\"\"")) {
      assertThat(decode(d, "devices/x/telemetry", "{\"v\":2,\"ts\":" + ts + "}"))
          .as(ts)
          .containsExactly(r("x", "v", NOW, 2));
    }
    assertThat(d.bad().snapshot()).isEqualTo(Map.of(BadPayload.BAD_TIMESTAMP, 7L));
  }

  @Test
  void timestamp_nestedFieldAndNoField() {
    PayloadDecoder nested =
        new PayloadDecoder(TEMPLATES, DecoderOptions.defaults().withTimestampField("meta.time"));
    assertThat(
            decode(
                nested, "devices/x/telemetry", "{\"meta\":{\"time\":1700000000,\"q\":1},\"ts\":5}"))
        .containsExactly(
            r("x", "meta.q", 1_700_000_000_000L, 1), r("x", "ts", 1_700_000_000_000L, 5));
    PayloadDecoder none =
        new PayloadDecoder(TEMPLATES, DecoderOptions.defaults().withTimestampField(""));
    assertThat(decode(none, "devices/x/telemetry", "{\"ts\":1700000000}"))
        .containsExactly(r("x", "ts", NOW, 1_700_000_000));
  }

  // ---- message-level reasons

  @Test
  void messageLevel_noTemplateOversizedUnknownAndNoDevice() {
    PayloadDecoder d =
        new PayloadDecoder(
            TEMPLATES,
            DecoderOptions.defaults().withMaxPayloadBytes(18).withAllowedDevices(Set.of("d1")));
    assertThat(decode(d, "other/topic", "1")).isEmpty();
    assertThat(decode(d, "sensors/d1/t", "{\"v\":1234567890123}")).isEmpty(); // 19 bytes
    assertThat(decode(d, "sensors/d1/t", "{\"v\":123456789012}")).hasSize(1); // 18 bytes
    assertThat(decode(d, "sensors/d2/t", "1")).isEmpty();
    assertThat(decode(d, "nodevice/src", "1")).isEmpty();
    assertThat(decode(d, "nodevice/src", "{\"v\":1}")).isEmpty();
    assertThat(d.bad().snapshot())
        .isEqualTo(
            Map.of(
                BadPayload.NO_TEMPLATE_MATCH, 1L,
                BadPayload.OVERSIZED, 1L,
                BadPayload.UNKNOWN_DEVICE, 1L,
                BadPayload.NO_DEVICE, 2L));
    assertThat(d.messages()).isEqualTo(6);
    assertThat(d.readings()).isEqualTo(1);
  }

  @Test
  void defaults_limitIs64KiB() {
    PayloadDecoder d = decoder();
    String pad = " ".repeat(64 * 1024 - 1);
    assertThat(decode(d, "sensors/a/b", pad + "1")).hasSize(1);
    assertThat(decode(d, "sensors/a/b", pad + "12")).isEmpty();
    assertThat(d.bad().get(BadPayload.OVERSIZED)).isEqualTo(1);
  }

  // ---- EdgeX

  static final String EDGEX_EVENT =
      "{\"apiVersion\":\"v3\",\"id\":\"6c9f5a3c-0d8b-4a53-a2a2-5b5a5ee7f9b1\","
          + "\"deviceName\":\"Random-Float-Device\",\"profileName\":\"Random-Float-Device\","
          + "\"sourceName\":\"Float32\",\"origin\":1700000000123456789,\"readings\":["
          + "{\"id\":\"a1\",\"origin\":1700000000111000000,\"deviceName\":\"Random-Float-Device\","
          + "\"resourceName\":\"Float32\",\"profileName\":\"Random-Float-Device\","
          + "\"valueType\":\"Float32\",\"value\":\"2.150000e+01\"},"
          + "{\"origin\":1700000000222000000,\"resourceName\":\"Int16\",\"valueType\":\"Int16\","
          + "\"value\":\"-7\"},"
          + "{\"resourceName\":\"Bool\",\"valueType\":\"Bool\",\"value\":\"true\"},"
          + "{\"resourceName\":\"Uint8Array\",\"valueType\":\"Uint8Array\",\"value\":\"[1, 2, 3]\"},"
          + "{\"resourceName\":\"Float64Array\",\"valueType\":\"Float64Array\","
          + "\"value\":\"[1.5e+00,-2.5e-01]\"},"
          + "{\"resourceName\":\"Status\",\"valueType\":\"String\",\"value\":\"ok\"},"
          + "{\"resourceName\":\"Obj\",\"valueType\":\"Object\","
          + "\"objectValue\":{\"x\":1,\"y\":{\"z\":true}}}"
          + "]}";

  static final List<Reading> EDGEX_READINGS =
      List.of(
          r("Random-Float-Device", "Float32", 1_700_000_000_111L, 21.5),
          r("Random-Float-Device", "Int16", 1_700_000_000_222L, -7),
          r("Random-Float-Device", "Bool", 1_700_000_000_123L, 1),
          r("Random-Float-Device", "Uint8Array.0", 1_700_000_000_123L, 1),
          r("Random-Float-Device", "Uint8Array.1", 1_700_000_000_123L, 2),
          r("Random-Float-Device", "Uint8Array.2", 1_700_000_000_123L, 3),
          r("Random-Float-Device", "Float64Array.0", 1_700_000_000_123L, 1.5),
          r("Random-Float-Device", "Float64Array.1", 1_700_000_000_123L, -0.25),
          r("Random-Float-Device", "Obj.x", 1_700_000_000_123L, 1),
          r("Random-Float-Device", "Obj.y.z", 1_700_000_000_123L, 1));

  @Test
  void edgex_eventReadingsByResourceWithOrigins() {
    PayloadDecoder d = decoder();
    assertThat(
            decode(
                d,
                "edgex/events/device/device-virtual/Random-Float-Device/Random-Float-Device/Float32",
                EDGEX_EVENT))
        .containsExactlyElementsOf(EDGEX_READINGS);
    assertThat(d.bad().snapshot()).isEqualTo(Map.of(BadPayload.WRONG_TYPE, 1L)); // the String
  }

  @Test
  void edgex_addEventRequestAndEnvelopes() {
    PayloadDecoder d = decoder();
    String request = "{\"apiVersion\":\"v3\",\"requestId\":\"r1\",\"event\":" + EDGEX_EVENT + "}";
    assertThat(decode(d, "devices/ignored/telemetry", request))
        .containsExactlyElementsOf(EDGEX_READINGS);
    String envelope =
        "{\"apiVersion\":\"v3\",\"receivedTopic\":\"edgex/events/device/x\","
            + "\"correlationID\":\"c1\",\"requestID\":\"r1\",\"errorCode\":0,"
            + "\"contentType\":\"application/json\",\"payload\":"
            + request
            + "}";
    assertThat(decode(d, "devices/ignored/telemetry", envelope))
        .containsExactlyElementsOf(EDGEX_READINGS);
    String base64 =
        "{\"correlationID\":\"c1\",\"contentType\":\"application/json\",\"payload\":\""
            + Base64.getEncoder().encodeToString(request.getBytes(StandardCharsets.UTF_8))
            + "\"}";
    assertThat(decode(d, "devices/ignored/telemetry", base64))
        .containsExactlyElementsOf(EDGEX_READINGS);
    assertThat(d.bad().snapshot()).isEqualTo(Map.of(BadPayload.WRONG_TYPE, 3L));
  }

  @Test
  void edgex_envelopeProblemsAreNotJson() {
    PayloadDecoder d = decoder();
    assertThat(
            decode(
                d,
                "nodevice/x",
                "{\"correlationID\":\"c\",\"contentType\":\"application/cbor\",\"payload\":\"oA==\"}"))
        .isEmpty();
    assertThat(decode(d, "nodevice/x", "{\"correlationID\":\"c\",\"payload\":\"%%%\"}")).isEmpty();
    assertThat(
            decode(
                d,
                "nodevice/x",
                "{\"correlationID\":\"c\",\"payload\":\""
                    + Base64.getEncoder().encodeToString("{oops".getBytes(StandardCharsets.UTF_8))
                    + "\"}"))
        .isEmpty();
    assertThat(d.bad().snapshot()).isEqualTo(Map.of(BadPayload.NOT_JSON, 3L));
  }

  @Test
  void edgex_optimizedPayloadUsesSourceNameAndEventOrigin() {
    PayloadDecoder d = decoder();
    String ev =
        "{\"apiVersion\":\"v3\",\"deviceName\":\"D\",\"sourceName\":\"Temp\","
            + "\"origin\":1700000000000000000,"
            + "\"readings\":[{\"valueType\":\"Float64\",\"value\":\"1.25\"}]}";
    assertThat(decode(d, "nodevice/Temp", ev))
        .containsExactly(r("D", "Temp", 1_700_000_000_000L, 1.25));
    String noOrigin =
        "{\"deviceName\":\"D\",\"readings\":[{\"resourceName\":\"T\",\"valueType\":\"Int32\","
            + "\"value\":\"3\"}]}";
    assertThat(decode(d, "nodevice/x", noOrigin)).containsExactly(r("D", "T", NOW, 3));
  }

  @Test
  void edgex_badReadingsAreCountedOneByOne() {
    PayloadDecoder d = decoder();
    String ev =
        "{\"deviceName\":\"D\",\"readings\":["
            + "{\"resourceName\":\"a\",\"valueType\":\"Float32\",\"value\":\"warm\"},"
            + "{\"resourceName\":\"b\",\"valueType\":\"Float64\",\"value\":\"NaN\"},"
            + "{\"resourceName\":\"c\",\"valueType\":\"Binary\",\"binaryValue\":\"AAE=\"},"
            + "{\"valueType\":\"Int8\",\"value\":\"1\"},"
            + "\"not an object\","
            + "{\"resourceName\":\"e\",\"valueType\":\"Int8\",\"value\":null},"
            + "{\"resourceName\":\"f\",\"valueType\":\"Float32Array\",\"value\":\"1, 2\"},"
            + "{\"resourceName\":\"g\",\"valueType\":\"Bool\",\"value\":\"maybe\"},"
            + "{\"resourceName\":\"h\",\"valueType\":\"Int64\",\"value\":\"42\",\"origin\":-1},"
            + "{\"resourceName\":\"i\",\"valueType\":\"Float64\",\"value\":2.5}"
            + "]}";
    assertThat(decode(d, "nodevice/x", ev))
        .containsExactly(r("D", "h", NOW, 42), r("D", "i", NOW, 2.5));
    assertThat(d.bad().snapshot())
        .isEqualTo(
            Map.of(
                BadPayload.NOT_A_NUMBER, 3L,
                BadPayload.NAN_OR_INFINITE, 1L,
                BadPayload.WRONG_TYPE, 4L,
                BadPayload.BAD_TIMESTAMP, 1L));
  }

  @Test
  void edgex_emptyReadingsAndUnknownDevice() {
    PayloadDecoder d =
        new PayloadDecoder(TEMPLATES, DecoderOptions.defaults().withAllowedDevices(Set.of("D")));
    assertThat(decode(d, "nodevice/x", "{\"deviceName\":\"D\",\"readings\":[]}")).isEmpty();
    assertThat(decode(d, "nodevice/x", EDGEX_EVENT)).isEmpty();
    assertThat(d.bad().snapshot())
        .isEqualTo(Map.of(BadPayload.EMPTY, 1L, BadPayload.UNKNOWN_DEVICE, 1L));
  }

  @Test
  void edgex_objectWithReadingsButNoDeviceNameIsPlainJson() {
    PayloadDecoder d = decoder();
    assertThat(decode(d, "devices/x/telemetry", "{\"readings\":[1,2]}"))
        .containsExactly(r("x", "readings.0", 1), r("x", "readings.1", 2));
  }

  // ---- contract

  @Test
  void sinkExceptionsAreTheCallersAndPropagate() {
    PayloadDecoder d = decoder();
    assertThatThrownBy(
            () ->
                d.decode(
                    "sensors/a/b",
                    "1".getBytes(StandardCharsets.UTF_8),
                    NOW,
                    r -> {
                      throw new IllegalStateException("sink full");
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("sink full");
  }

  @Test
  void constructor_needsATemplate() {
    assertThatThrownBy(() -> new PayloadDecoder(List.of(), DecoderOptions.defaults()))
        .hasMessageContaining("at least one topic template");
  }

  @Test
  void options_validatedWithClearMessages() {
    assertThatThrownBy(() -> DecoderOptions.defaults().withMaxPayloadBytes(0))
        .hasMessageContaining("maxPayloadBytes");
    assertThatThrownBy(() -> DecoderOptions.defaults().withMaxDepth(33))
        .hasMessageContaining("maxDepth must be between 1 and 32");
    assertThatThrownBy(() -> DecoderOptions.defaults().withTimestampField("a..b"))
        .hasMessageContaining("timestampField");
    assertThatThrownBy(() -> DecoderOptions.defaults().withAllowedDevices(Set.of(" ")))
        .hasMessageContaining("blank");
  }

  /**
   * Random garbage and random mutations of good payloads: the decoder never throws, every message
   * gives a reading or a counted reason, and every reading is finite.
   */
  @Test
  void fuzz_randomInputNeverThrowsAndIsAlwaysAccountedFor() {
    PayloadDecoder d = new PayloadDecoder(TEMPLATES, DecoderOptions.defaults().withMaxDepth(4));
    Random rnd = new Random(20240501);
    List<byte[]> seeds =
        List.of(
            EDGEX_EVENT.getBytes(StandardCharsets.UTF_8),
            "{\"a\":{\"b\":[1,2,{\"c\":true}]},\"ts\":\"2024-01-01T00:00:00Z\",\"s\":\"1e3\"}"
                .getBytes(StandardCharsets.UTF_8),
            "{\"correlationID\":\"c\",\"payload\":{\"deviceName\":\"x\",\"readings\":[]}}"
                .getBytes(StandardCharsets.UTF_8),
            "-12.5e-3".getBytes(StandardCharsets.UTF_8));
    String[] topics = {
      "sensors/a/b", "devices/d/telemetry", "nodevice/x", "edgex/events/device/s/p/d/r", "x"
    };
    String alphabet = "{}[]\":,.-+eE0123456789 tfnaluNIy\\/\u00e9";
    for (int i = 0; i < 30_000; i++) {
      byte[] p;
      switch (i % 3) {
        case 0 -> {
          p = new byte[rnd.nextInt(64)];
          rnd.nextBytes(p);
        }
        case 1 -> {
          StringBuilder b = new StringBuilder();
          for (int k = rnd.nextInt(80); k > 0; k--) {
            b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
          }
          p = b.toString().getBytes(StandardCharsets.UTF_8);
        }
        default -> {
          byte[] s = seeds.get(rnd.nextInt(seeds.size()));
          p = s.clone();
          for (int k = 1 + rnd.nextInt(4); k > 0; k--) {
            int at = rnd.nextInt(p.length);
            switch (rnd.nextInt(3)) {
              case 0 -> p[at] = (byte) rnd.nextInt(256);
              case 1 -> p = java.util.Arrays.copyOf(p, Math.max(1, at)); // truncate
              default -> p[at] = (byte) alphabet.charAt(rnd.nextInt(alphabet.length()));
            }
          }
        }
      }
      long badBefore = d.bad().total();
      String topic = topics[rnd.nextInt(topics.length)];
      out.clear();
      int n = d.decode(topic, p, NOW, out::add);
      assertThat(n).isEqualTo(out.size());
      assertThat(n > 0 || d.bad().total() > badBefore)
          .as("message %d on %s accounted for: %s", i, topic, new String(p, StandardCharsets.UTF_8))
          .isTrue();
      for (Reading r : out) {
        assertThat(Double.isFinite(r.value())).isTrue();
      }
    }
    assertThat(d.messages()).isEqualTo(30_000);
    assertThat(d.bad().snapshot()).containsKeys(BadPayload.NOT_JSON, BadPayload.NOT_A_NUMBER);
  }

  // ---- format restrictions

  @Test
  void format_numberAcceptsPlainValuesOnly() {
    PayloadDecoder d =
        new PayloadDecoder(
            TEMPLATES, DecoderOptions.defaults().withFormat(DecoderOptions.Format.NUMBER));
    assertThat(decode(d, "sensors/b/t", "21.5")).containsExactly(r("b", "t", 21.5));
    assertThat(decode(d, "sensors/b/t", "\"2\"")).containsExactly(r("b", "t", 2));
    assertThat(decode(d, "sensors/b/t", "{\"a\":1}")).isEmpty();
    assertThat(decode(d, "sensors/b/t", " [1]")).isEmpty();
    assertThat(d.bad().snapshot()).isEqualTo(Map.of(BadPayload.WRONG_FORMAT, 2L));
  }

  @Test
  void format_jsonReadsObjectsOnlyAndEdgexAsPlainJson() {
    PayloadDecoder d =
        new PayloadDecoder(
            TEMPLATES, DecoderOptions.defaults().withFormat(DecoderOptions.Format.JSON));
    assertThat(decode(d, "devices/b/telemetry", "{\"a\":1}")).containsExactly(r("b", "a", 1));
    assertThat(decode(d, "sensors/b/t", "21.5")).isEmpty();
    assertThat(decode(d, "sensors/b/t", "\"21.5\"")).isEmpty();
    assertThat(decode(d, "devices/b/telemetry", "{\"readings\":[{\"v\":3}],\"deviceName\":\"x\"}"))
        .containsExactly(r("b", "readings.0.v", 3));
    assertThat(d.bad().snapshot()) // deviceName is a text field of a plain JSON object here
        .isEqualTo(Map.of(BadPayload.WRONG_FORMAT, 2L, BadPayload.NOT_A_NUMBER, 1L));
  }

  @Test
  void format_edgexReadsEdgexEventsOnly() {
    PayloadDecoder d =
        new PayloadDecoder(
            TEMPLATES, DecoderOptions.defaults().withFormat(DecoderOptions.Format.EDGEX));
    String topic =
        "edgex/events/device/device-virtual/Random-Float-Device/Random-Float-Device/Float32";
    assertThat(decode(d, topic, EDGEX_EVENT)).containsExactlyElementsOf(EDGEX_READINGS);
    assertThat(decode(d, "devices/b/telemetry", "{\"a\":1}")).isEmpty();
    assertThat(decode(d, "sensors/b/t", "21.5")).isEmpty();
    assertThat(d.bad().get(BadPayload.WRONG_FORMAT)).isEqualTo(2);
  }

  @Test
  void everyReadingCarriesTheSizeOfItsMessage() {
    PayloadDecoder d = decoder();
    byte[] json = "{\"temp\":21.5,\"hum\":40}".getBytes(StandardCharsets.UTF_8);
    List<Reading> got = new ArrayList<>();
    assertThat(d.decode("devices/gw/telemetry", json, NOW, got::add)).isEqualTo(2);
    assertThat(got).extracting(Reading::payloadBytes).containsExactly(json.length, json.length);
    got.clear();
    d.decode("sensors/b/t", "21.5".getBytes(StandardCharsets.UTF_8), NOW, got::add);
    assertThat(got).extracting(Reading::payloadBytes).containsExactly(4);
  }
}
