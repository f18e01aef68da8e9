package dev.vigil.eval.report;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Describes the machine a benchmark ran on, read from {@code /proc} and the running JVM.
 *
 * @param cores processors available to the JVM
 * @param cpu CPU model ({@code /proc/cpuinfo}), or the architecture where it names none
 * @param memory total memory ({@code /proc/meminfo}), or "memory unknown"
 * @param os operating system ({@code /etc/os-release}), or the JVM's idea of it
 * @param jvm JVM name and version with the options it was started with
 */
public record Machine(int cores, String cpu, String memory, String os, String jvm) {

  /** Describes this machine and JVM. */
  public static Machine current() {
    String arch = System.getProperty("os.arch");
    String cpu =
        firstValue(Path.of("/proc/cpuinfo"), "model name", "Hardware", "cpu model")
            .orElse(arch)
            .replaceAll("\\s+", " ");
    String memory =
        firstValue(Path.of("/proc/meminfo"), "MemTotal")
            .map(v -> v.replaceAll("[^0-9]", ""))
            .filter(v -> !v.isEmpty())
            .map(kib -> String.format(Locale.ROOT, "%.1f GiB", Long.parseLong(kib) / 1048576.0))
            .orElse("memory unknown");
    String os =
        firstValue(Path.of("/etc/os-release"), "PRETTY_NAME")
            .map(v -> v.replace("\"", ""))
            .orElse(System.getProperty("os.name") + " " + System.getProperty("os.version"));
    List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
    String jvm =
        System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.runtime.version")
            + (args.isEmpty() ? "" : " (" + String.join(" ", args) + ")");
    return new Machine(Runtime.getRuntime().availableProcessors(), cpu, memory, os, jvm);
  }

  /**
   * Returns the one-minute load average ({@code /proc/loadavg}): how busy the machine was with
   * other work, which a benchmark on a shared machine must report.
   */
  public static Optional<String> loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f.length > 0 && !f[0].isEmpty() ? Optional.of(f[0]) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Returns one line: cores, CPU, memory, OS, JVM. */
  public String describe() {
    return cores + " cores (" + cpu + "), " + memory + ", " + os + ", " + jvm;
  }

  /** Returns the value of the first {@code key: value} or {@code key=value} line for any key. */
  private static Optional<String> firstValue(Path file, String... keys) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    for (String line : lines) {
      for (String key : keys) {
        if (line.startsWith(key)) {
          String rest = line.substring(key.length()).trim();
          if (rest.startsWith(":") || rest.startsWith("=")) {
            String v = rest.substring(1).trim();
            if (!v.isEmpty()) {
              return Optional.of(v);
            }
          }
        }
      }
    }
    return Optional.empty();
  }
}
