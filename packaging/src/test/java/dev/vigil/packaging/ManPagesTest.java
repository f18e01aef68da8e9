package dev.vigil.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.daemon.cli.VigilCli;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ManPagesTest {
  private static List<ManPages.Page> pages() {
    CommandLine cl = new CommandLine(new VigilCli());
    return new ManPages("2026-12-07", "vigil 9.9").pages(cl);
  }

  @Test
  void onePagePerCommandOfTheRealCli() {
    CommandLine cl = new CommandLine(new VigilCli());
    List<String> names = pages().stream().map(ManPages.Page::fileName).toList();
    assertThat(names).contains("vigil.1", "vigil-run.1", "vigil-check-config.1");
    for (String sub : cl.getSubcommands().keySet()) {
      if (!cl.getSubcommands().get(sub).getCommandSpec().usageMessage().hidden()) {
        assertThat(names).contains("vigil-" + sub + ".1");
      }
    }
  }

  @Test
  void everyOptionOfRunIsDocumentedWithItsDescription() {
    Map<String, String> byName =
        pages().stream().collect(Collectors.toMap(ManPages.Page::fileName, ManPages.Page::text));
    String run = byName.get("vigil-run.1");
    assertThat(run)
        .startsWith(".\\\" ")
        .contains(".TH \"VIGIL-RUN\" 1 \"2026-12-07\" \"vigil 9.9\"");
    CommandLine.Model.CommandSpec spec =
        new CommandLine(new VigilCli()).getSubcommands().get("run").getCommandSpec();
    for (CommandLine.Model.OptionSpec o : spec.options()) {
      for (String n : o.names()) {
        assertThat(run).contains("\\fB" + ManPages.escape(n) + "\\fR");
      }
      assertThat(run).contains(ManPages.escape(o.description()[0]));
    }
    assertThat(byName.get("vigil.1")).contains(".SH COMMANDS").contains("vigil\\-run\\fR(1)");
  }

  @Test
  void textIsEscapedForRoff() {
    assertThat(ManPages.escape("a-b\\c")).isEqualTo("a\\-b\\ec");
    assertThat(ManPages.text(".not a request")).isEqualTo("\\&.not a request");
    assertThat(ManPages.text("'neither")).isEqualTo("\\&'neither");
    for (ManPages.Page p : pages()) {
      for (String line : p.text().split("\n")) {
        // every line is a known request, a comment, or text that cannot be read as one
        if (line.startsWith(".")) {
          assertThat(line).matches("^\\.(\\\\\" |TH |SH |TP|PP|B ).*");
        }
      }
    }
  }
}
