package dev.vigil.eval.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MarkedSectionTest {
  @TempDir Path tmp;

  @Test
  void replace_absentSection_isAppendedAfterABlankLine() {
    assertThat(MarkedSection.replace("# T\n", "s", "body"))
        .isEqualTo("# T\n\n<!-- s:begin -->\nbody\n<!-- s:end -->\n");
  }

  @Test
  void replace_presentSection_keepsEverythingOutsideTheMarkers() {
    String text =
        "a\n<!-- s:begin -->\nold\n<!-- s:end -->\nb\n<!-- t:begin -->\nt\n<!-- t:end -->\n";

    assertThat(MarkedSection.replace(text, "s", "new\n"))
        .isEqualTo(
            "a\n<!-- s:begin -->\nnew\n<!-- s:end -->\nb\n<!-- t:begin -->\nt\n<!-- t:end -->\n");
  }

  @Test
  void body_beginMarkerWithANote_isFound() {
    assertThat(MarkedSection.body("<!-- s:begin (by x) -->\nb\n<!-- s:end -->", "s"))
        .contains("b\n");
    assertThat(MarkedSection.body("nothing", "s")).isEmpty();
  }

  @Test
  void rewrite_missingFile_startsWithThePreamble() throws Exception {
    Path f = tmp.resolve("sub/F.md");

    MarkedSection.rewrite(f, "s", "# F\n", previous -> previous.isEmpty() ? "first" : "again");
    MarkedSection.rewrite(f, "s", "# F\n", previous -> previous.orElse("?").trim() + "+again");

    assertThat(Files.readString(f))
        .isEqualTo("# F\n\n<!-- s:begin -->\nfirst+again\n<!-- s:end -->\n");
    assertThat(Optional.ofNullable(tmp.resolve("sub").toFile().list()).orElseThrow()).hasSize(1);
  }
}
