package dev.vigil.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class DecisionsTableTest {
  @Test
  void print_showsEachBackendsState() throws Exception {
    String body =
        "[{\"id\":\"a1\",\"scope\":\"ip\",\"value\":\"10.0.0.5\",\"action\":\"quarantine\","
            + "\"state\":\"live\",\"backends\":[{\"backend\":\"nftables\",\"state\":\"applied\","
            + "\"attempts\":1},{\"backend\":\"webhook\",\"state\":\"failed\",\"attempts\":3,"
            + "\"error\":\"no answer\"}]},"
            + "{\"id\":\"a2\",\"scope\":\"ip\",\"value\":\"10.0.0.6\",\"action\":\"alert\","
            + "\"state\":\"live\",\"backends\":[]}]";
    StringWriter s = new StringWriter();
    DecisionsCommand.print(new ObjectMapper().readTree(body), new PrintWriter(s));
    String[] lines = s.toString().split("\n");
    assertThat(lines[0]).contains("STATE").contains("BACKENDS");
    assertThat(lines[1]).contains("a1").contains("nftables:applied webhook:failed(3)");
    assertThat(lines[2]).contains("a2").containsPattern("live +- ");
  }
}
