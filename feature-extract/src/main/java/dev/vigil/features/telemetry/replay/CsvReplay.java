package dev.vigil.features.telemetry.replay;

import dev.vigil.features.telemetry.TopicTemplate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Replays telemetry time series ({@link CsvSeries}) as MQTT messages with their original timing,
 * scaled by a speed factor: one message per row, on the device's topic, with the payload {@code
 * {"ts":<epoch ms>,"<field>":<value>,...}} (a field whose cell was empty is left out), which {@link
 * dev.vigil.features.telemetry.PayloadDecoder} reads back as one reading per field with the row's
 * time.
 *
 * <p>Several series (devices) are merged into one stream in time order; rows with equal times keep
 * the order of the series, then of the file. Row {@code i} is published {@code (t_i - t_0) / speed}
 * after the start ({@link Options#speed} 0: no waiting), where gaps between consecutive rows longer
 * than {@link Options#maxGap} count as that long. A publish that comes late (the sink was slow) is
 * not made up for by skipping; the largest lateness is reported. The replay stops at the end of the
 * data, after {@link Options#maxMessages}, or when the next message would be due after {@link
 * Options#duration} (with speed 0: once that much time has passed).
 *
 * <p>Not thread-safe: {@link #run} is called by one thread, which it blocks.
 */
public final class CsvReplay {
  /** Placeholder a replay topic template must hold. */
  private static final String DEVICE = "{" + TopicTemplate.DEVICE + "}";

  /**
   * Replay settings.
   *
   * @param topicTemplate the topic of each device's messages, holding {@code {device}} as one level
   *     and no other placeholder, e.g. {@code devices/{device}/telemetry}
   * @param timestampField the payload field holding the row's time in epoch milliseconds, or empty
   *     for none (the receiver then uses the arrival time); must not be a telemetry column's name
   * @param speed how many times faster than real time to replay (60: an hour of data in a minute),
   *     or 0 to publish as fast as possible
   * @param maxMessages most messages to publish, at least 1 ({@link Long#MAX_VALUE}: no limit)
   * @param duration longest replay, wall-clock time; null for no limit
   * @param maxGap longest wait between consecutive rows, in data time (before the speed factor),
   *     for data with long pauses; null for no limit
   */
  public record Options(
      String topicTemplate,
      String timestampField,
      double speed,
      long maxMessages,
      Duration duration,
      Duration maxGap) {
    /** Validates every field. */
    public Options {
      checkTemplate(topicTemplate);
      Objects.requireNonNull(timestampField, "timestampField");
      if (!timestampField.equals(timestampField.strip()) || timestampField.contains("\"")) {
        throw new IllegalArgumentException(
            "timestampField must not have surrounding blanks or quotes, was '"
                + timestampField
                + "'");
      }
      if (!(speed >= 0) || Double.isInfinite(speed)) {
        throw new IllegalArgumentException(
            "speed must be 0 (as fast as possible) or a positive factor, was " + speed);
      }
      if (maxMessages < 1) {
        throw new IllegalArgumentException("maxMessages must be at least 1, was " + maxMessages);
      }
      if (duration != null && (duration.isNegative() || duration.isZero())) {
        throw new IllegalArgumentException("duration must be positive, was " + duration);
      }
      if (maxGap != null && maxGap.isNegative()) {
        throw new IllegalArgumentException("maxGap must not be negative, was " + maxGap);
      }
    }

    /**
     * Returns topic {@code devices/{device}/telemetry}, timestamp field {@code ts}, real time
     * (speed 1), no limits.
     */
    public static Options defaults() {
      return new Options("devices/{device}/telemetry", "ts", 1.0, Long.MAX_VALUE, null, null);
    }

    /** Returns a copy with another speed factor (0: as fast as possible). */
    public Options withSpeed(double s) {
      return new Options(topicTemplate, timestampField, s, maxMessages, duration, maxGap);
    }

    /**
     * Returns a copy with limits: messages ({@link Long#MAX_VALUE}: none), duration (null: none).
     */
    public Options withLimits(long messages, Duration d) {
      return new Options(topicTemplate, timestampField, speed, messages, d, maxGap);
    }

    /** Returns a copy with another topic template. */
    public Options withTopicTemplate(String t) {
      return new Options(t, timestampField, speed, maxMessages, duration, maxGap);
    }

    /** Returns a copy with another longest gap (null: none). */
    public Options withMaxGap(Duration g) {
      return new Options(topicTemplate, timestampField, speed, maxMessages, duration, g);
    }

    /** Returns a copy with another timestamp field (empty: none). */
    public Options withTimestampField(String f) {
      return new Options(topicTemplate, f, speed, maxMessages, duration, maxGap);
    }
  }

  /** Receives each message; for MQTT, {@link dev.vigil.features.telemetry.MqttPublisher}. */
  @FunctionalInterface
  public interface Sink {
    /** Publishes one message. */
    void publish(String topic, byte[] payload) throws IOException;
  }

  /** Told how the replay goes, at most about once a second. */
  @FunctionalInterface
  public interface Progress {
    /**
     * Reports progress.
     *
     * @param messages messages published so far
     * @param total messages in the data (before limits)
     * @param dataMillis the data time of the last message published, epoch milliseconds
     */
    void update(long messages, long total, long dataMillis);

    /** Returns a progress listener that does nothing. */
    static Progress none() {
      return (m, t, d) -> {};
    }
  }

  /** Why a replay ended. */
  public enum Stop {
    /** Every row was published. */
    END,
    /** {@link Options#maxMessages} were published. */
    MAX_MESSAGES,
    /** {@link Options#duration} ran out. */
    DURATION
  }

  /**
   * What a replay did.
   *
   * @param messages messages published
   * @param readings field values published (readings a receiver decodes)
   * @param elapsed wall-clock time from the start to the last publish returning
   * @param firstDataMillis data time of the first message, epoch milliseconds
   * @param lastDataMillis data time of the last message published
   * @param maxLag the latest any message was published after its due time
   * @param stop why the replay ended
   */
  public record Result(
      long messages,
      long readings,
      Duration elapsed,
      long firstDataMillis,
      long lastDataMillis,
      Duration maxLag,
      Stop stop) {
    /** Returns messages per second of wall-clock time. */
    public double messagesPerSecond() {
      double s = elapsed.toNanos() / 1e9;
      return s > 0 ? messages / s : 0;
    }
  }

  private final List<CsvSeries> series;
  private final Options options;
  private final String[] topics;
  private final String[][] fieldKeys; // per series, per field: "\"name\":" JSON-escaped
  private final String timestampKey;
  private final long total;

  /**
   * Prepares a replay.
   *
   * @param series the series to merge, at least one, with distinct devices
   * @param options topic, timing and limits
   * @throws IllegalArgumentException if two series share a device or a field is named like the
   *     timestamp field
   */
  public CsvReplay(List<CsvSeries> series, Options options) {
    this.series = List.copyOf(series);
    this.options = Objects.requireNonNull(options, "options");
    if (this.series.isEmpty()) {
      throw new IllegalArgumentException("at least one series is needed");
    }
    Set<String> devices = new HashSet<>();
    topics = new String[this.series.size()];
    fieldKeys = new String[this.series.size()][];
    long n = 0;
    for (int s = 0; s < this.series.size(); s++) {
      CsvSeries cs = this.series.get(s);
      if (!devices.add(cs.device())) {
        throw new IllegalArgumentException(
            "device '"
                + cs.device()
                + "' is given twice ("
                + cs.file()
                + "); give each file its own device name");
      }
      topics[s] = topic(options.topicTemplate(), cs.device());
      fieldKeys[s] = new String[cs.fields().size()];
      for (int f = 0; f < cs.fields().size(); f++) {
        String name = cs.fields().get(f);
        if (name.equals(options.timestampField())) {
          throw new IllegalArgumentException(
              cs.file()
                  + ": column '"
                  + name
                  + "' has the name of the timestamp field; choose another timestamp field or"
                  + " exclude the column");
        }
        fieldKeys[s][f] = jsonString(name) + ":";
      }
      n += cs.rows().size();
    }
    total = n;
    timestampKey = jsonString(options.timestampField()) + ":";
  }

  /** Returns the messages the data holds (before limits). */
  public long messages() {
    return total;
  }

  /**
   * Returns the topic of {@code device}'s messages under {@code template}.
   *
   * @throws IllegalArgumentException if the template is not valid for replay or the device name is
   *     not one topic level
   */
  public static String topic(String template, String device) {
    checkTemplate(template);
    CsvSeries.checkDevice(device);
    return template.replace(DEVICE, device);
  }

  private static void checkTemplate(String template) {
    Objects.requireNonNull(template, "topicTemplate");
    TopicTemplate t = TopicTemplate.compile(template); // throws naming the problem
    long wildcards = t.filter().chars().filter(c -> c == '+' || c == '#').count();
    if (!t.hasDevice() || t.hasMetric() || wildcards != 1) {
      throw new IllegalArgumentException(
          "topic template '"
              + template
              + "' must name the device with {device} and hold no other placeholder and no '#'"
              + " (e.g. devices/{device}/telemetry)");
    }
  }

  /**
   * Publishes the messages to {@code sink} with the configured timing.
   *
   * @throws IOException what the sink threw
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  public Result run(Sink sink, Progress progress) throws IOException, InterruptedException {
    Objects.requireNonNull(sink, "sink");
    Objects.requireNonNull(progress, "progress");
    int k = series.size();
    int[] next = new int[k];
    long maxGap = options.maxGap() == null ? Long.MAX_VALUE : options.maxGap().toMillis();
    long durationNanos = options.duration() == null ? Long.MAX_VALUE : options.duration().toNanos();
    double nanosPerDataMilli = options.speed() == 0 ? 0 : 1e6 / options.speed();
    StringBuilder b = new StringBuilder(256);
    long messages = 0;
    long readings = 0;
    long first = Long.MIN_VALUE;
    long last = Long.MIN_VALUE;
    long dataElapsed = 0; // data time since the first row, gaps capped
    long maxLag = 0;
    Stop stop = Stop.END;
    long start = System.nanoTime();
    long nextProgress = start + TimeUnit.SECONDS.toNanos(1);
    while (true) {
      int s = -1; // the series whose next row is earliest (ties: the first series)
      long ts = Long.MAX_VALUE;
      for (int i = 0; i < k; i++) {
        List<CsvSeries.Row> rows = series.get(i).rows();
        if (next[i] < rows.size() && rows.get(next[i]).timestampMillis() < ts) {
          s = i;
          ts = rows.get(next[i]).timestampMillis();
        }
      }
      if (s < 0) {
        break;
      }
      if (messages >= options.maxMessages()) {
        stop = Stop.MAX_MESSAGES;
        break;
      }
      if (first == Long.MIN_VALUE) {
        first = ts;
      } else {
        dataElapsed += Math.min(maxGap, ts - last);
      }
      long due = (long) (dataElapsed * nanosPerDataMilli);
      if (due >= durationNanos) {
        stop = Stop.DURATION;
        break;
      }
      long now = System.nanoTime();
      while (now - start < due) {
        LockSupport.parkNanos(this, due - (now - start));
        if (Thread.interrupted()) {
          throw new InterruptedException("replay interrupted after " + messages + " messages");
        }
        now = System.nanoTime();
      }
      if (now - start >= durationNanos) {
        stop = Stop.DURATION;
        break;
      }
      maxLag = Math.max(maxLag, now - start - due);
      CsvSeries.Row row = series.get(s).rows().get(next[s]++);
      readings += payload(b, s, row);
      sink.publish(topics[s], b.toString().getBytes(StandardCharsets.UTF_8));
      messages++;
      last = ts;
      if (System.nanoTime() - nextProgress >= 0) {
        progress.update(messages, total, ts);
        nextProgress = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      }
    }
    long elapsed = System.nanoTime() - start;
    return new Result(
        messages, readings, Duration.ofNanos(elapsed), first, last, Duration.ofNanos(maxLag), stop);
  }

  /** Writes the row's payload into {@code b}; returns how many values it holds. */
  private int payload(StringBuilder b, int s, CsvSeries.Row row) {
    b.setLength(0);
    b.append('{');
    if (!options.timestampField().isEmpty()) {
      b.append(timestampKey).append(row.timestampMillis());
    }
    int n = 0;
    double[] v = row.values();
    for (int f = 0; f < v.length; f++) {
      if (Double.isNaN(v[f])) {
        continue;
      }
      if (b.length() > 1) {
        b.append(',');
      }
      b.append(fieldKeys[s][f]);
      appendNumber(b, v[f]);
      n++;
    }
    b.append('}');
    return n;
  }

  /** Returns the payload of one row of series {@code s}, as {@link #run} publishes it. */
  String payload(int s, CsvSeries.Row row) {
    StringBuilder b = new StringBuilder();
    payload(b, s, row);
    return b.toString();
  }

  /** Appends a finite value as a JSON number that reads back as exactly the same double. */
  static void appendNumber(StringBuilder b, double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      b.append((long) v); // 9, not 9.0 (also -0.0 as 0: the same reading)
    } else {
      b.append(Double.toString(v)); // reads back as the same double; 1.0E-5 is valid JSON
    }
  }

  /** Returns {@code s} as a JSON string literal. */
  static String jsonString(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
