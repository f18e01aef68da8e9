package dev.vigil.bench;

import dev.vigil.eval.report.Machine;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Writes the {@code bench-packets} section of the benchmarks file: one table row per input file,
 * the row for this run's input replaced or added, rows of other inputs kept if they were measured
 * on the same machine (same {@link Machine#describe()} line) and dropped otherwise, since figures
 * from different machines in one table would invite a false comparison.
 */
public final class PacketBenchReport {
  /** The section's marker name. */
  public static final String SECTION = "bench-packets";

  /** What a new benchmarks file starts with. */
  public static final String PREAMBLE =
      "# Benchmarks\n\n"
          + "Measured figures, each section written by the command named in it (`scripts/bench` runs"
          + " them all);\nnothing in this file is typed by hand.\n";

  private static final String MACHINE = "Machine: ";
  private static final String HEADER =
      "| input, features | packets | reads × passes | packets/s | raw/s | ratio | one thread/s"
          + " | one-thread ratio | packets/s min – max | raw/s min – max | load | date (UTC) | commit"
          + " |\n";

  /** Cells in a row; rows of an older layout (fewer cells) are dropped, not mixed in. */
  private static final int COLUMNS = 13;

  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);

  /**
   * The new section body and how many rows of other inputs it dropped.
   *
   * @param body the section body
   * @param droppedRows rows measured on another machine, or of an older layout, that were left out
   */
  public record Update(String body, int droppedRows) {}

  private PacketBenchReport() {}

  /**
   * Returns the section body with {@code result}'s row.
   *
   * @param result what was measured
   * @param machine where
   * @param when when it finished
   * @param load the one-minute load average when it started, if known
   * @param commit the git commit measured, if known
   * @param previous the section's current body, if the file has one
   */
  public static Update update(
      PacketReplayBench.Result result,
      Machine machine,
      Instant when,
      Optional<String> load,
      Optional<String> commit,
      Optional<String> previous) {
    String input = result.pcap().normalize().toString();
    String label = code(input) + " " + result.features(); // one row per input and feature set
    String machineLine = MACHINE + machine.describe() + ".";
    List<String> rows = new ArrayList<>();
    int dropped = 0;
    if (previous.isPresent()) {
      List<String> old = previous.get().lines().toList();
      boolean sameMachine = old.contains(machineLine);
      for (String line : old) {
        if (!line.startsWith("| `")) {
          continue;
        }
        if ((sameMachine && cells(line) == COLUMNS) || key(line).equals(label)) {
          rows.add(line); // this input's row is replaced in place below
        } else {
          dropped++;
        }
      }
    }
    long[] full = result.fullRange();
    long[] raw = result.rawRange();
    String row =
        String.format(
            Locale.ROOT,
            "| %s | %,d | %d × %d | %,d | %,d | %.2f | %,d | %.2f | %,d – %,d | %,d – %,d | %s | %s |"
                + " %s |",
            label,
            result.packetsPerRead(),
            result.readsPerPass(),
            result.passes().size(),
            result.fullMedian(),
            result.rawMedian(),
            result.ratio(),
            result.singleMedian(),
            result.singleRatio(),
            full[0],
            full[1],
            raw[0],
            raw[1],
            load.orElse("?"),
            DATE.format(when),
            commit.map(PacketBenchReport::code).orElse("unknown"));
    boolean replaced = false;
    for (int i = 0; i < rows.size(); i++) {
      if (key(rows.get(i)).equals(label)) {
        rows.set(i, row);
        replaced = true;
      }
    }
    if (!replaced) {
      rows.add(row);
    }

    StringBuilder b = new StringBuilder();
    b.append("## Packet path: capture to features (`vigil bench packets`)\n\n");
    b.append(
        "`packets/s` is the whole capture-to-features path as the daemon replays a file"
            + " (`FileReplay`: `PcapFileReader` on a\nreader thread, a ring, `PacketFeaturePipeline`"
            + " on the daemon's thread, as live capture runs): parsing\nand per-host windows, and,"
            + " in rows of commits from 4a46b72 on, the beacon and authentication-failure\ntrackers"
            + " as the daemon runs them (beacons without learning: every pair new, their costlier"
            + " side), in rows from 2026-12-07 on\nalso the address bindings, and in rows from"
            + " 2026-12-07 15:30 on the scan and flood detectors\n(floods without learning: every"
            + " packet judged) and the early-window checkpoints (a judge that never\ncloses a window"
            + " early), i.e. what the daemon's `DetectionService.scoringPipeline` wires;\na fresh"
            + " pipeline per read built outside the timed region, `flush` inside it);\n`raw/s` is"
            + " `PcapFileReader` into a no-op sink on the same file (libpcap and Pcap4J alone);"
            + " `ratio` =\npackets/s ÷ raw/s. `one thread/s` is the same path with the reader"
            + " calling the pipeline on one thread\n(its whole cost where there is no second"
            + " core), `one-thread ratio`"
            + " = one thread/s ÷ raw/s. Raw, full and one-thread passes alternate after a warm-up;"
            + " each pass reads\nthe file the given number of times; figures are medians over the"
            + " passes, with the slowest and fastest pass;\n`load` is the one-minute load average"
            + " when the run began (other work on the machine).\n"
            + "`benchmarks/target/shared-1m.pcap` is every classic Ethernet capture of the shared"
            + " data sets, in path order,\nrepeated with its time shifted forward until 1,000,000"
            + " packets, written by\n`vigil bench concat --out benchmarks/target/shared-1m.pcap"
            + " --min-packets 1000000 ../shared/datasets/pcap/attack"
            + " ../shared/datasets/pcap/benign`.\nWritten by `vigil bench packets --write`; do not"
            + " edit by hand.\n\n");
    b.append(HEADER);
    b.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|\n");
    rows.forEach(r -> b.append(r).append('\n'));
    b.append('\n').append(machineLine).append('\n');
    return new Update(b.toString(), dropped);
  }

  /** Returns the number of cells in a table row. */
  private static int cells(String row) {
    return row.replace("\\|", "").split(" \\| ", -1).length;
  }

  /** Returns the first cell of a table row. */
  private static String key(String row) {
    int end = row.indexOf(" |", 2);
    return end < 0 ? row : row.substring(2, end);
  }

  private static String code(String s) {
    return "`" + s.replace("|", "\\|").replace("`", "'") + "`";
  }
}
