package dev.vigil.features.telemetry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decodes MQTT telemetry messages into {@link Reading}s: the topic is matched against {@link
 * TopicTemplate}s (first match wins) for the device and metric, and the payload is read as one of
 *
 * <ul>
 *   <li><b>a plain value</b>: a number ({@code 21.5}, surrounding whitespace allowed), {@code
 *       true}/{@code false} (1/0), or a JSON string holding a number ({@code "21.5"}). The metric
 *       is the topic's {@code {metric}}, or {@code value} if the template has none.
 *   <li><b>a JSON object</b>: every numeric field is a reading, nested objects flattened into
 *       dotted paths ({@code a.b.c}) and array elements by index ({@code a.0}, {@code a.1}), down
 *       to {@link DecoderOptions#maxDepth}. Booleans are read as 1 and 0 (door open, relay on:
 *       state the detector should see), strings holding a number as that number. The metric is the
 *       path, prefixed by the topic's {@code {metric}} and a dot when the template has one ({@code
 *       sensors/{device}/{metric}} with {@code {"value":1}} gives {@code temp.value}). The {@link
 *       DecoderOptions#timestampField} sets the readings' time and is not itself a reading.
 *   <li><b>an EdgeX Foundry event</b> (v2/v3 core-contracts): an object with a {@code readings}
 *       array and a {@code deviceName}; also wrapped as an {@code AddEventRequest} ({@code
 *       {"apiVersion":..,"event":{..}}}) or in a message-bus envelope ({@code payload} as an
 *       object, or Base64 when {@code EDGEX_MSG_BASE64_PAYLOAD} is set; with {@code correlationID},
 *       {@code contentType} or {@code receivedTopic}). The device is the event's {@code deviceName}
 *       (the topic's as a fallback), each reading's metric its {@code resourceName} (the event's
 *       {@code sourceName} for a single reading without one), its time its {@code origin}
 *       (nanoseconds; else the event's). Numeric {@code valueType}s ({@code Int8}..{@code Uint64},
 *       {@code Float32}, {@code Float64}) and {@code Bool} are read from the string {@code value};
 *       their {@code ..Array} forms ({@code "[1.5, 2]"}) by index; {@code Object} values flattened
 *       like JSON; {@code String} and {@code Binary} readings are {@link BadPayload#WRONG_TYPE}.
 * </ul>
 *
 * <p>{@link DecoderOptions#format} restricts the decoder to one of these formats (a payload of
 * another is counted as {@link BadPayload#WRONG_FORMAT}); by default each payload is read as what
 * it looks like. Readings without a timestamp carry the arrival time. Bad input is counted by
 * {@link BadPayload} ({@link #bad()}), and so are device and metric names that break {@link
 * TelemetryNames} (too long, or not printable): no such name reaches a sink. {@link #decode} never
 * throws on any input, never blocks and holds nothing of a payload between calls. It may be called
 * from several threads at once; the counters may be read from any thread.
 *
 * <p>How: a JSON object of readings with the topic's device (the common case) is read with a
 * streaming parser into per-thread buffers, which are handed on once the whole payload has parsed;
 * every other payload (plain values, strings, arrays, EdgeX events and envelopes, and JSON objects
 * that do not parse, have duplicate names, or have no device in the topic) is read as a Jackson
 * tree, as before. Both read a payload the same way: {@code PayloadDecoderEquivalenceTest} compares
 * them with the tree-only decoder this replaced.
 */
public final class PayloadDecoder {
  /** Parser nesting limit: deeper JSON is {@link BadPayload#NOT_JSON}, never parsed. */
  private static final int PARSER_MAX_NESTING = 64;

  private static final ObjectMapper MAPPER = new ObjectMapper(createFactory(false));

  /**
   * The streaming fast path's parser factory: the tree parser's limits, and FastDoubleParser
   * (correctly rounded, as Double.parseDouble, without a String per number).
   */
  private static final JsonFactory STREAMING = createFactory(true);

  /** Names of one object compared one by one for duplicates; a larger object uses a set. */
  private static final int LINEAR_DUPLICATE_CHECK = 16;

  /** Per-thread buffers of the streaming path; a re-entrant call (from a sink) gets its own. */
  private static final BadPayload[] REASONS = BadPayload.values();

  private static final ThreadLocal<Stream> STREAMS = ThreadLocal.withInitial(Stream::new);

  private final List<TopicTemplate> templates;
  private final DecoderOptions options;
  private final Set<String> allowed;
  private final String timestampField;
  private final JsonPointer timestampPointer;
  // The timestamp pointer's segments, as JsonPointer matches them: property names, array indices
  private final String[] timestampProperties;
  private final int[] timestampIndices;
  private final BadPayloadCounts bad = new BadPayloadCounts();
  private final AtomicLong messages = new AtomicLong();
  private final AtomicLong readings = new AtomicLong();

  /**
   * Creates a decoder.
   *
   * @param templates topic templates, tried in order (at least one)
   * @param options limits, device allow-list and timestamp field
   */
  public PayloadDecoder(List<TopicTemplate> templates, DecoderOptions options) {
    this.templates = List.copyOf(templates);
    if (this.templates.isEmpty()) {
      throw new IllegalArgumentException("at least one topic template is needed");
    }
    this.options = Objects.requireNonNull(options, "options");
    this.allowed = options.allowedDevices().isEmpty() ? null : options.allowedDevices();
    this.timestampField = options.timestampField().isEmpty() ? null : options.timestampField();
    this.timestampPointer = timestampField == null ? null : pointer(timestampField);
    int k = 0;
    for (JsonPointer t = timestampPointer; t != null && !t.matches(); t = t.tail()) {
      k++;
    }
    this.timestampProperties = new String[k];
    this.timestampIndices = new int[k];
    int i = 0;
    for (JsonPointer t = timestampPointer; t != null && !t.matches(); t = t.tail()) {
      timestampProperties[i] = t.getMatchingProperty();
      timestampIndices[i] = t.getMatchingIndex();
      i++;
    }
  }

  private static JsonFactory createFactory(boolean fastDoubles) {
    JsonFactory f =
        JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS) // NaN and Infinity: counted, not
            // syntax errors (Python's json.dumps writes them)
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(PARSER_MAX_NESTING)
                    .maxNumberLength(400)
                    .build())
            .configure(StreamReadFeature.USE_FAST_DOUBLE_PARSER, fastDoubles)
            .build();
    return f;
  }

  static {
    MAPPER.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

  private static JsonPointer pointer(String dotted) {
    StringBuilder b = new StringBuilder();
    for (String part : dotted.split("\\.", -1)) {
      b.append('/').append(part.replace("~", "~0").replace("/", "~1"));
    }
    return JsonPointer.compile(b.toString());
  }

  /** Returns the templates, in the order they are tried. */
  public List<TopicTemplate> templates() {
    return templates;
  }

  /** Returns the options. */
  public DecoderOptions options() {
    return options;
  }

  /** Returns the distinct subscription filters of the templates. */
  public List<String> subscriptionFilters() {
    return TopicTemplate.filters(templates);
  }

  /** Returns the bad-payload counters. */
  public BadPayloadCounts bad() {
    return bad;
  }

  /** Returns messages decoded (good or bad). */
  public long messages() {
    return messages.get();
  }

  /** Returns readings handed to sinks. */
  public long readings() {
    return readings.get();
  }

  /**
   * Decodes one message and hands its readings to {@code sink}, in payload order.
   *
   * @param topic the topic the message was published to
   * @param payload the payload bytes (not kept)
   * @param receivedMillis arrival time, for readings the payload gives no time for
   * @param sink receives the readings (exceptions it throws propagate to the caller)
   * @return how many readings were handed to {@code sink}
   */
  public int decode(String topic, byte[] payload, long receivedMillis, ReadingSink sink) {
    messages.incrementAndGet();
    TopicTemplate.Match m = topic == null ? null : TopicTemplate.firstMatch(templates, topic);
    if (m == null) {
      bad.increment(BadPayload.NO_TEMPLATE_MATCH);
      return 0;
    }
    if (payload == null) {
      payload = new byte[0];
    }
    if (payload.length > options.maxPayloadBytes()) {
      bad.increment(BadPayload.OVERSIZED);
      return 0;
    }
    if (m.device() != null && !TelemetryNames.isValid(m.device(), options.maxNameLength())) {
      bad.increment(BadPayload.BAD_NAME);
      return 0;
    }
    if (m.device() != null && !isAllowed(m.device())) {
      bad.increment(BadPayload.UNKNOWN_DEVICE);
      return 0;
    }
    Ctx c = new Ctx(m.device(), m.metric(), receivedMillis, sink);
    c.payloadBytes = payload.length;
    try {
      decodePayload(c, payload);
    } catch (ReadingSinkFailure e) {
      throw e.sinkException;
    } catch (RuntimeException e) {
      // Defensive: a parser bug must not escape into the MQTT client's thread. Nothing known
      // reaches here; count the message so that it is not lost silently.
      drop(c, BadPayload.NOT_JSON);
    }
    if (c.badTimestamp) {
      bad.increment(BadPayload.BAD_TIMESTAMP);
    }
    if (c.emitted == 0 && c.valueErrors == 0 && !c.dropped) {
      bad.increment(BadPayload.EMPTY);
    }
    return c.emitted;
  }

  private boolean isAllowed(String device) {
    return allowed == null || allowed.contains(device);
  }

  private void decodePayload(Ctx c, byte[] p) {
    int i = 0;
    int n = p.length;
    if (n >= 3 && (p[0] & 0xff) == 0xef && (p[1] & 0xff) == 0xbb && (p[2] & 0xff) == 0xbf) {
      i = 3; // UTF-8 byte order mark
    }
    while (i < n && isSpace(p[i])) {
      i++;
    }
    if (i == n) {
      return; // EMPTY
    }
    byte first = p[i];
    DecoderOptions.Format format = options.format();
    if (format == DecoderOptions.Format.NUMBER && (first == '{' || first == '[')) {
      drop(c, BadPayload.WRONG_FORMAT);
      return;
    }
    if ((format == DecoderOptions.Format.JSON || format == DecoderOptions.Format.EDGEX)
        && first != '{') {
      drop(c, BadPayload.WRONG_FORMAT);
      return;
    }
    if (first == '{'
        && c.device != null
        && format != DecoderOptions.Format.EDGEX
        && streamObject(c, p, i, n - i)) {
      return;
    }
    if (first == '{' || first == '[' || first == '"') {
      JsonNode root = parse(c, p, i, n - i);
      if (root == null) {
        return;
      }
      if (root.isObject()) {
        object(c, root, true);
      } else if (root.isTextual()) {
        c.metric = c.topicMetric == null ? "value" : c.topicMetric;
        if (requireDevice(c)) {
          text(c, c.metric, root.textValue());
        }
      } else {
        valueError(c, BadPayload.WRONG_TYPE); // a top-level array
      }
      return;
    }
    plain(c, p, i, n);
  }

  // ---- the streaming fast path: a JSON object of readings (not EdgeX), with the topic's device

  /**
   * Decodes a JSON object of readings with a streaming parser, as {@link #generic} decodes its
   * tree. Readings and value errors are buffered until the whole payload has parsed, then handed on
   * in payload order, so that a syntax error late in the payload leaves no trace. Returns false,
   * having counted and emitted nothing, for whatever it does not decide itself: a payload that does
   * not parse, has duplicate names or a 0xff byte, may be an EdgeX event, or has its timestamp
   * deeper than {@link DecoderOptions#maxDepth}. The tree path decides those as it always did.
   */
  private boolean streamObject(Ctx c, byte[] p, int off, int len) {
    for (int i = off, end = off + len; i < end; i++) {
      if (p[i] == (byte) 0xff) {
        // Never UTF-8, but Jackson pads the last 4 bytes of a name with 0xff when it looks the name
        // up, so a name holding 0xff can be taken for a shorter one the parser has seen before
        // ("\xff8" for "8") instead of failing. Whether it is depends on the parser's history;
        // the tree path keeps that behaviour as it was.
        return false;
      }
    }
    Stream s = STREAMS.get();
    if (s.busy) {
      s = new Stream(); // a sink decoding on the decoder's thread
    }
    s.busy = true;
    try {
      s.reset();
      try (JsonParser jp = STREAMING.createParser(p, off, len)) {
        jp.nextToken(); // START_OBJECT
        StringBuilder path = s.path;
        if (c.topicMetric != null) {
          path.append(c.topicMetric);
        }
        int rootLength = c.topicMetric == null ? 0 : path.length() + 1;
        if (!streamFields(c, s, jp, path, 1, rootLength, timestampProperties.length > 0)
            || jp.nextToken() != null) {
          return false;
        }
      } catch (IOException | RuntimeException e) {
        return false; // not JSON, duplicate names, limits: the tree path counts it
      }
      if (s.timestampSeen) {
        if (s.timestamp == Long.MIN_VALUE) {
          c.badTimestamp = true;
        } else {
          c.timestamp = s.timestamp;
        }
      }
      for (int i = 0; i < s.size; i++) {
        int kind = s.kinds[i];
        if (kind < 0) {
          emit(c, s.metrics[i], c.timestamp, s.values[i]);
        } else {
          valueError(c, REASONS[kind]);
        }
      }
      return true;
    } finally {
      s.clear();
      s.busy = false;
    }
  }

  // The fields of an object at `depth` (the root's are at 1), as #fields walks them. onPointer:
  // the object is on the timestamp pointer's path. Returns false to hand the payload to the tree.
  private boolean streamFields(
      Ctx c, Stream s, JsonParser jp, StringBuilder path, int depth, int rootLength, boolean onPtr)
      throws IOException {
    int names = s.namesTop;
    java.util.HashSet<String> seen = null;
    while (jp.nextToken() == JsonToken.FIELD_NAME) {
      String name = jp.currentName();
      // Duplicate names: the tree keeps the last value in the first one's place; the tree decides
      if (seen != null) {
        if (!seen.add(name)) {
          return false;
        }
      } else {
        for (int j = names; j < s.namesTop; j++) {
          if (s.names[j].equals(name)) {
            return false;
          }
        }
        if (s.namesTop - names < LINEAR_DUPLICATE_CHECK) {
          s.pushName(name);
        } else {
          seen = new java.util.HashSet<>(Arrays.asList(s.names).subList(names, s.namesTop));
          seen.add(name);
        }
      }
      if (depth == 1
          && options.format() == DecoderOptions.Format.AUTO
          && (name.equals("payload") || name.equals("event") || name.equals("readings"))) {
        return false; // perhaps EdgeX: the tree path tells
      }
      int mark = path.length();
      if (mark > 0) {
        path.append('.');
      }
      path.append(name);
      boolean childOnPtr =
          onPtr
              && depth <= timestampProperties.length
              && name.equals(timestampProperties[depth - 1]);
      boolean target = childOnPtr && depth == timestampProperties.length;
      jp.nextToken();
      if (target) {
        streamTimestamp(c, s, jp);
      }
      if (timestampField != null && isTimestampPath(path, rootLength)) {
        if (childOnPtr && !target) {
          return false;
        }
        jp.skipChildren();
      } else if (!streamValue(
          c, s, jp, path, mark == 0 ? name : null, depth, rootLength, childOnPtr && !target)) {
        return false;
      }
      path.setLength(mark);
    }
    s.namesTop = names;
    return true;
  }

  // The value at jp's current token, as #value reads it; metric is the path if already a string.
  private boolean streamValue(
      Ctx c,
      Stream s,
      JsonParser jp,
      StringBuilder path,
      String metric,
      int depth,
      int rootLength,
      boolean onPtr)
      throws IOException {
    JsonToken t = jp.currentToken();
    switch (t) {
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
        if (t == JsonToken.VALUE_NUMBER_INT) {
          jp.getNumberType(); // int, long or BigInteger, converted as the tree's nodes convert
        }
        double v = jp.getDoubleValue();
        if (Double.isFinite(v)) {
          s.reading(metric != null ? metric : path.toString(), v);
        } else {
          s.error(BadPayload.NAN_OR_INFINITE);
        }
      }
      case VALUE_TRUE -> s.reading(metric != null ? metric : path.toString(), 1.0);
      case VALUE_FALSE -> s.reading(metric != null ? metric : path.toString(), 0.0);
      case VALUE_STRING -> {
        String text = jp.getText();
        switch (PayloadNumberParser.parse(text, 0, text.length(), c.scratch)) {
          case PayloadNumberParser.OK ->
              s.reading(metric != null ? metric : path.toString(), c.scratch[0]);
          case PayloadNumberParser.NAN_OR_INFINITE -> s.error(BadPayload.NAN_OR_INFINITE);
          default -> s.error(BadPayload.NOT_A_NUMBER);
        }
      }
      case START_OBJECT -> {
        if (depth >= options.maxDepth()) {
          if (onPtr) {
            return false; // the timestamp is below: the tree path finds it
          }
          jp.skipChildren();
          s.error(BadPayload.WRONG_TYPE);
        } else {
          return streamFields(c, s, jp, path, depth + 1, rootLength, onPtr);
        }
      }
      case START_ARRAY -> {
        if (depth >= options.maxDepth()) {
          if (onPtr) {
            return false;
          }
          jp.skipChildren();
          s.error(BadPayload.WRONG_TYPE);
          return true;
        }
        int level = depth + 1;
        for (int i = 0; jp.nextToken() != JsonToken.END_ARRAY; i++) {
          int mark = path.length();
          if (mark > 0) {
            path.append('.');
          }
          path.append(i);
          boolean childOnPtr =
              onPtr && level <= timestampIndices.length && timestampIndices[level - 1] == i;
          boolean target = childOnPtr && level == timestampIndices.length;
          if (target) {
            streamTimestamp(c, s, jp);
          }
          if (!streamValue(c, s, jp, path, null, level, rootLength, childOnPtr && !target)) {
            return false;
          }
          path.setLength(mark);
        }
      }
      default -> s.error(BadPayload.WRONG_TYPE); // null
    }
    return true;
  }

  // The timestamp at jp's current token, as #timestampOf reads its node; the token is not consumed.
  private static void streamTimestamp(Ctx c, Stream s, JsonParser jp) throws IOException {
    s.timestampSeen = true;
    s.timestamp =
        switch (jp.currentToken()) {
          case VALUE_NUMBER_INT -> {
            JsonParser.NumberType nt = jp.getNumberType();
            if (nt == JsonParser.NumberType.INT || nt == JsonParser.NumberType.LONG) {
              yield PayloadNumberParser.epochToMillis(jp.getLongValue());
            }
            java.math.BigInteger b = jp.getBigIntegerValue();
            yield b.bitLength() <= 63
                ? PayloadNumberParser.epochToMillis(b.longValue())
                : PayloadNumberParser.epochToMillis(b.doubleValue());
          }
          case VALUE_NUMBER_FLOAT -> PayloadNumberParser.epochToMillis(jp.getDoubleValue());
          case VALUE_STRING -> PayloadNumberParser.textToMillis(jp.getText().strip(), c.scratch);
          default -> Long.MIN_VALUE;
        };
  }

  private JsonNode parse(Ctx c, byte[] p, int off, int len) {
    try {
      return MAPPER.readTree(p, off, len);
    } catch (IOException | RuntimeException e) {
      drop(c, BadPayload.NOT_JSON);
      return null;
    }
  }

  private void plain(Ctx c, byte[] p, int from, int to) {
    c.metric = c.topicMetric == null ? "value" : c.topicMetric;
    if (!requireDevice(c)) {
      return;
    }
    while (to > from && isSpace(p[to - 1])) {
      to--;
    }
    String s = new String(p, from, to - from, StandardCharsets.ISO_8859_1);
    if (s.equals("true")) {
      emit(c, c.metric, c.timestamp, 1.0);
    } else if (s.equals("false")) {
      emit(c, c.metric, c.timestamp, 0.0);
    } else if (s.equals("null")) {
      valueError(c, BadPayload.WRONG_TYPE);
    } else {
      text(c, c.metric, s);
    }
  }

  private boolean requireDevice(Ctx c) {
    if (c.device == null) {
      drop(c, BadPayload.NO_DEVICE);
      return false;
    }
    return true;
  }

  // A JSON object at the top level (or an EdgeX envelope's payload when envelopeAllowed is false).
  private void object(Ctx c, JsonNode root, boolean envelopeAllowed) {
    if (options.format() == DecoderOptions.Format.JSON) {
      generic(c, root);
      return;
    }
    JsonNode payload = root.get("payload");
    if (envelopeAllowed
        && payload != null
        && (root.has("correlationID") || root.has("contentType") || root.has("receivedTopic"))) {
      envelope(c, root, payload);
      return;
    }
    JsonNode event = root.get("event");
    if (event != null && event.isObject() && event.path("readings").isArray()) {
      edgexEvent(c, event);
      return;
    }
    if (root.path("readings").isArray() && root.path("deviceName").isTextual()) {
      edgexEvent(c, root);
      return;
    }
    if (options.format() == DecoderOptions.Format.EDGEX) {
      drop(c, BadPayload.WRONG_FORMAT);
      return;
    }
    generic(c, root);
  }

  private void envelope(Ctx c, JsonNode root, JsonNode payload) {
    JsonNode ct = root.get("contentType");
    if (ct != null
        && ct.isTextual()
        && !ct.textValue().isEmpty()
        && !ct.textValue().toLowerCase(Locale.ROOT).contains("json")) {
      drop(c, BadPayload.NOT_JSON); // e.g. application/cbor
      return;
    }
    JsonNode inner = payload;
    if (payload.isTextual()) {
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(payload.textValue());
      } catch (IllegalArgumentException e) {
        drop(c, BadPayload.NOT_JSON);
        return;
      }
      inner = parse(c, bytes, 0, bytes.length);
      if (inner == null) {
        return;
      }
    }
    if (!inner.isObject()) {
      valueError(c, BadPayload.WRONG_TYPE);
      return;
    }
    object(c, inner, false);
  }

  private void generic(Ctx c, JsonNode root) {
    if (!requireDevice(c)) {
      return;
    }
    if (timestampPointer != null) {
      JsonNode t = root.at(timestampPointer);
      if (!t.isMissingNode()) {
        long ms = timestampOf(c, t);
        if (ms == Long.MIN_VALUE) {
          c.badTimestamp = true;
        } else {
          c.timestamp = ms;
        }
      }
    }
    StringBuilder path = new StringBuilder(32);
    if (c.topicMetric != null) {
      path.append(c.topicMetric);
    }
    fields(c, root, path, 1, c.topicMetric == null ? 0 : path.length() + 1);
  }

  // The fields of an object; rootLength is where the payload's own path starts in `path` (the
  // timestamp field is matched against that part), or -1 where no field is the timestamp.
  private void fields(Ctx c, JsonNode obj, StringBuilder path, int depth, int rootLength) {
    for (Map.Entry<String, JsonNode> e : obj.properties()) {
      int mark = path.length();
      if (mark > 0) {
        path.append('.');
      }
      path.append(e.getKey());
      if (timestampField != null && isTimestampPath(path, rootLength)) {
        path.setLength(mark);
        continue;
      }
      value(c, e.getValue(), path, depth, rootLength);
      path.setLength(mark);
    }
  }

  private boolean isTimestampPath(StringBuilder path, int rootLength) {
    if (rootLength < 0) {
      return false;
    }
    int len = path.length() - rootLength;
    if (len != timestampField.length()) {
      return false;
    }
    for (int i = 0; i < len; i++) {
      if (path.charAt(rootLength + i) != timestampField.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private void value(Ctx c, JsonNode v, StringBuilder path, int depth, int rootLength) {
    switch (v.getNodeType()) {
      case NUMBER -> number(c, path.toString(), v.doubleValue());
      case BOOLEAN -> emit(c, path.toString(), c.timestamp, v.booleanValue() ? 1.0 : 0.0);
      case STRING -> text(c, path.toString(), v.textValue());
      case OBJECT -> {
        if (depth >= options.maxDepth()) {
          valueError(c, BadPayload.WRONG_TYPE);
        } else {
          fields(c, v, path, depth + 1, rootLength);
        }
      }
      case ARRAY -> {
        if (depth >= options.maxDepth()) {
          valueError(c, BadPayload.WRONG_TYPE);
          return;
        }
        for (int i = 0, n = v.size(); i < n; i++) {
          int mark = path.length();
          if (mark > 0) {
            path.append('.');
          }
          path.append(i);
          value(c, v.get(i), path, depth + 1, rootLength);
          path.setLength(mark);
        }
      }
      default -> valueError(c, BadPayload.WRONG_TYPE); // null, missing, binary, POJO
    }
  }

  private void number(Ctx c, String metric, double v) {
    if (Double.isFinite(v)) {
      emit(c, metric, c.timestamp, v);
    } else {
      valueError(c, BadPayload.NAN_OR_INFINITE);
    }
  }

  private void text(Ctx c, String metric, String s) {
    textAt(c, metric, s, 0, s.length(), c.timestamp);
  }

  private void textAt(Ctx c, String metric, String s, int from, int to, long ts) {
    switch (PayloadNumberParser.parse(s, from, to, c.scratch)) {
      case PayloadNumberParser.OK -> emit(c, metric, ts, c.scratch[0]);
      case PayloadNumberParser.NAN_OR_INFINITE -> valueError(c, BadPayload.NAN_OR_INFINITE);
      default -> valueError(c, BadPayload.NOT_A_NUMBER);
    }
  }

  private long timestampOf(Ctx c, JsonNode t) {
    if (t.isIntegralNumber() && t.canConvertToLong()) {
      return PayloadNumberParser.epochToMillis(t.longValue());
    }
    if (t.isNumber()) {
      return PayloadNumberParser.epochToMillis(t.doubleValue());
    }
    if (t.isTextual()) {
      return PayloadNumberParser.textToMillis(t.textValue().strip(), c.scratch);
    }
    return Long.MIN_VALUE;
  }

  // ---- EdgeX

  private void edgexEvent(Ctx c, JsonNode ev) {
    JsonNode dn = ev.get("deviceName");
    if (dn != null && dn.isTextual() && !dn.textValue().isBlank()) {
      c.device = dn.textValue();
      if (!TelemetryNames.isValid(c.device, options.maxNameLength())) {
        drop(c, BadPayload.BAD_NAME);
        return;
      }
      if (!isAllowed(c.device)) {
        drop(c, BadPayload.UNKNOWN_DEVICE);
        return;
      }
    } else if (!requireDevice(c)) {
      return;
    }
    long eventOrigin = origin(c, ev.get("origin"));
    JsonNode rs = ev.get("readings");
    if (rs == null || !rs.isArray()) {
      valueError(c, BadPayload.WRONG_TYPE);
      return;
    }
    JsonNode sourceName = ev.get("sourceName");
    for (int i = 0, n = rs.size(); i < n; i++) {
      JsonNode r = rs.get(i);
      if (!r.isObject()) {
        valueError(c, BadPayload.WRONG_TYPE);
        continue;
      }
      JsonNode rn = r.get("resourceName");
      String resource = rn != null && rn.isTextual() ? rn.textValue() : "";
      if (resource.isBlank() && n == 1 && sourceName != null && sourceName.isTextual()) {
        resource = sourceName.textValue(); // EDGEX_OPTIMIZE_EVENT_PAYLOAD drops it
      }
      if (resource.isBlank()) {
        valueError(c, BadPayload.WRONG_TYPE);
        continue;
      }
      long ts = origin(c, r.get("origin"));
      if (ts == Long.MIN_VALUE) {
        ts = eventOrigin != Long.MIN_VALUE ? eventOrigin : c.receivedMillis;
      }
      JsonNode vt = r.get("valueType");
      edgexReading(c, resource, vt != null && vt.isTextual() ? vt.textValue() : "", r, ts);
    }
  }

  // Milliseconds from an origin (int64 nanoseconds in EdgeX 2+, milliseconds in 1.x: told apart
  // by magnitude); MIN_VALUE if absent or 0, and marks a bad timestamp if present but unusable.
  private long origin(Ctx c, JsonNode o) {
    if (o == null || o.isNull() || (o.isNumber() && o.asLong() == 0)) {
      return Long.MIN_VALUE;
    }
    long ms = timestampOf(c, o);
    if (ms == Long.MIN_VALUE) {
      c.badTimestamp = true;
    }
    return ms;
  }

  private void edgexReading(Ctx c, String resource, String valueType, JsonNode r, long ts) {
    String type = valueType.toLowerCase(Locale.ROOT);
    if (type.equals("object") || type.equals("objectarray")) {
      JsonNode ov = r.get("objectValue");
      if (ov == null || ov.isNull()) {
        valueError(c, BadPayload.WRONG_TYPE);
        return;
      }
      long saved = c.timestamp;
      c.timestamp = ts;
      StringBuilder path = new StringBuilder(resource);
      value(c, ov, path, 1, -1);
      c.timestamp = saved;
      return;
    }
    boolean array = type.endsWith("array");
    String element = array ? type.substring(0, type.length() - "array".length()) : type;
    boolean bool = element.equals("bool");
    if (!bool && !element.isEmpty() && !isNumericType(element)) {
      valueError(c, BadPayload.WRONG_TYPE); // String, Binary, unknown
      return;
    }
    JsonNode v = r.get("value");
    if (v == null || v.isNull()) {
      valueError(c, BadPayload.WRONG_TYPE);
      return;
    }
    if (v.isNumber()) {
      numberAt(c, resource, v.doubleValue(), ts);
    } else if (v.isBoolean()) {
      emit(c, resource, ts, v.booleanValue() ? 1.0 : 0.0);
    } else if (!v.isTextual()) {
      valueError(c, BadPayload.WRONG_TYPE);
    } else if (!array) {
      scalar(c, resource, v.textValue(), 0, v.textValue().length(), ts);
    } else {
      edgexArray(c, resource, v.textValue(), ts);
    }
  }

  private static boolean isNumericType(String t) {
    return switch (t) {
      case "int8",
              "int16",
              "int32",
              "int64",
              "uint8",
              "uint16",
              "uint32",
              "uint64",
              "float32",
              "float64" ->
          true;
      default -> false;
    };
  }

  // "[1.5, 2, 3]": element i becomes resource.i
  private void edgexArray(Ctx c, String resource, String s, long ts) {
    String t = s.strip();
    if (t.length() < 2 || t.charAt(0) != '[' || t.charAt(t.length() - 1) != ']') {
      valueError(c, BadPayload.NOT_A_NUMBER);
      return;
    }
    int end = t.length() - 1;
    if (t.substring(1, end).isBlank()) {
      return; // an empty array: no readings
    }
    int index = 0;
    int from = 1;
    while (from <= end) {
      int comma = t.indexOf(',', from);
      int to = comma < 0 || comma > end ? end : comma;
      scalar(c, resource + "." + index, t, from, to, ts);
      index++;
      from = to + 1;
    }
  }

  // An EdgeX scalar in text: a number, or a Go strconv.ParseBool literal.
  private void scalar(Ctx c, String metric, String s, int from, int to, long ts) {
    String w = s.substring(from, to).strip();
    switch (w) {
      case "true", "True", "TRUE", "t", "T" -> emit(c, metric, ts, 1.0);
      case "false", "False", "FALSE", "f", "F" -> emit(c, metric, ts, 0.0);
      default -> textAt(c, metric, s, from, to, ts);
    }
  }

  private void numberAt(Ctx c, String metric, double v, long ts) {
    if (Double.isFinite(v)) {
      emit(c, metric, ts, v);
    } else {
      valueError(c, BadPayload.NAN_OR_INFINITE);
    }
  }

  // ---- counting and emitting

  private void emit(Ctx c, String metric, long ts, double v) {
    if (!TelemetryNames.isValid(metric, options.maxNameLength())) {
      valueError(c, BadPayload.BAD_NAME);
      return;
    }
    Reading r = new Reading(c.device, metric, ts, v, c.payloadBytes);
    try {
      c.sink.accept(r);
    } catch (RuntimeException e) {
      throw new ReadingSinkFailure(e);
    }
    c.emitted++;
    readings.incrementAndGet();
  }

  private void valueError(Ctx c, BadPayload reason) {
    c.valueErrors++;
    bad.increment(reason);
  }

  private void drop(Ctx c, BadPayload reason) {
    c.dropped = true;
    bad.increment(reason);
  }

  private static boolean isSpace(byte b) {
    return b == ' ' || b == '\t' || b == '\n' || b == '\r';
  }

  /** Per-call state, so that concurrent calls share nothing but the counters. */
  private static final class Ctx {
    String device;
    final String topicMetric;
    String metric;
    long timestamp;
    final long receivedMillis;
    final ReadingSink sink;
    final double[] scratch = new double[1];
    int payloadBytes;
    int emitted;
    int valueErrors;
    boolean dropped;
    boolean badTimestamp;

    Ctx(String device, String topicMetric, long receivedMillis, ReadingSink sink) {
      this.device = device;
      this.topicMetric = topicMetric;
      this.timestamp = receivedMillis;
      this.receivedMillis = receivedMillis;
      this.sink = sink;
    }
  }

  /** The streaming path's buffers: readings and value errors in payload order, and the path. */
  private static final class Stream {
    final StringBuilder path = new StringBuilder(64);
    String[] names = new String[32]; // the names of the objects being read, outermost first
    int namesTop;
    int namesHigh; // names[0..namesHigh) may hold names
    String[] metrics = new String[16];
    double[] values = new double[16];
    byte[] kinds = new byte[16]; // -1: a reading, else a BadPayload ordinal
    int size;
    boolean timestampSeen;
    long timestamp;
    boolean busy;

    void reset() {
      path.setLength(0);
      size = 0;
      namesTop = 0;
      timestampSeen = false;
    }

    void clear() {
      Arrays.fill(metrics, 0, size, null); // hold no payload's names between calls
      Arrays.fill(names, 0, namesHigh, null);
      size = 0;
      namesTop = 0;
      namesHigh = 0;
      if (path.capacity() > 1024) {
        path.setLength(0);
        path.trimToSize();
      }
    }

    void pushName(String name) {
      if (namesTop == names.length) {
        names = Arrays.copyOf(names, namesTop * 2);
      }
      names[namesTop++] = name;
      namesHigh = Math.max(namesHigh, namesTop);
    }

    void reading(String metric, double v) {
      grow();
      metrics[size] = metric;
      values[size] = v;
      kinds[size++] = -1;
    }

    void error(BadPayload reason) {
      grow();
      kinds[size++] = (byte) reason.ordinal();
    }

    private void grow() {
      if (size == kinds.length) {
        int n = size * 2;
        metrics = Arrays.copyOf(metrics, n);
        values = Arrays.copyOf(values, n);
        kinds = Arrays.copyOf(kinds, n);
      }
    }
  }

  /** Carries an exception thrown by the caller's sink past the decoder's own safety net. */
  private static final class ReadingSinkFailure extends RuntimeException {
    final RuntimeException sinkException;

    ReadingSinkFailure(RuntimeException e) {
      super(null, e, false, false);
      this.sinkException = e;
    }
  }
}
