package dev.vigil.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Walks the whole command tree: every command answers {@code --help} and {@code --version}. */
class CliHelpTest {

  private static void walk(CommandLine cl, List<String> path, List<List<String>> out) {
    out.add(path);
    for (var e : cl.getSubcommands().entrySet()) {
      List<String> sub = new ArrayList<>(path);
      sub.add(e.getKey());
      walk(e.getValue(), sub, out);
    }
  }

  private static List<List<String>> commands() {
    List<List<String>> out = new ArrayList<>();
    walk(new CommandLine(new VigilCli()), List.of(), out);
    return out;
  }

  private static String[] run(List<String> path, String flag, int[] code) {
    CommandLine cl = new CommandLine(new VigilCli());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    List<String> args = new ArrayList<>(path);
    args.add(flag);
    code[0] = cl.execute(args.toArray(String[]::new));
    return new String[] {out.toString(), err.toString()};
  }

  @Test
  void help_everyCommand() {
    List<List<String>> all = commands();
    assertThat(all).extracting(p -> String.join(" ", p)).contains("run", "decisions add", "alerts");
    for (List<String> path : all) {
      int[] code = {-1};
      String[] o = run(path, "--help", code);
      assertThat(code[0]).as("vigil %s --help: %s", path, o[1]).isZero();
      assertThat(o[0]).as("vigil %s --help", path).contains("Usage:").contains("--version");
    }
  }

  @Test
  void version_everyCommandFromTheBuild() {
    for (List<String> path : commands()) {
      int[] code = {-1};
      String[] o = run(path, "--version", code);
      assertThat(code[0]).as("vigil %s --version: %s", path, o[1]).isZero();
      assertThat(o[0].strip())
          .as("vigil %s --version", path)
          .matches("vigil \\S+ \\(commit \\S+\\)");
    }
    // the test class path holds the filtered resource: the project's version, not a placeholder
    assertThat(BuildVersion.version()).isNotEqualTo("unknown").doesNotContain("${");
  }
}
