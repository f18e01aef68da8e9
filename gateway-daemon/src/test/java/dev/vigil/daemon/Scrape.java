package dev.vigil.daemon;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Prometheus text exposition (version 0.0.4) read back for tests: its samples with their labels
 * and its families' {@code # TYPE}s. Enough to sum a labelled counter or list what is exported; the
 * exposition's own validity is promtool's to judge.
 */
final class Scrape {
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? (\\S+)(?: \\S+)?$");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");
  private static final Pattern TYPE = Pattern.compile("^# TYPE (\\S+) (\\S+)$");

  /**
   * One sample.
   *
   * @param name the sample's name ({@code _bucket}, {@code _sum}, {@code _count} included)
   * @param labels its labels, in exposition order
   * @param value its value
   */
  record Sample(String name, Map<String, String> labels, double value) {
    /** Returns the name with its labels, as the exposition writes them, without the value. */
    String series() {
      return name + labels;
    }
  }

  private final List<Sample> samples;
  private final Map<String, String> types;

  private Scrape(List<Sample> samples, Map<String, String> types) {
    this.samples = List.copyOf(samples);
    this.types = Map.copyOf(types);
  }

  /**
   * Parses {@code body}.
   *
   * @throws IllegalArgumentException naming the first line that is neither a comment nor a sample
   */
  static Scrape parse(String body) {
    List<Sample> samples = new ArrayList<>();
    Map<String, String> types = new LinkedHashMap<>();
    for (String line : body.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      Matcher t = TYPE.matcher(line);
      if (t.matches()) {
        types.put(t.group(1), t.group(2));
        continue;
      }
      if (line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches()) {
        throw new IllegalArgumentException("not a sample: " + line);
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
    }
    return new Scrape(samples, types);
  }

  /** Returns every sample. */
  List<Sample> samples() {
    return samples;
  }

  /** Returns each family's type ({@code counter}, {@code gauge}, {@code histogram}, ...). */
  Map<String, String> types() {
    return types;
  }

  /** Returns the names of all samples, histogram and summary suffixes included. */
  Set<String> sampleNames() {
    Set<String> s = new LinkedHashSet<>();
    samples.forEach(x -> s.add(x.name()));
    return s;
  }

  /** Returns the samples named {@code name}. */
  List<Sample> named(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).toList();
  }

  /** Returns the sum of the samples named {@code name} whose labels include {@code match}. */
  double sum(String name, Map<String, String> match) {
    return samples.stream()
        .filter(s -> s.name().equals(name))
        .filter(s -> s.labels().entrySet().containsAll(match.entrySet()))
        .mapToDouble(Sample::value)
        .sum();
  }

  /** Returns the sum of the samples named {@code name}, whatever their labels. */
  double sum(String name) {
    return sum(name, Map.of());
  }
}
