package dev.vigil.packaging;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Writes man(7) pages for a picocli command and each of its subcommands, from the same spec the
 * command's {@code --help} prints, so the pages cannot drift from the program. One page per
 * command: {@code vigil(1)}, {@code vigil-run(1)}, {@code vigil-model-info(1)}, ...
 */
public final class ManPages {
  /**
   * One page.
   *
   * @param fileName the page's file name, e.g. {@code vigil-run.1}
   * @param text its roff source
   */
  public record Page(String fileName, String text) {}

  private final String date;
  private final String version;

  /**
   * @param date the pages' date (YYYY-MM-DD; the build's source date, so builds are reproducible)
   * @param version the program's version shown in the footer
   */
  public ManPages(String date, String version) {
    this.date = date;
    this.version = version;
  }

  /** The pages of {@code root} and of every subcommand under it (hidden ones left out). */
  public List<Page> pages(CommandLine root) {
    List<Page> out = new ArrayList<>();
    collect(root, out);
    return out;
  }

  private void collect(CommandLine cl, List<Page> out) {
    out.add(page(cl.getCommandSpec()));
    for (CommandLine sub : cl.getSubcommands().values()) {
      if (sub.getCommandSpec().usageMessage().hidden() || isAlias(cl, sub)) {
        continue;
      }
      collect(sub, out);
    }
  }

  private static boolean isAlias(CommandLine parent, CommandLine sub) {
    return parent.getSubcommands().entrySet().stream()
        .anyMatch(e -> e.getValue() == sub && !e.getKey().equals(sub.getCommandName()));
  }

  /** The page name of a command: its qualified name with spaces as dashes ({@code vigil-run}). */
  static String pageName(CommandSpec spec) {
    return spec.qualifiedName("-");
  }

  Page page(CommandSpec spec) {
    String name = pageName(spec);
    StringBuilder b = new StringBuilder();
    b.append(".\\\" Written by dev.vigil.packaging.ManPages from the command line's own help.\n");
    b.append(".TH ")
        .append(quote(name.toUpperCase(Locale.ROOT)))
        .append(" 1 ")
        .append(quote(date))
        .append(' ')
        .append(quote(version))
        .append(" \"Vigil Manual\"\n");
    b.append(".SH NAME\n")
        .append(escape(name))
        .append(" \\- ")
        .append(escape(firstSentence(joined(spec.usageMessage().description()))))
        .append('\n');
    b.append(".SH SYNOPSIS\n");
    b.append(".B ").append(escape(spec.qualifiedName())).append('\n');
    for (OptionSpec o : spec.options()) {
      if (o.hidden()) {
        continue;
      }
      b.append(o.required() ? "" : "[")
          .append("\\fB")
          .append(escape(o.shortestName()))
          .append("\\fR");
      if (o.arity().max() > 0) {
        b.append(" \\fI").append(escape(label(o))).append("\\fR");
      }
      b.append(o.required() ? "" : "]").append('\n');
    }
    for (PositionalParamSpec p : spec.positionalParameters()) {
      if (!p.hidden()) {
        b.append("\\fI").append(escape(label(p))).append("\\fR\n");
      }
    }
    if (!spec.subcommands().isEmpty()) {
      b.append("\\fICOMMAND\\fR\n");
    }
    b.append(".SH DESCRIPTION\n");
    for (String line : spec.usageMessage().description()) {
      b.append(paragraph(line));
    }
    if (!spec.positionalParameters().isEmpty()) {
      b.append(".SH ARGUMENTS\n");
      for (PositionalParamSpec p : spec.positionalParameters()) {
        if (p.hidden()) {
          continue;
        }
        b.append(".TP\n\\fI").append(escape(label(p))).append("\\fR\n");
        b.append(text(joined(p.description()))).append('\n');
      }
    }
    if (!spec.options().isEmpty()) {
      b.append(".SH OPTIONS\n");
      for (OptionSpec o : spec.options()) {
        if (o.hidden()) {
          continue;
        }
        b.append(".TP\n");
        String[] names = o.names();
        for (int i = 0; i < names.length; i++) {
          b.append(i > 0 ? ", " : "").append("\\fB").append(escape(names[i])).append("\\fR");
        }
        if (o.arity().max() > 0) {
          b.append(" \\fI").append(escape(label(o))).append("\\fR");
        }
        b.append('\n').append(text(joined(o.description()))).append('\n');
      }
    }
    if (!spec.subcommands().isEmpty()) {
      b.append(".SH COMMANDS\n");
      for (var e : spec.subcommands().entrySet()) {
        CommandSpec sub = e.getValue().getCommandSpec();
        if (sub.usageMessage().hidden() || !e.getKey().equals(sub.name())) {
          continue;
        }
        b.append(".TP\n\\fB").append(escape(sub.name())).append("\\fR\n");
        b.append(text(joined(sub.usageMessage().description())))
            .append(" See \\fB")
            .append(escape(pageName(sub)))
            .append("\\fR(1).\n");
      }
    }
    b.append(".SH EXIT STATUS\n")
        .append(
            text(
                "0 on success; 2 for a bad command line; 78 (EX_CONFIG) for an invalid"
                    + " configuration, with every problem listed; 1 for other failures."))
        .append('\n');
    b.append(".SH FILES\n")
        .append(".TP\n")
        .append("\\fI/etc/vigil/vigil.yaml\\fR\n")
        .append(text("The daemon's configuration (the systemd unit runs vigil run with it)."))
        .append('\n')
        .append(".TP\n")
        .append("\\fI/etc/vigil/policy.yaml\\fR\n")
        .append(text("The mitigation policy the configuration names."))
        .append('\n')
        .append(".TP\n")
        .append("\\fI/var/lib/vigil\\fR\n")
        .append(text("State: the learned models and the decision store."))
        .append('\n')
        .append(".TP\n")
        .append("\\fI/var/log/vigil/eve.json\\fR\n")
        .append(text("Alerts, one JSON line each (Suricata eve.json shape)."))
        .append('\n');
    b.append(".SH SEE ALSO\n");
    List<String> see = new ArrayList<>();
    if (spec.parent() != null) {
      see.add("\\fB" + escape(pageName(spec.parent())) + "\\fR(1)");
    }
    for (CommandLine sub : spec.commandLine().getSubcommands().values()) {
      String n = "\\fB" + escape(pageName(sub.getCommandSpec())) + "\\fR(1)";
      if (!sub.getCommandSpec().usageMessage().hidden() && !see.contains(n)) {
        see.add(n);
      }
    }
    see.add("\\fBsystemctl\\fR(1)");
    see.add("\\fBjournalctl\\fR(1)");
    b.append(String.join(", ", see)).append('\n');
    return new Page(name + ".1", b.toString());
  }

  private static String label(OptionSpec o) {
    String l = o.paramLabel();
    return l.startsWith("<") && l.endsWith(">") ? l.substring(1, l.length() - 1).toUpperCase() : l;
  }

  private static String label(PositionalParamSpec p) {
    String l = p.paramLabel();
    return l.startsWith("<") && l.endsWith(">") ? l.substring(1, l.length() - 1).toUpperCase() : l;
  }

  private static String joined(String[] lines) {
    return String.join(" ", lines).trim();
  }

  private static String firstSentence(String s) {
    int dot = s.indexOf(". ");
    String first = dot < 0 ? s : s.substring(0, dot + 1);
    return first.endsWith(".") ? first.substring(0, first.length() - 1) : first;
  }

  private static String paragraph(String line) {
    return ".PP\n" + text(line) + "\n";
  }

  /** Text for a roff body line: escaped, and never read as a request. */
  static String text(String s) {
    String e = escape(s);
    return e.startsWith(".") || e.startsWith("'") ? "\\&" + e : e;
  }

  /** Escapes roff's special characters: the backslash and the minus sign. */
  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> b.append("\\e");
        case '-' -> b.append("\\-");
        case '\n' -> b.append(' ');
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private static String quote(String s) {
    return "\"" + s.replace("\"", "'") + "\"";
  }
}
