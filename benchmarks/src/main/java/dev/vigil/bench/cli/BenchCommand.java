package dev.vigil.bench.cli;

import dev.vigil.bench.FloodBench;
import dev.vigil.bench.MqttBench;
import dev.vigil.bench.PacketBenchReport;
import dev.vigil.bench.PacketReplayBench;
import dev.vigil.bench.PcapConcat;
import dev.vigil.bench.ScoringBench;
import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.eval.report.GitCommit;
import dev.vigil.eval.report.Machine;
import dev.vigil.eval.report.MarkedSection;
import dev.vigil.features.FeatureSet;
import dev.vigil.features.telemetry.MqttTelemetrySource;
import dev.vigil.train.ModelTrainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vigil bench}: measurements of this build on this machine. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Measure this build on this machine.",
    subcommands = {
      BenchCommand.Packets.class,
      BenchCommand.Concat.class,
      BenchCommand.Flood.class,
      BenchCommand.Scoring.class,
      BenchCommand.Mqtt.class
    })
final class BenchCommand implements Callable<Integer> {
  /** Exit status when the input cannot be read (as sysexits' EX_NOINPUT). */
  static final int EXIT_NOINPUT = 66;

  /** Exit status when the report cannot be written (as sysexits' EX_CANTCREAT). */
  static final int EXIT_CANTCREAT = 73;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 2;
  }

  /**
   * {@code vigil bench packets --pcap FILE}: capture-to-features rate against the raw read rate.
   */
  @Command(
      name = "packets",
      mixinStandardHelpOptions = true,
      description = {
        "Replay a capture through the capture-to-features path as the daemon replays a file"
            + " (FileReplay: PcapFileReader on a reader thread -> PacketFeaturePipeline), the same"
            + " path on one thread, and the reader alone (raw), alternating after a warm-up; print"
            + " each pass and a last line 'packets/s=N raw/s=M ratio=R one-thread/s=S"
            + " one-thread-ratio=Q' (medians).",
      })
  static final class Packets implements Callable<Integer> {
    @Option(
        names = "--pcap",
        required = true,
        paramLabel = "FILE",
        description = "capture file (Ethernet pcap/pcapng)")
    Path pcap;

    @Option(
        names = "--repeat",
        paramLabel = "N",
        defaultValue = "5",
        description = "measured passes (default ${DEFAULT-VALUE})")
    int repeat;

    @Option(
        names = "--warmup-ms",
        paramLabel = "MS",
        defaultValue = "2000",
        description = "warm-up time in milliseconds (default ${DEFAULT-VALUE})")
    long warmupMillis;

    @Option(
        names = "--min-pass-ms",
        paramLabel = "MS",
        defaultValue = "250",
        description =
            "shortest raw pass in milliseconds; small files are read several times per pass"
                + " (default ${DEFAULT-VALUE})")
    long minPassMillis;

    @Option(
        names = "--window-ms",
        paramLabel = "MS",
        defaultValue = "10000",
        description = "feature window in milliseconds (default ${DEFAULT-VALUE}, as the daemon)")
    long windowMillis;

    @Option(
        names = "--max-hosts",
        paramLabel = "N",
        defaultValue = "4096",
        description = "hosts the feature stage tracks (default ${DEFAULT-VALUE}, as the daemon)")
    int maxHosts;

    @Option(
        names = "--features",
        paramLabel = "SET",
        defaultValue = "host-window",
        description =
            "feature set: host-window or damped (default ${DEFAULT-VALUE}, as the daemon)")
    String features;

    @Option(
        names = "--write",
        paramLabel = "FILE",
        description =
            "rewrite this benchmark's section of FILE (e.g. docs/BENCHMARKS.md), between"
                + " <!-- bench-packets:begin --> and <!-- bench-packets:end -->")
    Path write;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    private FeatureSet featureSet() {
      try {
        return FeatureSet.byConfigName(features);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--features: " + e.getMessage());
      }
    }

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      requireAtLeast("--repeat", repeat, 1);
      requireAtLeast("--warmup-ms", warmupMillis, 0);
      requireAtLeast("--min-pass-ms", minPassMillis, 0);
      requireAtLeast("--window-ms", windowMillis, 1);
      requireAtLeast("--max-hosts", maxHosts, 16);
      if (windowMillis > Duration.ofDays(1).toMillis()) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--window-ms must be at most one day, was " + windowMillis);
      }
      PacketReplayBench.Settings settings =
          new PacketReplayBench.Settings(
              pcap,
              repeat,
              Duration.ofMillis(warmupMillis),
              Duration.ofMillis(minPassMillis),
              windowMillis * 1000L,
              maxHosts,
              featureSet());
      var load = Machine.loadAverage();
      PacketReplayBench.Result result;
      try {
        result = new PacketReplayBench(settings).run(out);
      } catch (IOException e) {
        err.println("vigil bench packets: " + e.getMessage());
        return EXIT_NOINPUT;
      }
      if (write != null) {
        Path file = write.toAbsolutePath().normalize();
        int[] dropped = {0};
        try {
          Path dir = Files.isDirectory(file.getParent()) ? file.getParent() : Path.of("");
          var commit = GitCommit.of(dir, file);
          var machine = Machine.current();
          Instant now = Instant.now();
          MarkedSection.rewrite(
              file,
              PacketBenchReport.SECTION,
              PacketBenchReport.PREAMBLE,
              previous -> {
                PacketBenchReport.Update u =
                    PacketBenchReport.update(result, machine, now, load, commit, previous);
                dropped[0] = u.droppedRows();
                return u.body();
              });
        } catch (IOException e) {
          err.println("vigil bench packets: cannot write [" + write + "]: " + e);
          return EXIT_CANTCREAT;
        }
        if (dropped[0] > 0) {
          err.printf(
              "vigil bench packets: dropped %d row(s) of %s measured on another machine or in an older layout%n",
              dropped[0], write);
        }
        err.printf(
            "vigil bench packets: wrote section %s of %s%n", PacketBenchReport.SECTION, write);
      }
      return 0;
    }

    private void requireAtLeast(String option, long value, long min) {
      if (value < min) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), option + " must be at least " + min + ", was " + value);
      }
    }
  }

  /**
   * {@code vigil bench concat --out FILE --min-packets N DIR...}: one large capture for {@code
   * bench packets}, built from small ones.
   */
  @Command(
      name = "concat",
      mixinStandardHelpOptions = true,
      description = {
        "Write one classic pcap file (Ethernet) from the classic Ethernet pcap files under DIR..."
            + " (searched recursively, in path order; other link types and pcapng are skipped and"
            + " named), the whole list again and again, timestamps shifted so that time only moves"
            + " forward, until at least --min-packets frames are written. Plain Java, no libpcap;"
            + " the same inputs give the same file.",
      })
  static final class Concat implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "file written")
    Path out;

    @Option(
        names = "--min-packets",
        paramLabel = "N",
        defaultValue = "1000000",
        description = "write at least this many frames (default ${DEFAULT-VALUE})")
    long minPackets;

    @CommandLine.Parameters(
        arity = "1..*",
        paramLabel = "DIR",
        description = "folders (or capture files) to read, e.g. ../shared/datasets/pcap/benign")
    List<Path> dirs;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      if (minPackets < 1) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--min-packets must be at least 1, was " + minPackets);
      }
      PrintWriter out = spec.commandLine().getOut();
      try {
        PcapConcat.concat(this.out, minPackets, dirs, out);
      } catch (IOException e) {
        spec.commandLine().getErr().println("vigil bench concat: " + e.getMessage());
        return EXIT_NOINPUT;
      }
      return 0;
    }
  }

  /** {@code vigil bench flood}: memory and throughput under a spoofed-source flood. */
  @Command(
      name = "flood",
      mixinStandardHelpOptions = true,
      description = {
        "Drives a spoofed-source SYN flood (synthesised in memory) through the parse-and-features path and"
            + " samples resident memory; the last line is `packets/s=N rss_start_mb=A rss_end_mb=B"
            + " rss_max_mb=C`."
      })
  static final class Flood implements Callable<Integer> {
    @Option(
        names = "--packets",
        paramLabel = "N",
        defaultValue = "5000000",
        description = "packets measured after the warm-up (default ${DEFAULT-VALUE})")
    long packets;

    @Option(
        names = "--max-hosts",
        paramLabel = "N",
        defaultValue = "4096",
        description = "host table bound (default ${DEFAULT-VALUE}, as the daemon)")
    int maxHosts;

    @Option(
        names = "--features",
        paramLabel = "SET",
        defaultValue = "host-window",
        description = "feature set: host-window or damped (default ${DEFAULT-VALUE})")
    String features;

    @Option(
        names = "--write",
        paramLabel = "FILE",
        description = "rewrite the bench-flood section of FILE (e.g. docs/BENCHMARKS.md)")
    Path write;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      if (packets < 20) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--packets must be at least 20, was " + packets);
      }
      if (maxHosts < 16) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--max-hosts must be at least 16, was " + maxHosts);
      }
      FeatureSet set;
      try {
        set = FeatureSet.byConfigName(features);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--features: " + e.getMessage());
      }
      PrintWriter out = spec.commandLine().getOut();
      FloodBench.Result r = FloodBench.run(set, maxHosts, packets, out);
      if (write != null) {
        Path file = write.toAbsolutePath().normalize();
        Path dir = Files.isDirectory(file.getParent()) ? file.getParent() : Path.of("");
        var commit = GitCommit.of(dir, file);
        var machine = Machine.current();
        Instant now = Instant.now();
        MarkedSection.rewrite(
            file,
            FloodBench.SECTION,
            PacketBenchReport.PREAMBLE,
            previous -> FloodBench.section(previous, r, machine, now, commit));
        spec.commandLine()
            .getErr()
            .printf("vigil bench flood: wrote section %s of %s%n", FloodBench.SECTION, write);
      }
      out.println(r.summary());
      out.flush();
      return 0;
    }
  }

  /** {@code vigil bench scoring}: one fused score per vector, int8, float and DL4J side by side. */
  @Command(
      name = "scoring",
      mixinStandardHelpOptions = true,
      description = {
        "Train the ensemble on a benign capture's host windows, then time one fused score (AE + LSTM step"
            + " + iForest) per window of a second capture for the int8 and float runtimes and for DL4J with"
            + " Smile's forest, alternating passes; the last line is `int8_p50_us=… int8_p99_us=…"
            + " float_p50_us=… dl4j_p50_us=… vectors_per_s=…`."
      })
  static final class Scoring implements Callable<Integer> {
    @Option(
        names = "--train",
        paramLabel = "PCAP",
        description = "benign capture to train on (default: the embedded demo benign capture)")
    Path train;

    @Option(
        names = "--pcap",
        paramLabel = "PCAP",
        description =
            "capture whose windows are scored (default: the embedded demo attack capture)")
    Path pcap;

    @Option(
        names = "--features",
        paramLabel = "SET",
        defaultValue = "host-window",
        description = "feature set: host-window or damped (default ${DEFAULT-VALUE})")
    String features;

    @Option(
        names = "--passes",
        paramLabel = "N",
        defaultValue = "5",
        description = "measured passes per runtime (default ${DEFAULT-VALUE})")
    int passes;

    @Option(
        names = "--samples",
        paramLabel = "N",
        defaultValue = "200000",
        description = "vectors timed per plain-Java pass (default ${DEFAULT-VALUE})")
    int samples;

    @Option(
        names = "--dl4j-samples",
        paramLabel = "N",
        defaultValue = "5000",
        description = "vectors timed per DL4J pass (default ${DEFAULT-VALUE})")
    int dl4jSamples;

    @Option(
        names = "--write",
        paramLabel = "FILE",
        description = "rewrite the bench-scoring section of FILE (e.g. docs/BENCHMARKS.md)")
    Path write;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      if (passes < 1 || samples < 1000 || dl4jSamples < 100) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "--passes must be at least 1, --samples at least 1000, --dl4j-samples at least 100");
      }
      FeatureSet set;
      try {
        set = FeatureSet.byConfigName(features);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--features: " + e.getMessage());
      }
      PrintWriter out = spec.commandLine().getOut();
      Path trainFile = train != null ? train : resource("demo/demo-benign.pcap");
      Path scoreFile = pcap != null ? pcap : resource("demo/demo-attack.pcap");
      ScoringBench.Result r;
      try {
        r =
            ScoringBench.run(
                trainFile,
                scoreFile,
                set,
                ModelTrainer.Config.defaults(),
                passes,
                samples,
                dl4jSamples,
                out);
      } catch (IOException e) {
        spec.commandLine().getErr().println("vigil bench scoring: " + e.getMessage());
        return EXIT_NOINPUT;
      }
      if (write != null) {
        Path file = write.toAbsolutePath().normalize();
        Path dir = Files.isDirectory(file.getParent()) ? file.getParent() : Path.of("");
        var commit = GitCommit.of(dir, file);
        var machine = Machine.current();
        Instant now = Instant.now();
        MarkedSection.rewrite(
            file,
            ScoringBench.SECTION,
            PacketBenchReport.PREAMBLE,
            previous -> ScoringBench.section(previous, r, machine, now, commit));
        spec.commandLine()
            .getErr()
            .printf("vigil bench scoring: wrote section %s of %s%n", ScoringBench.SECTION, write);
      }
      out.printf(
          java.util.Locale.ROOT,
          "training: autoencoder %.0f ms/epoch, lstm %.0f ms/epoch, %d ms in all on %d vectors%n",
          r.aeMillisPerEpoch(),
          r.lstmMillisPerEpoch(),
          r.trainingMillis(),
          r.trainVectors());
      out.println(r.summary());
      out.flush();
      return 0;
    }

    private static Path resource(String name) throws IOException {
      try (var in = BenchCommand.class.getClassLoader().getResourceAsStream(name)) {
        if (in == null) {
          throw new IOException("embedded resource " + name + " is missing");
        }
        Path f = Files.createTempFile("vigil-bench", ".pcap");
        f.toFile().deleteOnExit();
        Files.copy(in, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return f;
      }
    }
  }

  /** {@code vigil bench mqtt}: telemetry ingested and scored against a bare Paho subscriber. */
  @Command(
      name = "mqtt",
      mixinStandardHelpOptions = true,
      description = {
        "Start a Mosquitto broker on a free loopback port and measure, in alternating rounds, the"
            + " messages/s a bare Paho subscriber receives, MqttTelemetrySource ingests, and"
            + " MqttTelemetrySource ingests with SeriesFeatures and the int8 ensemble scoring every"
            + " vector, each draining a backlog the broker queued; the last line is"
            + " `qos0_bare_per_s=… qos0_ingest_per_s=… qos0_scored_per_s=… qos0_ratio=… qos1_…`"
            + " (medians; ratio = scored ÷ bare)."
      })
  static final class Mqtt implements Callable<Integer> {
    @Option(
        names = "--messages",
        paramLabel = "N",
        defaultValue = "40000",
        description = "messages per round (default ${DEFAULT-VALUE})")
    int messages;

    @Option(
        names = "--rounds",
        paramLabel = "N",
        defaultValue = "5",
        description = "measured rounds per subscriber and QoS (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(
        names = "--qos",
        paramLabel = "QOS",
        split = ",",
        defaultValue = "0,1",
        description = "QoS levels, comma-separated (default ${DEFAULT-VALUE})")
    List<Integer> qos;

    @Option(
        names = "--devices",
        paramLabel = "N",
        defaultValue = "10",
        description = "devices publishing (default ${DEFAULT-VALUE})")
    int devices;

    @Option(
        names = "--readings-per-step",
        paramLabel = "R",
        split = ",",
        defaultValue = "1,10",
        description =
            "configurations: messages of a device per 1 s step, comma-separated; 1 scores every"
                + " message (default ${DEFAULT-VALUE})")
    List<Integer> readingsPerStep;

    @Option(
        names = "--delivery",
        paramLabel = "MODE",
        description =
            "how the scored subscriber's readings reach scoring: direct or queued, as"
                + " telemetry.delivery (default: the daemon's)")
    String delivery;

    @Option(
        names = "--write",
        paramLabel = "FILE",
        description = "rewrite the bench-mqtt section of FILE (e.g. docs/BENCHMARKS.md)")
    Path write;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      MqttBench.Settings settings;
      try {
        var mode =
            delivery == null
                ? VigilConfig.Telemetry.DEFAULT_DELIVERY
                : switch (delivery) {
                  case "direct" -> MqttTelemetrySource.Delivery.DIRECT;
                  case "queued" -> MqttTelemetrySource.Delivery.QUEUED;
                  default ->
                      throw new IllegalArgumentException(
                          "--delivery: expected direct or queued, got '" + delivery + "'");
                };
        settings = new MqttBench.Settings(messages, rounds, qos, devices, readingsPerStep, mode);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      var load = Machine.loadAverage();
      MqttBench.Result r;
      try {
        r = MqttBench.run(settings, out);
      } catch (IOException e) {
        err.println("vigil bench mqtt: " + e.getMessage());
        return e.getMessage() != null && e.getMessage().startsWith("mosquitto is not installed")
            ? 69
            : 1;
      }
      if (write != null) {
        Path file = write.toAbsolutePath().normalize();
        try {
          Path dir = Files.isDirectory(file.getParent()) ? file.getParent() : Path.of("");
          var commit = GitCommit.of(dir, file);
          var machine = Machine.current();
          Instant now = Instant.now();
          MarkedSection.rewrite(
              file,
              MqttBench.SECTION,
              PacketBenchReport.PREAMBLE,
              previous -> MqttBench.section(r, machine, now, load, commit));
        } catch (IOException e) {
          err.println("vigil bench mqtt: cannot write [" + write + "]: " + e);
          return EXIT_CANTCREAT;
        }
        err.printf("vigil bench mqtt: wrote section %s of %s%n", MqttBench.SECTION, write);
      }
      out.println(r.summary());
      out.flush();
      return 0;
    }
  }
}
