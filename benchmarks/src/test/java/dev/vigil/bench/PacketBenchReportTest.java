package dev.vigil.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.eval.report.Machine;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PacketBenchReportTest {
  private static final Machine HERE = new Machine(2, "Test CPU", "1.0 GiB", "Test OS", "Test JVM");
  private static final Machine THERE =
      new Machine(64, "Big CPU", "512.0 GiB", "Test OS", "Test JVM");
  private static final Instant WHEN = Instant.parse("2026-01-02T03:04:05Z");

  private static PacketReplayBench.Result result(String file, long nanos) {
    // 1000 packets per pass: raw at 1000/nanos*1e9, full at half that, one thread at a quarter
    return new PacketReplayBench.Result(
        Path.of(file),
        "host-window",
        100,
        3,
        10,
        2,
        List.of(
            new PacketReplayBench.Pass(1000, nanos, 2 * nanos, 4 * nanos),
            new PacketReplayBench.Pass(1000, 2 * nanos, 4 * nanos, 8 * nanos),
            new PacketReplayBench.Pass(1000, 4 * nanos, 8 * nanos, 16 * nanos)));
  }

  @Test
  void result_mediansRangeAndSummaryLine() {
    PacketReplayBench.Result r = result("a.pcap", 1_000_000); // raw 1e6, 5e5, 2.5e5 packets/s

    assertThat(r.rawMedian()).isEqualTo(500_000);
    assertThat(r.fullMedian()).isEqualTo(250_000);
    assertThat(r.rawRange()).containsExactly(250_000, 1_000_000);
    assertThat(r.singleMedian()).isEqualTo(125_000);
    assertThat(r.singleRatio()).isEqualTo(0.25);
    assertThat(r.summaryLine())
        .isEqualTo(
            "packets/s=250000 raw/s=500000 ratio=0.50 one-thread/s=125000 one-thread-ratio=0.25");
  }

  @Test
  void update_rowHoldsTheFigures() {
    String body =
        PacketBenchReport.update(
                result("a.pcap", 1_000_000),
                HERE,
                WHEN,
                Optional.of("0.42"),
                Optional.of("1234abc"),
                Optional.empty())
            .body();

    assertThat(body)
        .contains(
            "| `a.pcap` host-window | 100 | 10 × 3 | 250,000 | 500,000 | 0.50 | 125,000 | 0.25"
                + " | 125,000 – 500,000 | 250,000 – 1,000,000 | 0.42 | 2026-01-02 03:04 | `1234abc` |")
        .contains("Machine: 2 cores (Test CPU), 1.0 GiB, Test OS, Test JVM.");
  }

  @Test
  void update_sameMachine_keepsOtherInputsAndReplacesOwnRow() {
    String first =
        PacketBenchReport.update(
                result("a.pcap", 1_000_000),
                HERE,
                WHEN,
                Optional.empty(),
                Optional.empty(),
                Optional.empty())
            .body();
    String second =
        PacketBenchReport.update(
                result("b.pcap", 1_000_000),
                HERE,
                WHEN,
                Optional.empty(),
                Optional.empty(),
                Optional.of(first))
            .body();
    PacketBenchReport.Update third =
        PacketBenchReport.update(
            result("a.pcap", 2_000_000),
            HERE,
            WHEN,
            Optional.empty(),
            Optional.empty(),
            Optional.of(second));

    assertThat(third.droppedRows()).isZero();
    List<String> rows = third.body().lines().filter(l -> l.startsWith("| `")).toList();
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0))
        .startsWith("| `a.pcap` host-window |")
        .contains("| 125,000 | 250,000 | 0.50 | 62,500 | 0.25 |");
    assertThat(rows.get(1)).startsWith("| `b.pcap` host-window |");
    assertThat(rows.get(0)).endsWith("| unknown |");
  }

  @Test
  void update_sameMachine_dropsRowsOfTheOlderLayout() {
    String old =
        "| `b.pcap` host-window | 100 | 10 × 3 | 250,000 | 500,000 | 0.50 | 125,000 – 500,000"
            + " | 250,000 – 1,000,000 | 0.42 | 2026-01-02 03:04 | `1234abc` |\n\n"
            + "Machine: 2 cores (Test CPU), 1.0 GiB, Test OS, Test JVM.\n";

    PacketBenchReport.Update now =
        PacketBenchReport.update(
            result("a.pcap", 1_000_000),
            HERE,
            WHEN,
            Optional.empty(),
            Optional.empty(),
            Optional.of(old));

    assertThat(now.droppedRows()).isEqualTo(1);
    assertThat(now.body()).doesNotContain("b.pcap").contains("`a.pcap`");
  }

  @Test
  void update_otherMachine_dropsRowsOfOtherInputs() {
    String there =
        PacketBenchReport.update(
                result("b.pcap", 1_000_000),
                THERE,
                WHEN,
                Optional.empty(),
                Optional.empty(),
                Optional.empty())
            .body();

    PacketBenchReport.Update here =
        PacketBenchReport.update(
            result("a.pcap", 1_000_000),
            HERE,
            WHEN,
            Optional.empty(),
            Optional.empty(),
            Optional.of(there));

    assertThat(here.droppedRows()).isEqualTo(1);
    assertThat(here.body()).doesNotContain("b.pcap").doesNotContain("Big CPU");
  }
}
