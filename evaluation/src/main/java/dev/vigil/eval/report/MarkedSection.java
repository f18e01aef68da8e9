package dev.vigil.eval.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites a generated section of a Markdown file, delimited by {@code <!-- NAME:begin -->} and
 * {@code <!-- NAME:end -->}, and leaves everything outside the markers as it was.
 */
public final class MarkedSection {
  private MarkedSection() {}

  /** Returns the begin marker for {@code name}. */
  public static String begin(String name) {
    return "<!-- " + name + ":begin -->";
  }

  /** Returns the end marker for {@code name}. */
  public static String end(String name) {
    return "<!-- " + name + ":end -->";
  }

  private static Pattern pattern(String name) {
    String n = Pattern.quote(name);
    return Pattern.compile(
        "<!--\\s*" + n + ":begin\\b[^>]*-->\\n?(.*?)<!--\\s*" + n + ":end\\s*-->", Pattern.DOTALL);
  }

  /** Returns the text between the markers of {@code name} in {@code text}, if it has them. */
  public static Optional<String> body(String text, String name) {
    Matcher m = pattern(name).matcher(text);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /**
   * Returns {@code text} with the section {@code name} holding {@code body}: replaced where the
   * markers are, else appended after a blank line.
   */
  public static String replace(String text, String name, String body) {
    String b = body.endsWith("\n") ? body : body + "\n";
    String section = begin(name) + "\n" + b + end(name);
    Matcher m = pattern(name).matcher(text);
    if (m.find()) {
      return text.substring(0, m.start()) + section + text.substring(m.end());
    }
    String sep =
        text.isEmpty() ? "" : text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n";
    return text + sep + section + "\n";
  }

  /**
   * Rewrites the section {@code name} of {@code file}, creating the file (with {@code preamble},
   * such as a heading) if it does not exist. {@code newBody} receives the current body, if any. The
   * file is replaced atomically where the file system allows.
   *
   * @throws IOException if the file cannot be read or written
   */
  public static void rewrite(
      Path file, String name, String preamble, Function<Optional<String>, String> newBody)
      throws IOException {
    Path abs = file.toAbsolutePath().normalize();
    String text = Files.exists(abs) ? Files.readString(abs, StandardCharsets.UTF_8) : preamble;
    String updated = replace(text, name, newBody.apply(body(text, name)));
    Files.createDirectories(abs.getParent());
    Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
    try {
      Files.writeString(tmp, updated, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
