package dev.vigil.features.telemetry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The tree-based {@link PayloadDecoder} as it was before the streaming fast path (commit 14c8048),
 * kept unchanged as the reference that {@code PayloadDecoderEquivalenceTest} compares the current
 * decoder against: same readings, same bad-payload counts, on every input. The one change since:
 * the name rule ({@link TelemetryNames}, {@link BadPayload#BAD_NAME}) added to both decoders at the
 * same three places, so that the comparison stays one of parsing.
 */
final class LegacyPayloadDecoder {
  /** Parser nesting limit: deeper JSON is {@link BadPayload#NOT_JSON}, never parsed. */
  private static final int PARSER_MAX_NESTING = 64;

  private static final ObjectMapper MAPPER = createMapper();

  private final List<TopicTemplate> templates;
  private final DecoderOptions options;
  private final Set<String> allowed;
  private final String timestampField;
  private final JsonPointer timestampPointer;
  private final BadPayloadCounts bad = new BadPayloadCounts();
  private final AtomicLong messages = new AtomicLong();
  private final AtomicLong readings = new AtomicLong();

  /**
   * Creates a decoder.
   *
   * @param templates topic templates, tried in order (at least one)
   * @param options limits, device allow-list and timestamp field
   */
  LegacyPayloadDecoder(List<TopicTemplate> templates, DecoderOptions options) {
    this.templates = List.copyOf(templates);
    if (this.templates.isEmpty()) {
      throw new IllegalArgumentException("at least one topic template is needed");
    }
    this.options = Objects.requireNonNull(options, "options");
    this.allowed = options.allowedDevices().isEmpty() ? null : options.allowedDevices();
    this.timestampField = options.timestampField().isEmpty() ? null : options.timestampField();
    this.timestampPointer = timestampField == null ? null : pointer(timestampField);
  }

  private static ObjectMapper createMapper() {
    JsonFactory f =
        JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS) // NaN and Infinity: counted, not
            // syntax errors (Python's json.dumps writes them)
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(PARSER_MAX_NESTING)
                    .maxNumberLength(400)
                    .build())
            .build();
    ObjectMapper m = new ObjectMapper(f);
    m.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    return m;
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

  /** Carries an exception thrown by the caller's sink past the decoder's own safety net. */
  private static final class ReadingSinkFailure extends RuntimeException {
    final RuntimeException sinkException;

    ReadingSinkFailure(RuntimeException e) {
      super(null, e, false, false);
      this.sinkException = e;
    }
  }
}
