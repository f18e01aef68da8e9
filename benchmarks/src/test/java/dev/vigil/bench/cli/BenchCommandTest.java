package dev.vigil.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.eval.report.Machine;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code vigil bench packets}: arguments, output format and the written section. */
class BenchCommandTest {
  private static final Pattern SUMMARY =
      Pattern.compile(
          "packets/s=(\\d+) raw/s=(\\d+) ratio=(\\d+\\.\\d{2}) one-thread/s=(\\d+)"
              + " one-thread-ratio=(\\d+\\.\\d{2})");

  /** Quick settings: one pass, no warm-up, one read per pass. */
  private static final String[] QUICK = {"--repeat", "1", "--warmup-ms", "0", "--min-pass-ms", "0"};

  @TempDir Path tmp;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  /** The daemon's demo capture, from this module's folder (Maven) or the checkout's root (IDE). */
  static Path demoCapture() {
    Path p = Path.of("gateway-daemon/src/main/resources/demo/demo-attack.pcap");
    return Files.isRegularFile(p) ? p : Path.of("..").resolve(p);
  }

  private int vigil(String... args) {
    return new CommandLine(new BenchCli())
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .execute(args);
  }

  private int benchDemo(String... extra) {
    List<String> args =
        new java.util.ArrayList<>(List.of("bench", "packets", "--pcap", demoCapture().toString()));
    args.addAll(List.of(QUICK));
    args.addAll(List.of(extra));
    return vigil(args.toArray(String[]::new));
  }

  @Test
  void packets_demoCapture_printsPassLinesAndSummaryLast() {
    assertThat(benchDemo()).as(err.toString()).isZero();

    List<String> lines = out.toString().lines().toList();
    assertThat(lines.get(0)).startsWith("bench packets: ").contains("18593 packets");
    assertThat(lines).anyMatch(l -> l.startsWith("pass 1/1: raw "));
    Matcher m = SUMMARY.matcher(lines.get(lines.size() - 1));
    assertThat(m.matches()).as(lines.get(lines.size() - 1)).isTrue();
    long full = Long.parseLong(m.group(1));
    long raw = Long.parseLong(m.group(2));
    assertThat(full).isPositive();
    assertThat(raw).isPositive();
    assertThat(m.group(3)).isEqualTo(String.format(Locale.ROOT, "%.2f", (double) full / raw));
    long single = Long.parseLong(m.group(4));
    assertThat(single).isPositive();
    assertThat(m.group(5)).isEqualTo(String.format(Locale.ROOT, "%.2f", (double) single / raw));
  }

  @Test
  void packets_write_createsFileWithHeadingAndMarkedSection() throws Exception {
    Path file = tmp.resolve("docs/BENCHMARKS.md");

    assertThat(benchDemo("--write", file.toString())).as(err.toString()).isZero();

    String text = Files.readString(file);
    assertThat(text).startsWith("# Benchmarks\n");
    assertThat(text).contains("<!-- bench-packets:begin -->", "<!-- bench-packets:end -->");
    assertThat(text.indexOf("<!-- bench-packets:begin -->"))
        .isLessThan(text.indexOf("<!-- bench-packets:end -->"));
    String row = tableRow(text, demoCapture());
    assertThat(row).contains("| 18,593 | 1 × 1 |");
    assertThat(text).contains("Machine: " + Machine.current().describe() + ".");
  }

  @Test
  void packets_write_replacesOnlyItsSectionAndItsInputsRow() throws Exception {
    Path file = tmp.resolve("BENCHMARKS.md");
    String machine = "Machine: " + Machine.current().describe() + ".";
    String before = "# Benchmarks\n\nHand-written introduction.\n\n";
    String jmh = "<!-- bench-jmh:begin -->\nJMH table\n<!-- bench-jmh:end -->\n\nclosing words\n";
    Files.writeString(
        file,
        before
            + "<!-- bench-packets:begin -->\nold table\n"
            + "| `other.pcap` | 7 | 1 × 1 | 1 | 1 | 1.00 | 1 | 1.00 | 1 – 1 | 1 – 1 | 0.1 |"
            + " 2020-01-01 00:00 | `abc` |\n"
            + "| `"
            + demoCapture()
            + "` host-window | 1 | 1 × 1 | 1 | 1 | 1.00 | 1 | 1.00 | 1 – 1 | 1 – 1 | 0.1 |"
            + " 2020-01-01 00:00 | `abc` |\n\n"
            + machine
            + "\n<!-- bench-packets:end -->\n\n"
            + jmh);

    assertThat(benchDemo("--write", file.toString())).as(err.toString()).isZero();

    String text = Files.readString(file);
    assertThat(text).startsWith(before + "<!-- bench-packets:begin -->\n");
    assertThat(text).endsWith("<!-- bench-packets:end -->\n\n" + jmh);
    assertThat(text).doesNotContain("old table");
    assertThat(text).contains("| `other.pcap` | 7 |");
    assertThat(tableRow(text, demoCapture())).contains("| 18,593 |").doesNotContain("2020-01-01");
    assertThat(text.lines().filter(l -> l.startsWith("| `" + demoCapture() + "`"))).hasSize(1);
  }

  @Test
  void packets_repeatZero_isAUsageErrorNamingTheOption() {
    int code = vigil("bench", "packets", "--pcap", demoCapture().toString(), "--repeat", "0");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--repeat must be at least 1, was 0");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void packets_withoutPcap_isAUsageError() {
    assertThat(vigil("bench", "packets")).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required option: '--pcap=FILE'");
  }

  @Test
  void packets_missingFile_exitsNoInputNamingTheFile() {
    Path missing = tmp.resolve("nope.pcap");

    int code = vigil("bench", "packets", "--pcap", missing.toString(), "--warmup-ms", "0");

    assertThat(code).isEqualTo(BenchCommand.EXIT_NOINPUT);
    assertThat(err.toString()).contains(missing.toString()).contains("does not exist");
  }

  private static String tableRow(String text, Path input) {
    return text.lines()
        .filter(l -> l.startsWith("| `" + input + "` host-window |"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no row for " + input + " in:\n" + text));
  }

  @Test
  void flood_reportsFlatMemoryLineAndWritesItsSection(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("BENCHMARKS.md");
    int code =
        vigil(
            "bench",
            "flood",
            "--packets",
            "400000",
            "--max-hosts",
            "256",
            "--write",
            file.toString());
    assertThat(code).as("stderr: %s", err).isZero();
    String last = out.toString().lines().reduce((a, b) -> b).orElseThrow();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "packets/s=(\\d+) rss_start_mb=([0-9.]+) rss_end_mb=([0-9.]+) rss_max_mb=([0-9.]+)")
            .matcher(last);
    assertThat(m.matches()).as(last).isTrue();
    assertThat(Long.parseLong(m.group(1))).isPositive();
    // Bounded tables: 400,000 new sources must not grow memory by more than a few MB.
    assertThat(Double.parseDouble(m.group(4)) - Double.parseDouble(m.group(2))).isLessThan(32.0);
    String text = Files.readString(file);
    assertThat(text).contains("<!-- bench-flood:begin -->", "| host-window | 256 | 400,000 |");
    assertThat(vigil("bench", "flood", "--features", "kitsune")).isEqualTo(2);
  }

  @Test
  void mqtt_smallRun_printsRoundsAndSummaryAndWritesItsSection(
      @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        dev.vigil.testsupport.Mosquitto.requiredOrAvailable(),
        dev.vigil.testsupport.Mosquitto.MISSING);
    Path file = dir.resolve("BENCHMARKS.md");
    int code =
        vigil(
            "bench",
            "mqtt",
            "--messages",
            "2000",
            "--rounds",
            "1",
            "--qos",
            "1",
            "--readings-per-step",
            "1,10",
            "--delivery",
            "queued",
            "--write",
            file.toString());
    assertThat(code).as("stderr: %s", err).isZero();
    List<String> lines = out.toString().lines().toList();
    assertThat(lines).anyMatch(l -> l.startsWith("QoS 1 warm-up: "));
    assertThat(lines).anyMatch(l -> l.startsWith("scored pipeline alone, 1 reading(s) a step"));
    assertThat(lines).anyMatch(l -> l.startsWith("scored pipeline alone, 10 reading(s) a step"));
    assertThat(lines).anyMatch(l -> l.matches("QoS 1 round 1/1: .*bare \\d+/s.*"));
    String last = lines.get(lines.size() - 1);
    Matcher m =
        Pattern.compile(
                "r1_qos1_bare_per_s=(\\d+) r1_qos1_ingest_per_s=(\\d+) r1_qos1_scored_per_s=(\\d+)"
                    + " r1_qos1_ratio=(\\d+\\.\\d{3}) r10_qos1_bare_per_s=(\\d+) .*")
            .matcher(last);
    assertThat(m.matches()).as(last).isTrue();
    assertThat(Long.parseLong(m.group(1))).isPositive();
    assertThat(Long.parseLong(m.group(3))).isPositive();
    String text = Files.readString(file);
    assertThat(text)
        .contains("<!-- bench-mqtt:begin -->", "<!-- bench-mqtt:end -->")
        .containsPattern("\\| 1 \\| 1 \\| 2,000 × 1 \\| [0-9,]+ \\([0-9,]+ – [0-9,]+\\) \\|")
        .containsPattern("\\| 10 \\| 1 \\| 2,000 × 1 \\| [0-9,]+ \\([0-9,]+ – [0-9,]+\\) \\|")
        .contains("Broker: mosquitto version", "Machine: ", " / 0 / 0 |")
        .contains("through the queue (`telemetry.delivery: queued`, not the default)")
        .containsPattern(
            "(?s)The scored pipeline alone .*? [0-9,]+ msg/s .*? at 10 reading\\(s\\) a step");
    assertThat(vigil("bench", "mqtt", "--qos", "3")).isEqualTo(2);
    assertThat(err.toString()).contains("qos must list levels 0 to 2");
    assertThat(vigil("bench", "mqtt", "--readings-per-step", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("readings per step must list values 1 to 100");
    assertThat(vigil("bench", "mqtt", "--messages", "10")).isEqualTo(2);
    assertThat(vigil("bench", "mqtt", "--delivery", "async")).isEqualTo(2);
    assertThat(err.toString()).contains("--delivery: expected direct or queued, got 'async'");
  }
}
