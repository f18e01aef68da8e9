package dev.vigil.eval.cli;

import dev.vigil.common.settings.Durations;
import dev.vigil.features.telemetry.MqttOptions;
import dev.vigil.features.telemetry.MqttPublisher;
import dev.vigil.features.telemetry.replay.CsvReplay;
import dev.vigil.features.telemetry.replay.CsvSeries;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vigil replay}: publishes CSV telemetry to an MQTT broker with its original timing. */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Publish CSV time series (NAB timestamp,value files; TON_IoT date,time,... files; plain, .xz"
          + " or .gz) to an MQTT broker, one message per row: {\"ts\":<epoch ms>,\"<column>\":<value>,"
          + "...} on the device's topic, with the rows' original timing scaled by --speed. Several"
          + " files are merged in time order, one device each. Rows that cannot be read are"
          + " reported with file and line, counted and skipped. The last line is 'messages=N"
          + " readings=R elapsed_s=S rate=M/s stop=END|MAX_MESSAGES|DURATION max_lag_ms=L"
          + " bad_rows=B'.",
    })
final class ReplayCommand implements Callable<Integer> {
  /** Exit status when an input file cannot be used (as sysexits' EX_NOINPUT). */
  static final int EXIT_NOINPUT = 66;

  /** Exit status when the broker cannot be reached or the connection is lost (EX_UNAVAILABLE). */
  static final int EXIT_UNAVAILABLE = 69;

  /** How often progress is printed. */
  private static final long PROGRESS_NANOS = 5_000_000_000L;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "CSV files, one device each")
  List<Path> files;

  @Option(
      names = {"-b", "--broker"},
      paramLabel = "URI",
      description =
          "broker URI, tcp://host[:port] or ssl://host[:port]; repeat for failover (default"
              + " tcp://127.0.0.1:1883)")
  List<String> brokers;

  @Option(
      names = {"-t", "--topic"},
      paramLabel = "TEMPLATE",
      defaultValue = "devices/{device}/telemetry",
      description = "topic template holding {device} (default ${DEFAULT-VALUE})")
  String topic;

  @Option(
      names = {"-d", "--device"},
      paramLabel = "NAME",
      description = "device name (one file only; default: the file name without extensions)")
  String device;

  @Option(
      names = {"-s", "--speed"},
      paramLabel = "FACTOR",
      defaultValue = "1",
      description =
          "replay this many times faster than the data's own timing: 60 plays an hour in a"
              + " minute; 0 = as fast as possible (default ${DEFAULT-VALUE})")
  double speed;

  @Option(
      names = "--as-fast-as-possible",
      description = "publish without waiting (the same as --speed 0)")
  boolean asFastAsPossible;

  @Option(
      names = {"-n", "--max-messages"},
      paramLabel = "N",
      description = "stop after N messages")
  Long maxMessages;

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      description = "stop after this much wall-clock time, e.g. 90s, 5m, 2h or PT1M")
  String duration;

  @Option(
      names = "--max-gap",
      paramLabel = "DURATION",
      description =
          "shorten pauses in the data longer than this (data time, before --speed), e.g. 10s")
  String maxGap;

  @Option(
      names = {"-q", "--qos"},
      paramLabel = "QOS",
      defaultValue = "1",
      description = "MQTT QoS of every message, 0 to 2 (default ${DEFAULT-VALUE})")
  int qos;

  @Option(
      names = "--mqtt-version",
      paramLabel = "VERSION",
      defaultValue = "3.1.1",
      description = "3.1.1 or 5 (default ${DEFAULT-VALUE})")
  String mqttVersion;

  @Option(
      names = {"-i", "--client-id"},
      paramLabel = "ID",
      description = "MQTT client identifier (default vigil-replay-<process id>)")
  String clientId;

  @Option(
      names = {"-u", "--username"},
      paramLabel = "USER",
      description = "user name")
  String username;

  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      description = "file whose first line is the password (kept out of the process list)")
  Path passwordFile;

  @Option(
      names = "--password",
      paramLabel = "PASSWORD",
      description = "password (visible to other users in the process list: prefer --password-file)")
  String password;

  @Option(
      names = "--ca-file",
      paramLabel = "PEM",
      description = "CA certificate(s) to trust for ssl:// brokers (default: the JVM's)")
  Path caFile;

  @Option(
      names = "--cert",
      paramLabel = "PEM",
      description = "client certificate for ssl:// brokers (with --key)")
  Path certFile;

  @Option(
      names = "--key",
      paramLabel = "PEM",
      description = "the client certificate's unencrypted PKCS#8 key")
  Path keyFile;

  @Option(
      names = "--timestamp-field",
      paramLabel = "NAME",
      defaultValue = "ts",
      description =
          "payload field of the row's time in epoch ms; empty for none (default ${DEFAULT-VALUE})")
  String timestampField;

  @Option(
      names = "--exclude",
      paramLabel = "COLUMN",
      description = "do not publish this column (repeatable; label and type never are)")
  List<String> exclude;

  @Option(
      names = "--zone",
      paramLabel = "ZONE",
      defaultValue = "UTC",
      description = "time zone of times written without one (default ${DEFAULT-VALUE})")
  String zone;

  @Option(
      names = "--in-flight",
      paramLabel = "N",
      defaultValue = "100",
      description = "unconfirmed publishes at once, 1 to 1000 (default ${DEFAULT-VALUE})")
  int inFlight;

  @Option(
      names = "--dry-run",
      description = "print each message (topic, a space, payload) instead of publishing it")
  boolean dryRun;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CsvReplay.Options replayOptions = replayOptions();
    MqttOptions mqtt = dryRun ? null : mqttOptions();
    List<CsvSeries> series = new ArrayList<>();
    long bad = 0;
    try {
      CsvSeries.Options read = readOptions();
      for (Path f : files) {
        CsvSeries s = device != null ? CsvSeries.read(f, device, read) : CsvSeries.read(f, read);
        series.add(s);
        bad += s.badRows();
        describe(err, s);
      }
    } catch (NoSuchFileException e) {
      err.println("vigil replay: " + e.getFile() + ": no such file");
      return EXIT_NOINPUT;
    } catch (IOException e) {
      err.println("vigil replay: " + e.getMessage());
      return EXIT_NOINPUT;
    }
    CsvReplay replay;
    try {
      replay = new CsvReplay(series, replayOptions);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    long first = series.stream().mapToLong(s -> s.rows().get(0).timestampMillis()).min().orElse(0);
    long last =
        series.stream()
            .mapToLong(s -> s.rows().get(s.rows().size() - 1).timestampMillis())
            .max()
            .orElse(0);
    err.printf(
        Locale.ROOT,
        "vigil replay: %d messages from %d device(s), data %s .. %s, %s%s%n",
        replay.messages(),
        series.size(),
        Instant.ofEpochMilli(first),
        Instant.ofEpochMilli(last),
        replayOptions.speed() == 0
            ? "as fast as possible"
            : String.format(Locale.ROOT, "at %sx", trim(replayOptions.speed())),
        dryRun ? " (dry run)" : " to " + mqtt.serverUris());
    err.flush();
    CsvReplay.Result r;
    long[] nextProgress = {System.nanoTime() + PROGRESS_NANOS};
    CsvReplay.Progress progress =
        (m, total, dataMillis) -> {
          if (System.nanoTime() - nextProgress[0] >= 0) {
            err.printf(
                Locale.ROOT,
                "  %d/%d messages, data time %s%n",
                m,
                total,
                Instant.ofEpochMilli(dataMillis));
            err.flush();
            nextProgress[0] = System.nanoTime() + PROGRESS_NANOS;
          }
        };
    try {
      if (dryRun) {
        r =
            replay.run(
                (t, payload) -> {
                  out.print(t);
                  out.print(' ');
                  out.println(new String(payload, StandardCharsets.UTF_8));
                },
                progress);
      } else {
        try (MqttPublisher publisher = new MqttPublisher(mqtt, inFlight)) {
          publisher.connect();
          r = replay.run(publisher::publish, progress);
          publisher.flush();
        }
      }
    } catch (IOException e) {
      err.println("vigil replay: " + e.getMessage());
      return EXIT_UNAVAILABLE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("vigil replay: " + e.getMessage());
      return 130;
    }
    PrintWriter summary = dryRun ? err : out;
    summary.printf(
        Locale.ROOT,
        "messages=%d readings=%d elapsed_s=%.3f rate=%.0f/s stop=%s max_lag_ms=%.1f bad_rows=%d%n",
        r.messages(),
        r.readings(),
        r.elapsed().toNanos() / 1e9,
        r.messagesPerSecond(),
        r.stop(),
        r.maxLag().toNanos() / 1e6,
        bad);
    out.flush();
    err.flush();
    return 0;
  }

  private static void describe(PrintWriter err, CsvSeries s) {
    err.printf(
        Locale.ROOT,
        "vigil replay: %s: device %s, %d rows, fields %s%s%s%n",
        s.file(),
        s.device(),
        s.rows().size(),
        s.fields(),
        s.backwardJumps() > 0
            ? ", " + s.backwardJumps() + " backward time jumps (rows sorted by time)"
            : "",
        s.missingValues() > 0 ? ", " + s.missingValues() + " empty values left out" : "");
    if (s.badRows() > 0) {
      err.printf(Locale.ROOT, "vigil replay: %s: %d bad rows skipped:%n", s.file(), s.badRows());
      s.problems().forEach(p -> err.println("  " + p));
      if (s.badRows() > s.problems().size()) {
        err.printf(Locale.ROOT, "  ... and %d more%n", s.badRows() - s.problems().size());
      }
    }
    err.flush();
  }

  private static String trim(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }

  private CsvSeries.Options readOptions() {
    ZoneId z;
    try {
      z = ZoneId.of(zone);
    } catch (DateTimeException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--zone: unknown time zone '" + zone + "'");
    }
    Set<String> ex = new HashSet<>(exclude == null ? List.of() : exclude);
    try {
      return CsvSeries.Options.defaults().withZone(z).excluding(ex);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--exclude: " + e.getMessage());
    }
  }

  private CsvReplay.Options replayOptions() {
    if (device != null && files.size() > 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--device names the device of one file; with "
              + files.size()
              + " files each is named after its file");
    }
    if (asFastAsPossible && speed != 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "give either --speed or --as-fast-as-possible, not both");
    }
    if (maxMessages != null && maxMessages < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--max-messages must be at least 1, was " + maxMessages);
    }
    try {
      return new CsvReplay.Options(
          topic,
          timestampField,
          asFastAsPossible ? 0 : speed,
          maxMessages == null ? Long.MAX_VALUE : maxMessages,
          duration("--duration", duration),
          duration("--max-gap", maxGap));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private Duration duration(String option, String text) {
    if (text == null) {
      return null;
    }
    Duration d = Durations.parse(text.strip());
    if (d == null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          option + ": expected a duration such as 500ms, 90s, 5m, 2h or PT1M, got '" + text + "'");
    }
    return d;
  }

  private MqttOptions mqttOptions() {
    if (inFlight < 1 || inFlight > MqttPublisher.MAX_IN_FLIGHT) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--in-flight must be between 1 and 1000, was " + inFlight);
    }
    MqttOptions.Protocol protocol =
        switch (mqttVersion.strip()) {
          case "3.1.1", "3", "4" -> MqttOptions.Protocol.V3_1_1;
          case "5", "5.0" -> MqttOptions.Protocol.V5;
          default ->
              throw new CommandLine.ParameterException(
                  spec.commandLine(),
                  "--mqtt-version must be 3.1.1 or 5, was '" + mqttVersion + "'");
        };
    if (password != null && passwordFile != null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "give either --password or --password-file, not both");
    }
    String pass = password;
    if (passwordFile != null) {
      try {
        List<String> lines = Files.readAllLines(passwordFile, StandardCharsets.UTF_8);
        pass = lines.isEmpty() ? "" : lines.get(0);
      } catch (IOException e) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--password-file: cannot read " + passwordFile + ": " + e);
      }
    }
    try {
      MqttOptions o =
          MqttOptions.defaults(
                  "tcp://127.0.0.1:1883",
                  clientId != null ? clientId : "vigil-replay-" + ProcessHandle.current().pid())
              .withServerUris(
                  brokers == null || brokers.isEmpty() ? List.of("tcp://127.0.0.1:1883") : brokers)
              .withProtocol(protocol)
              .withQos(qos)
              .withCredentials(username, pass);
      if (caFile != null || certFile != null || keyFile != null) {
        o = o.withTls(new MqttOptions.Tls(caFile, certFile, keyFile, null, null, true));
      }
      return o;
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
