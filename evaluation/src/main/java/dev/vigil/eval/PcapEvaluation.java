package dev.vigil.eval;

import dev.vigil.detect.fusion.Fusion;
import dev.vigil.detect.model.DetectionModel;
import dev.vigil.detect.scale.FeatureScaler;
import dev.vigil.features.FeatureSet;
import dev.vigil.features.HostFeatures;
import dev.vigil.features.PacketFeaturePipeline;
import dev.vigil.features.capture.PcapFileReader;
import dev.vigil.features.flow.FloodDetector;
import dev.vigil.features.flow.ScanDetector;
import dev.vigil.features.packet.Addresses;
import dev.vigil.features.telemetry.replay.CsvSeries;
import dev.vigil.features.window.EarlyJudge;
import dev.vigil.features.window.WindowListener;
import dev.vigil.train.ModelTrainer;
import dev.vigil.train.forest.ForestParams;
import dev.vigil.train.nn.AutoencoderTrainer;
import dev.vigil.train.nn.LstmTrainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Packet captures as the evaluation reads them from a folder laid out like {@code
 * shared/datasets/pcap}: capture files under it and a {@code labels.csv} with one row per capture
 * (columns {@code file} relative to the folder, {@code label} {@code benign} or {@code attack},
 * {@code device_type}, {@code description}; optional {@code attacker}, {@code start_epoch}, {@code
 * end_epoch}; others ignored). Rows with any other label (the nDPI {@code protocol_samples}, which
 * are not labelled for attacks) are left out.
 *
 * <p>Features: every capture goes through the daemon's own path, {@link
 * PacketFeaturePipeline#readCapture} (Pcap4J reader, packet parser, {@link FeatureSet#HOST_WINDOW}
 * table) with the configuration's defaults ({@value #WINDOW_SECONDS} s windows, {@value #MAX_HOSTS}
 * hosts), one fresh pipeline per file: one 15-feature vector per host (IP address) and window, in
 * the order the table closes them. Each (file, host) pair is one entity, so the LSTM's state never
 * crosses files.
 *
 * <p>Labels: a benign file's vectors are all normal. In an attack file, a vector is an attack when
 * its host is the row's attacker, normal otherwise (background hosts, the targets' replies). The
 * attacker is the {@code attacker} column where the header has one and the row's value is not empty
 * (an IPv4 address, or an IPv6 address as {@link Addresses#format} writes it), else the address the
 * description names ({@link #attackerIp}). Where the row also has {@code start_epoch} and {@code
 * end_epoch} (epoch seconds, decimals allowed, as {@code lab/record.sh} writes them), only the
 * attacker's windows that overlap [start, end] are attacks and its other windows count as normal: a
 * compromised device that exfiltrates for 10 s of a 30 s capture is normal before and after.
 * Without them (both empty, or no such columns) every window of the attacker is an attack. A value
 * that is not a number, an end before the start, or only one of the two is an error naming the file
 * and line.
 *
 * <p>Split, by file, fixed (no randomness): benign files are grouped by {@code device_type} and
 * sorted by path; in each group the file of rank {@code r} (from 0) goes to learning when {@code r
 * mod 5} is 0, 1 or 2, to the thresholds when it is 3, to the test when it is 4 (60/20/20 %).
 * Attack files are sorted by path: those of even rank (1st, 3rd, ...) go to the test with all their
 * vectors, those of odd rank (2nd, 4th, ...) to the supervised baselines only, which learn from
 * them and the learning benign vectors. The unsupervised methods never see an attack file.
 *
 * <p>Streaming detectors: the scan ({@link ScanDetector}) and flood ({@link FloodDetector})
 * detectors watch every packet of every file beside the windows, at their defaults, with a fresh
 * pair per file; the flood detector learns no baseline ({@value #FLOOD_LEARN_MICROS} µs: every host
 * is judged against the defaults for a host never seen, its most sensitive setting). A report
 * counts for the window of the host it names as the sender (scan reports; flood reports of a
 * flood's source: what policy may quarantine; a flood's target is named, never blamed) that holds
 * the report's time, else the host's nearest window. They learn nothing from any file, so they are
 * judged on every capture as well ({@link Loaded#streaming}), not only the test files.
 *
 * <p>Early windows ({@code features.early-windows}, on by default): their judge is the trained
 * model's scaler ({@link FeatureScaler#beyondRange} at {@link #EARLY_MARGIN}, the daemon's default
 * margin), so they cannot be part of the first reading, which is made before any model. Once the
 * model is trained and its threshold set, the test files are read a second time through the same
 * path and settings with that judge ({@link #early}), as the daemon reads them. Where a window
 * closes early the host's later windows start elsewhere than in the first reading, so the second
 * reading's windows are not the test rows; an early window counts for the test row of the same file
 * and host that holds its deciding packet (its end), else that host's nearest window ({@link
 * #nearest}, the streaming reports' rule). Every window of the second reading is scored in order,
 * so that the ensemble's per-host state is the daemon's; see {@link EarlyPass}.
 */
public final class PcapEvaluation {
  /** The feature set, as {@code features.set} defaults to. */
  public static final FeatureSet FEATURES = FeatureSet.HOST_WINDOW;

  /** Window length in seconds, as {@code features.window} defaults to. */
  public static final int WINDOW_SECONDS = 10;

  /** Hosts tracked at once, as {@code features.max-hosts} defaults to. */
  public static final int MAX_HOSTS = 4096;

  /** The test set's name. */
  public static final String TEST_SET = "captures";

  /** How long the flood detector learns baselines in each file: not at all. */
  public static final long FLOOD_LEARN_MICROS = 0;

  /**
   * The early windows' margin past the benign maximum: the daemon's default for {@code
   * features.early-windows.margin}, read from where its settings reader reads it.
   */
  public static final double EARLY_MARGIN = FeatureScaler.DEFAULT_BEYOND_MARGIN;

  /** The streaming detectors, by the bit each sets in {@link Window#alerts}. */
  public static final List<String> STREAMING = List.of("scan", "flood");

  /** An IPv4 address in text, not part of a longer dotted number. */
  private static final Pattern IPV4 =
      Pattern.compile(
          "(?<![0-9.])(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})(?![0-9]|\\.\\d)");

  private static final Pattern WORD_BEFORE = Pattern.compile("(?i)\\b(from|host)\\s+$");
  private static final Pattern WORD_AFTER = Pattern.compile("(?i)^(?::\\d+)?\\s+sends\\b");

  private PcapEvaluation() {}

  /**
   * One closed window of one host.
   *
   * @param hostHi high half of the host address ({@code PacketMeta} form)
   * @param hostLo low half of the host address
   * @param startMicros first packet time of the window
   * @param endMicros end of the window
   * @param vector the features, laid out as {@link FeatureSet#schema()}
   * @param alerts the streaming detectors that named the host as a sender in this window: bit
   *     {@code i} for {@link #STREAMING}{@code .get(i)}
   * @param firstAlertMicros the time of the first such report, or {@link Long#MAX_VALUE}
   */
  public record Window(
      long hostHi,
      long hostLo,
      long startMicros,
      long endMicros,
      float[] vector,
      int alerts,
      long firstAlertMicros) {
    /** A window without streaming alerts. */
    public Window(long hostHi, long hostLo, long startMicros, long endMicros, float[] vector) {
      this(hostHi, hostLo, startMicros, endMicros, vector, 0, Long.MAX_VALUE);
    }

    /** The host address in text. */
    public String host() {
      return Addresses.format(hostHi, hostLo);
    }
  }

  /**
   * One row of {@code labels.csv} that is evaluated.
   *
   * @param line the row's line number
   * @param file the path relative to the folder, as written
   * @param attack whether the row's label is {@code attack}
   * @param group the device type (benign), or empty
   * @param attacker the attacker's address (attack rows), else null
   * @param startMicros start of the attack in epoch microseconds, or {@link #UNTIMED}
   * @param endMicros end of the attack in epoch microseconds, or {@link #UNTIMED}
   */
  public record Capture(
      int line,
      String file,
      boolean attack,
      String group,
      String attacker,
      long startMicros,
      long endMicros) {
    /** No attack window: every window of the attacker is an attack. */
    public static final long UNTIMED = Long.MIN_VALUE;

    /** A row without an attack window. */
    public Capture(int line, String file, boolean attack, String group, String attacker) {
      this(line, file, attack, group, attacker, UNTIMED, UNTIMED);
    }

    /** Whether the row limits the attack to [startMicros, endMicros]. */
    public boolean timed() {
      return startMicros != UNTIMED;
    }

    /** Whether {@code w} is an attack vector of this row (its attacker's, in its window if any). */
    public boolean isAttack(Window w) {
      return attack
          && attacker != null
          && w.host().equals(attacker)
          && (!timed() || (w.startMicros() <= endMicros && w.endMicros() >= startMicros));
    }
  }

  /**
   * The data with its split in words (counts included).
   *
   * @param data what {@link TabularEvaluator#run} takes
   * @param split the split, files and vector counts, in words
   * @param streaming the streaming detectors on every capture, in Markdown
   */
  public record Loaded(TabularEvaluator.Data data, String split, String streaming) {}

  /**
   * Returns the attacker named in an attack row's description: the first IPv4 address that comes
   * right after the word {@code from} or {@code host}, or right before the word {@code sends} (a
   * {@code :port} after the address allowed), case ignored. Other addresses (targets: {@code
   * against 147.32.80.37:902}) are not attackers. Empty when no address is so marked.
   */
  public static Optional<String> attackerIp(String description) {
    Matcher m = IPV4.matcher(description);
    while (m.find()) {
      boolean valid = true;
      for (int g = 1; g <= 4; g++) {
        valid &= Integer.parseInt(m.group(g)) <= 255;
      }
      if (!valid) {
        continue;
      }
      String before = description.substring(0, m.start());
      String after = description.substring(m.end());
      if (WORD_BEFORE.matcher(before).find() || WORD_AFTER.matcher(after).find()) {
        return Optional.of(m.group());
      }
    }
    return Optional.empty();
  }

  /**
   * Reads one capture through the daemon's feature path, with the streaming detectors beside it;
   * {@code packets[0]} gets the frames.
   */
  public static List<Window> windows(Path pcap, long[] packets) throws IOException {
    List<Window> out = new ArrayList<>();
    // reports naming a sender: host hi, host lo, time, detector bit
    List<long[]> reports = new ArrayList<>();
    PacketFeaturePipeline p =
        pipeline((hi, lo, s, e, v) -> out.add(new Window(hi, lo, s, e, v.clone())));
    ScanDetector scans =
        new ScanDetector(
            ScanDetector.Options.defaults(),
            r -> reports.add(new long[] {r.srcHi(), r.srcLo(), r.lastMicros(), 1}));
    FloodDetector floods =
        new FloodDetector(
            FloodDetector.Options.defaults().withLearn(FLOOD_LEARN_MICROS),
            r -> {
              if (r.role() == FloodDetector.Role.SOURCE) {
                reports.add(new long[] {r.hostHi(), r.hostLo(), r.lastMicros(), 2});
              }
            });
    p.observe(scans).observe(floods);
    long n = new PcapFileReader(pcap).read(p);
    p.flush();
    scans.tick(p.lastTimestampMicros() + 3_600_000_000L); // every attempt's time is up
    if (packets != null) {
      packets[0] += n;
    }
    return withAlerts(out, reports);
  }

  /** A fresh pipeline of the daemon's feature path at the evaluation's settings. */
  private static PacketFeaturePipeline pipeline(WindowListener listener) {
    return new PacketFeaturePipeline(FEATURES, WINDOW_SECONDS * 1_000_000L, MAX_HOSTS, listener);
  }

  /**
   * One window of a capture read with an early judge ({@link #early}).
   *
   * @param window the window (without streaming alerts)
   * @param early whether the judge closed it early: its end is then the deciding packet's time
   */
  public record Closed(Window window, boolean early) {}

  /**
   * Reads one capture through the daemon's feature path as {@link #windows} does, with {@code
   * judge} deciding early windows as the daemon's does; no streaming detectors.
   */
  public static List<Closed> earlyWindows(Path pcap, EarlyJudge judge) throws IOException {
    List<Closed> out = new ArrayList<>();
    HostFeatures[] table = new HostFeatures[1];
    PacketFeaturePipeline p =
        pipeline(
            (hi, lo, s, e, v) ->
                out.add(new Closed(new Window(hi, lo, s, e, v.clone()), table[0].emittingEarly())));
    table[0] = p.features();
    table[0].earlyJudge(judge);
    new PcapFileReader(pcap).read(p);
    p.flush();
    return out;
  }

  /**
   * Returns the index in {@code windows} of host {@code hi}/{@code lo}'s window that holds {@code
   * micros} (start and end included), else that host's nearest window (the first of equals), else
   * -1 when the host has none.
   */
  static int nearest(List<Window> windows, long hi, long lo, long micros) {
    int best = -1;
    long bestDistance = Long.MAX_VALUE;
    for (int i = 0; i < windows.size(); i++) {
      Window w = windows.get(i);
      if (w.hostHi() != hi || w.hostLo() != lo) {
        continue;
      }
      long d =
          micros < w.startMicros()
              ? w.startMicros() - micros
              : micros > w.endMicros() ? micros - w.endMicros() : 0;
      if (d < bestDistance) {
        bestDistance = d;
        best = i;
      }
    }
    return best;
  }

  /**
   * Returns, for each window of a second reading, the index in {@code labelled} (the first
   * reading's windows of the same capture) of the window an early one counts for: {@link #nearest}
   * to its end, the deciding packet; -1 for a window that ran its full length, or whose host has no
   * labelled window.
   */
  static int[] mapEarly(List<Window> labelled, List<Closed> second) {
    int[] out = new int[second.size()];
    for (int i = 0; i < out.length; i++) {
      Closed c = second.get(i);
      Window w = c.window();
      out[i] = c.early() ? nearest(labelled, w.hostHi(), w.hostLo(), w.endMicros()) : -1;
    }
    return out;
  }

  /**
   * The test files read a second time with the trained model's early judge ({@link
   * FeatureScaler#beyondRange} at {@link #EARLY_MARGIN}), each early window mapped ({@link
   * #mapEarly}) onto the test rows: {@code files} in test-row order, each with the index of its
   * first test row and its first reading's windows.
   */
  static EarlyPass early(Path dir, List<TestFile> files, DetectionModel model) throws IOException {
    FeatureScaler scaler = model.scaler();
    EarlyJudge judge = (x, growing) -> scaler.beyondRange(x, growing, EARLY_MARGIN);
    List<float[]> rows = new ArrayList<>();
    List<Long> entity = new ArrayList<>();
    List<Integer> row = new ArrayList<>();
    List<Boolean> early = new ArrayList<>();
    List<Long> decide = new ArrayList<>();
    for (TestFile f : files) {
      List<Closed> second = earlyWindows(dir.resolve(f.capture().file()), judge);
      int[] mapped = mapEarly(f.windows(), second);
      for (int i = 0; i < second.size(); i++) {
        Closed c = second.get(i);
        Window w = c.window();
        rows.add(w.vector());
        entity.add(entity(f.capture().file(), w.hostHi(), w.hostLo()));
        row.add(mapped[i] < 0 ? -1 : f.firstRow() + mapped[i]);
        early.add(c.early());
        decide.add(c.early() ? w.endMicros() - w.startMicros() : 0L);
      }
    }
    boolean[] e = new boolean[early.size()];
    for (int i = 0; i < e.length; i++) {
      e[i] = early.get(i);
    }
    // For scale: the test rows' whole windows, whose judged counts (which only grow) bound a
    // partial window's of the same start from above.
    int[] growing = pipeline((hi, lo, s, end, v) -> {}).features().growingFeatures();
    long[] beyond = new long[2];
    long[] rowsBy = new long[2];
    for (TestFile f : files) {
      for (Window w : f.windows()) {
        int k = f.capture().isAttack(w) ? 1 : 0;
        rowsBy[k]++;
        beyond[k] += scaler.beyondRange(w.vector(), growing, EARLY_MARGIN) ? 1 : 0;
      }
    }
    String method =
        String.format(
            Locale.ROOT,
            "After the ensemble was trained and its threshold set on the threshold files, the %d"
                + " test files were read a second time through the same capture path and feature"
                + " settings (%d s windows), with the daemon's early judge: the trained model's"
                + " scaler, `FeatureScaler.beyondRange` at margin %s (the daemon's default for"
                + " `features.early-windows.margin`), asked at a host's outbound packet counts 16,"
                + " 32, 64, ... in its window. As in the daemon, every window of that reading, early"
                + " or not, is scored by the ensemble in order with one state per file and host,"
                + " and an early window alerts when its score reaches the ensemble's threshold,"
                + " like any window (the judge alone alerts nothing). After an early close the"
                + " host's next window opens at the deciding packet and runs its full length, so"
                + " the host's later windows differ from the test rows (the first reading's); an"
                + " early window therefore counts for the test row of the same file and host whose"
                + " span holds its deciding packet (the early window's end), else that host's"
                + " nearest window, as streaming reports do. Row `%s` is a test row alerted by an"
                + " early window; `%s` is a test row alerted by the ensemble (at its first-reading"
                + " window), by a streaming detector, or by an early window. The second reading's"
                + " full-length windows are scored for the state only and counted nowhere, so the"
                + " combined row is what a daemon with early windows adds to the ensemble's"
                + " windows, not a replay of every window it would score. For scale: judged whole"
                + " (their counts only grow, so a partial window of the same start has less), the"
                + " test rows beyond the benign range by that margin are %,d of %,d attack and"
                + " %,d of %,d other",
            files.size(),
            WINDOW_SECONDS,
            EARLY_MARGIN,
            EarlyPass.NAME,
            TabularEvaluator.COMBINED_EARLY,
            beyond[1],
            rowsBy[1],
            beyond[0],
            rowsBy[0]);
    return new EarlyPass(
        rows,
        entity.stream().mapToLong(Long::longValue).toArray(),
        row.stream().mapToInt(Integer::intValue).toArray(),
        e,
        decide.stream().mapToLong(Long::longValue).toArray(),
        method);
  }

  /**
   * A test file with its first test row and its first reading's windows, for the second reading.
   */
  record TestFile(Capture capture, int firstRow, List<Window> windows) {}

  /** Returns {@code windows} with each report set on its host's window (see the class comment). */
  static List<Window> withAlerts(List<Window> windows, List<long[]> reports) {
    if (reports.isEmpty()) {
      return windows;
    }
    int[] alerts = new int[windows.size()];
    long[] first = new long[windows.size()];
    java.util.Arrays.fill(first, Long.MAX_VALUE);
    for (long[] r : reports) {
      int best = nearest(windows, r[0], r[1], r[2]);
      if (best >= 0) {
        alerts[best] |= (int) r[3];
        first[best] = Math.min(first[best], r[2]);
      }
    }
    List<Window> out = new ArrayList<>(windows.size());
    for (int i = 0; i < windows.size(); i++) {
      Window w = windows.get(i);
      out.add(
          alerts[i] == 0
              ? w
              : new Window(
                  w.hostHi(),
                  w.hostLo(),
                  w.startMicros(),
                  w.endMicros(),
                  w.vector(),
                  alerts[i],
                  first[i]));
    }
    return out;
  }

  /**
   * Reads {@code labels.csv} of {@code dir}: the benign and attack rows, in file order.
   *
   * @param skipped receives the count of rows left out by label
   * @throws IOException when the file or a column is missing, a row is malformed, a capture it
   *     names does not exist, an attack row names no attacker, or its attacker, start_epoch or
   *     end_epoch is not valid
   */
  public static List<Capture> labels(Path dir, Map<String, Integer> skipped) throws IOException {
    Path csv = dir.resolve("labels.csv");
    if (!Files.isRegularFile(csv)) {
      throw new IOException(
          dir + " has no labels.csv (one row per capture: file,label,device_type,description)");
    }
    List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
    if (lines.isEmpty()) {
      throw new IOException(csv + " is empty");
    }
    String[] header = fields(csv, 1, stripBom(lines.get(0)));
    int file = column(csv, header, "file");
    int label = column(csv, header, "label");
    int device = column(csv, header, "device_type");
    int description = column(csv, header, "description");
    int attackerCol = optionalColumn(header, "attacker");
    int startCol = optionalColumn(header, "start_epoch");
    int endCol = optionalColumn(header, "end_epoch");
    List<Capture> out = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      int no = i + 1;
      String[] f = fields(csv, no, line);
      if (f.length < header.length) {
        throw new IOException(
            csv + " line " + no + ": " + f.length + " fields, the header has " + header.length);
      }
      String lab = f[label].strip();
      if (!lab.equals("benign") && !lab.equals("attack")) {
        skipped.merge(lab.isEmpty() ? "(no label)" : lab, 1, Integer::sum);
        continue;
      }
      String name = f[file].strip();
      Path p = dir.resolve(name).normalize();
      if (name.isEmpty() || !Files.isRegularFile(p)) {
        throw new IOException(
            csv + " line " + no + ": capture file [" + p + "] does not exist or is not a file");
      }
      if (lab.equals("attack")) {
        String d = f[description];
        String given = attackerCol < 0 ? "" : f[attackerCol].strip();
        if (!given.isEmpty() && !isAddress(given)) {
          throw new IOException(
              csv + " line " + no + ": attacker [" + given + "] is not an IP address");
        }
        String ip =
            !given.isEmpty()
                ? given
                : attackerIp(d)
                    .orElseThrow(
                        () ->
                            new IOException(
                                csv
                                    + " line "
                                    + no
                                    + ": the description names no attacker (an IPv4 address after"
                                    + " 'from' or 'host', or before 'sends', or an"
                                    + " attacker column): "
                                    + d));
        String start = startCol < 0 ? "" : f[startCol].strip();
        String end = endCol < 0 ? "" : f[endCol].strip();
        if (start.isEmpty() != end.isEmpty()) {
          throw new IOException(
              csv
                  + " line "
                  + no
                  + ": start_epoch and end_epoch must both be given or both be empty (got ["
                  + start
                  + "] and ["
                  + end
                  + "])");
        }
        if (start.isEmpty()) {
          out.add(new Capture(no, name, true, "", ip));
        } else {
          long s = epochMicros(csv, no, "start_epoch", start);
          long e = epochMicros(csv, no, "end_epoch", end);
          if (e < s) {
            throw new IOException(
                csv + " line " + no + ": end_epoch " + end + " is before start_epoch " + start);
          }
          out.add(new Capture(no, name, true, "", ip, s, e));
        }
      } else {
        String g = f[device].strip();
        if (g.isEmpty()) {
          Path parent = Path.of(name).getParent();
          g = parent == null ? "" : parent.getFileName().toString();
        }
        out.add(new Capture(no, name, false, g, null));
      }
    }
    return out;
  }

  /** Reads the folder: every labelled capture's windows, split as the class comment says. */
  public static Loaded load(Path dir) throws IOException {
    Map<String, Integer> skipped = new TreeMap<>();
    List<Capture> rows = labels(dir, skipped);
    Map<String, List<Capture>> benign = new TreeMap<>();
    List<Capture> attacks = new ArrayList<>();
    for (Capture c : rows) {
      if (c.attack()) {
        attacks.add(c);
      } else {
        benign.computeIfAbsent(c.group(), k -> new ArrayList<>()).add(c);
      }
    }
    if (benign.isEmpty()) {
      throw new IOException(dir.resolve("labels.csv") + " has no benign rows");
    }
    if (attacks.size() < 2) {
      throw new IOException(
          dir.resolve("labels.csv")
              + " has "
              + attacks.size()
              + " attack row(s); at least 2 are needed (one for the supervised baselines, one for"
              + " the test)");
    }
    attacks.sort(java.util.Comparator.comparing(Capture::file));

    Part learn = new Part();
    Part validation = new Part();
    Part supervised = new Part();
    Part test = new Part();
    int[] files = new int[3];
    long[] packets = {0};
    Streaming streaming = new Streaming();
    List<TestFile> testFiles = new ArrayList<>();
    for (List<Capture> group : benign.values()) {
      group.sort(java.util.Comparator.comparing(Capture::file));
      for (int r = 0; r < group.size(); r++) {
        Capture c = group.get(r);
        List<Window> w = windows(dir.resolve(c.file()), packets);
        streaming.benign(w);
        int slot = r % 5;
        if (slot <= 2) {
          learn.add(c, w);
          supervised.add(c, w);
          files[0]++;
        } else if (slot == 3) {
          validation.add(c, w);
          files[1]++;
        } else {
          testFiles.add(new TestFile(c, test.rows.size(), w));
          test.add(c, w);
          files[2]++;
        }
      }
    }
    List<String> testAttack = new ArrayList<>();
    List<String> supervisedAttack = new ArrayList<>();
    for (int r = 0; r < attacks.size(); r++) {
      Capture c = attacks.get(r);
      List<Window> w = windows(dir.resolve(c.file()), packets);
      streaming.attack(c, w);
      long hits = w.stream().filter(c::isAttack).count();
      if (hits == 0) {
        throw new IOException(
            dir.resolve("labels.csv")
                + " line "
                + c.line()
                + ": the attacker "
                + c.attacker()
                + " sends nothing in "
                + c.file()
                + (c.timed() ? " between start_epoch and end_epoch" : ""));
      }
      String what =
          String.format(
              Locale.ROOT,
              "%s (attacker %s: %d of %d vectors)",
              Path.of(c.file()).getFileName(),
              c.attacker(),
              hits,
              w.size());
      if (r % 2 == 0) {
        testFiles.add(new TestFile(c, test.rows.size(), w));
        test.add(c, w);
        testAttack.add(what);
      } else {
        supervised.add(c, w);
        supervisedAttack.add(what);
      }
    }
    if (learn.rows.isEmpty() || validation.rows.isEmpty()) {
      throw new IOException(dir + ": too few benign files to learn and set thresholds from");
    }
    String split =
        String.format(
            Locale.ROOT,
            "per capture file (host-window features, %d s windows, through the daemon's capture"
                + " path; %,d packets read); benign files by device type (%d types), sorted by"
                + " path, rank mod 5 = 0-2 learn, 3 thresholds, 4 test; learn: %d files, %,d"
                + " vectors; thresholds: %d files, %,d vectors; test '%s': %d benign files and"
                + " %d attack files, %,d vectors, %,d attack (attacker host's windows, within the"
                + " row's start_epoch..end_epoch where given; the other hosts of attack files and"
                + " the attacker's other windows count as normal): %s; supervised baselines: the"
                + " learning vectors and the attack files of odd rank by path, %,d vectors, %,d"
                + " attack: %s; left out: %s",
            WINDOW_SECONDS,
            packets[0],
            benign.size(),
            files[0],
            learn.rows.size(),
            files[1],
            validation.rows.size(),
            TEST_SET,
            files[2],
            testAttack.size(),
            test.rows.size(),
            test.attacks(),
            String.join(", ", testAttack),
            supervised.rows.size(),
            supervised.attacks(),
            String.join(", ", supervisedAttack),
            skipped.isEmpty()
                ? "nothing"
                : skipped.entrySet().stream()
                        .map(e -> e.getValue() + " '" + e.getKey() + "' file(s)")
                        .reduce((a, b) -> a + ", " + b)
                        .orElse("")
                    + " (not labelled for attacks)");
    Map<String, TabularEvaluator.TestSet> tests = new LinkedHashMap<>();
    tests.put(
        TEST_SET,
        test.set(
            model -> {
              try {
                return early(dir, testFiles, model);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            }));
    return new Loaded(
        new TabularEvaluator.Data(
            FEATURES.schema(),
            learn.rows,
            validation.rows,
            supervised.set(),
            tests,
            learn.entities(),
            validation.entities()),
        split,
        streaming.markdown());
  }

  /** The streaming detectors on every capture: benign windows alerted, attack files detected. */
  private static final class Streaming {
    int benignFiles;
    long benignWindows;
    final long[] benignAlerted = new long[STREAMING.size() + 1]; // the last: by any
    final List<String> rows = new ArrayList<>();
    int attackFiles;
    int detected;

    void benign(List<Window> windows) {
      benignFiles++;
      for (Window w : windows) {
        benignWindows++;
        for (int i = 0; i < STREAMING.size(); i++) {
          if ((w.alerts() & (1 << i)) != 0) {
            benignAlerted[i]++;
          }
        }
        if (w.alerts() != 0) {
          benignAlerted[STREAMING.size()]++;
        }
      }
    }

    void attack(Capture c, List<Window> windows) {
      attackFiles++;
      long attackWindows = 0;
      long[] hit = new long[STREAMING.size()];
      long firstPacket = Long.MAX_VALUE;
      long firstAlert = Long.MAX_VALUE;
      long otherAlerted = 0;
      for (Window w : windows) {
        if (!c.isAttack(w)) {
          otherAlerted += w.alerts() != 0 ? 1 : 0;
          continue;
        }
        attackWindows++;
        firstPacket = Math.min(firstPacket, w.startMicros());
        firstAlert = Math.min(firstAlert, w.firstAlertMicros());
        for (int i = 0; i < STREAMING.size(); i++) {
          if ((w.alerts() & (1 << i)) != 0) {
            hit[i]++;
          }
        }
      }
      List<String> by = new ArrayList<>();
      for (int i = 0; i < STREAMING.size(); i++) {
        by.add(String.format(Locale.ROOT, "%d", hit[i]));
      }
      boolean found = firstAlert != Long.MAX_VALUE;
      detected += found ? 1 : 0;
      rows.add(
          String.format(
              Locale.ROOT,
              "| %s | %s | %d | %s | %s | %s | %d |",
              Path.of(c.file()).getFileName(),
              c.attacker(),
              attackWindows,
              String.join(" | ", by),
              found ? "yes" : "**no**",
              found ? String.format(Locale.ROOT, "%.3f s", (firstAlert - firstPacket) / 1e6) : "–",
              otherAlerted));
    }

    String markdown() {
      StringBuilder b = new StringBuilder();
      b.append("### Streaming detectors on every capture\n\n");
      b.append(
          String.format(
              Locale.ROOT,
              "The scan and flood detectors learn nothing from the data (the flood detector"
                  + " judges every host against its defaults for a host never seen), so they are"
                  + " run on every file of the set, %d benign and %d attack. Benign windows alerted"
                  + " (of %,d, every benign file): %s; by any: %,d (%.2f %%). Attack files"
                  + " detected (a report naming the attacker as a sender): **%d of %d**.\n\n",
              benignFiles,
              attackFiles,
              benignWindows,
              benignShares(),
              benignAlerted[STREAMING.size()],
              100.0 * benignAlerted[STREAMING.size()] / Math.max(1, benignWindows),
              detected,
              attackFiles));
      b.append("| attack file | attacker | attacker's windows |");
      for (String n : STREAMING) {
        b.append(" alerted by ").append(n).append(" |");
      }
      b.append(
          " detected | first attacker window's first packet → first report | other hosts'"
              + " windows alerted |\n");
      b.append("|---|---|--:|");
      for (int i = 0; i < STREAMING.size(); i++) {
        b.append("--:|");
      }
      b.append("---|--:|--:|\n");
      rows.forEach(r -> b.append(r).append('\n'));
      return b.toString();
    }

    private String benignShares() {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < STREAMING.size(); i++) {
        out.add(
            String.format(
                Locale.ROOT,
                "%s %,d (%.2f %%)",
                STREAMING.get(i),
                benignAlerted[i],
                100.0 * benignAlerted[i] / Math.max(1, benignWindows)));
      }
      return String.join(", ", out);
    }
  }

  /**
   * Settings sized for 15-feature host windows (the packet path's scaling: log1p, then min-max):
   * autoencoder 32-8, LSTM 32 units, Isolation Forest 100 trees; {@code quick} trains fewer epochs
   * and smaller baselines.
   */
  public static TabularEvaluator.Options options(boolean quick, long seed) {
    int epochs = quick ? 4 : 30;
    ModelTrainer.Config training =
        new ModelTrainer.Config(
            new FeatureScaler.Options(FeatureScaler.Kind.MINMAX, true, 1.0),
            new AutoencoderTrainer.Config(32, 8, epochs, 64, 1e-3, 0.1, 5, seed),
            new LstmTrainer.Config(32, 1, 16, epochs, 64, 1e-3, 0.1, 5, seed),
            new ForestParams(100, 256, seed, 0.995, 1),
            Fusion.DEFAULT_WEIGHTS,
            0.01,
            0.2,
            0.05);
    return new TabularEvaluator.Options(
        training, 0.01, seed, quick ? 2000 : 5000, quick ? 50 : 100, quick ? 50 : 100, 256, 200);
  }

  /**
   * A stable entity id for one host of one capture file (FNV-1a over the path's UTF-8 and the
   * address), so that no sequence state crosses files.
   */
  static long entity(String file, long hostHi, long hostLo) {
    long h = 0xcbf29ce484222325L;
    for (byte b : file.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    for (long x : new long[] {hostHi, hostLo}) {
      for (int i = 0; i < 8; i++) {
        h = (h ^ ((x >>> (8 * i)) & 0xff)) * 0x100000001b3L;
      }
    }
    return h;
  }

  /** Vectors of one part of the split, with labels and entities. */
  private static final class Part {
    final List<float[]> rows = new ArrayList<>();
    final List<Boolean> attack = new ArrayList<>();
    final List<Long> entity = new ArrayList<>();
    final List<Integer> alerts = new ArrayList<>();

    /** Adds a file's windows; those {@link Capture#isAttack} says are attacks. */
    void add(Capture c, List<Window> windows) {
      for (Window w : windows) {
        rows.add(w.vector());
        attack.add(c.isAttack(w));
        entity.add(entity(c.file(), w.hostHi(), w.hostLo()));
        alerts.add(w.alerts());
      }
    }

    long attacks() {
      return attack.stream().filter(a -> a).count();
    }

    long[] entities() {
      return entity.stream().mapToLong(Long::longValue).toArray();
    }

    TabularEvaluator.TestSet set() {
      return set(null);
    }

    /** The part as a test set, read again with early windows by {@code early} (or null). */
    TabularEvaluator.TestSet set(Function<DetectionModel, EarlyPass> early) {
      boolean[] a = new boolean[attack.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = attack.get(i);
      }
      Map<String, boolean[]> alerted = new LinkedHashMap<>();
      for (int d = 0; d < STREAMING.size(); d++) {
        boolean[] f = new boolean[alerts.size()];
        for (int i = 0; i < f.length; i++) {
          f[i] = (alerts.get(i) & (1 << d)) != 0;
        }
        alerted.put(STREAMING.get(d), f);
      }
      return new TabularEvaluator.TestSet(rows, a, entities(), alerted, early);
    }
  }

  private static String stripBom(String line) {
    return !line.isEmpty() && line.charAt(0) == '\uFEFF' ? line.substring(1) : line;
  }

  private static String[] fields(Path csv, int line, String text) throws IOException {
    try {
      return CsvSeries.split(text);
    } catch (IllegalArgumentException e) {
      throw new IOException(csv + " line " + line + ": " + e.getMessage(), e);
    }
  }

  private static int optionalColumn(String[] header, String name) {
    for (int i = 0; i < header.length; i++) {
      if (header[i].strip().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /** An IPv4 address (octets up to 255), or anything with a colon (IPv6, compared as written). */
  private static boolean isAddress(String s) {
    Matcher m = IPV4.matcher(s);
    if (m.matches()) {
      for (int g = 1; g <= 4; g++) {
        if (Integer.parseInt(m.group(g)) > 255) {
          return false;
        }
      }
      return true;
    }
    return s.indexOf(':') >= 0 && s.matches("[0-9A-Fa-f:.]+");
  }

  /** Epoch seconds (decimals allowed) in microseconds, rounded; an IOException naming the line. */
  static long epochMicros(Path csv, int line, String column, String text) throws IOException {
    try {
      java.math.BigDecimal v = new java.math.BigDecimal(text);
      if (v.signum() < 0) {
        throw new NumberFormatException("negative");
      }
      return v.movePointRight(6).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IOException(
          csv + " line " + line + ": " + column + " [" + text + "] is not epoch seconds", e);
    }
  }

  private static int column(Path csv, String[] header, String name) throws IOException {
    for (int i = 0; i < header.length; i++) {
      if (header[i].strip().equals(name)) {
        return i;
      }
    }
    throw new IOException(csv + ": no '" + name + "' column in the header");
  }
}
