package dev.vigil.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CopyrightTest {
  @TempDir Path dir;

  @Test
  void parsesMavensListWithClassifiersModulesAndColours() {
    List<Copyright.Dependency> d =
        Copyright.parseList(
            List.of(
                "",
                "The following files have been resolved:",
                "   org.a:lib-a:jar:1.2:compile:/r/org/a/lib-a/1.2/lib-a-1.2.jar\u001B[36m -- module a\u001B[m",
                "   org.b:nat:jar:linux-arm64:3.0:runtime:/r/org/b/nat/3.0/nat-3.0-linux-arm64.jar"));
    assertThat(d).hasSize(2);
    assertThat(d.get(0).libName()).isEqualTo("lib-a-1.2.jar");
    assertThat(d.get(0).file()).isEqualTo(Path.of("/r/org/a/lib-a/1.2/lib-a-1.2.jar"));
    assertThat(d.get(1).classifier()).isEqualTo("linux-arm64");
    assertThat(d.get(1).libName()).isEqualTo("nat-3.0-linux-arm64.jar");
  }

  @Test
  void namesLicencesAsDebianDoes() {
    assertThat(name("The Apache Software License, Version 2.0", "")).isEqualTo("Apache-2.0");
    assertThat(name("Eclipse Distribution License - v 1.0", "")).isEqualTo("BSD-3-clause");
    assertThat(name("Eclipse Public License - v 2.0", "")).isEqualTo("EPL-2.0");
    assertThat(name("The MIT License", "")).isEqualTo("Expat");
    assertThat(name("GNU General Public License, Version 3", "")).isEqualTo("GPL-3");
    assertThat(name("GNU General Public License (GPL) version 2, or any later version", ""))
        .isEqualTo("GPL-2+");
    assertThat(name("GNU Lesser General Public License", "")).isEqualTo("LGPL-2.1");
    assertThat(name("GPL2 w/ CPE", "https://openjdk.org/legal/gplv2+ce.html"))
        .isEqualTo("GPL-2 with Classpath exception");
    assertThat(name("Beerware", "")).isNull();
  }

  private static String name(String n, String url) {
    return Copyright.shortName(new Copyright.PomLicence(n, url));
  }

  @Test
  void readsTheLicenceFromTheNearestParentAndWritesDep5() throws IOException {
    Path repo = dir.resolve("repo");
    pom(
        repo,
        "org.x",
        "parent",
        "1",
        "<licenses><license><name>MIT License</name></license></licenses>");
    pom(
        repo,
        "org.x",
        "child",
        "2",
        "<parent><groupId>org.x</groupId><artifactId>parent</artifactId><version>1</version></parent>");
    Path lib = Files.createDirectories(dir.resolve("lib"));
    Files.write(lib.resolve("child-2.jar"), new byte[0]);
    Files.write(lib.resolve("vigil-common-0.1.jar"), new byte[0]);
    List<Copyright.Dependency> deps =
        List.of(
            new Copyright.Dependency("org.x", "child", "2", "", lib.resolve("child-2.jar")),
            new Copyright.Dependency("dev.vigil", "vigil-common", "0.1", "", lib));
    String text = new Copyright(repo).write(lib, "usr/share/vigil/lib", deps, "Apache-2.0");
    assertThat(text)
        .startsWith("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/")
        .contains("Files: usr/share/vigil/lib/child-2.jar\n")
        .contains("License: Expat\nComment: org.x:child:2")
        .contains("/usr/share/common-licenses/Apache-2.0")
        .doesNotContain("vigil-common-0.1.jar");
  }

  @Test
  void aJarWithoutAKnownLicenceStopsThePackaging() throws IOException {
    Path repo = dir.resolve("repo");
    pom(repo, "org.y", "odd", "1", "<licenses><license><name>Beerware</name></license></licenses>");
    pom(repo, "org.y", "none", "1", "");
    Path lib = Files.createDirectories(dir.resolve("lib"));
    Files.write(lib.resolve("odd-1.jar"), new byte[0]);
    Files.write(lib.resolve("none-1.jar"), new byte[0]);
    Files.write(lib.resolve("stray-1.jar"), new byte[0]);
    List<Copyright.Dependency> deps =
        List.of(
            new Copyright.Dependency("org.y", "odd", "1", "", lib.resolve("odd-1.jar")),
            new Copyright.Dependency("org.y", "none", "1", "", lib.resolve("none-1.jar")));
    assertThatThrownBy(() -> new Copyright(repo).write(lib, "l", deps, "Apache-2.0"))
        .hasMessageContaining("odd-1.jar: licence [Beerware]")
        .hasMessageContaining("none-1.jar: no licence")
        .hasMessageContaining("stray-1.jar: not among the build's runtime dependencies");
  }

  private static void pom(Path repo, String g, String a, String v, String body) throws IOException {
    Path d = Files.createDirectories(repo.resolve(g.replace('.', '/')).resolve(a).resolve(v));
    Files.writeString(
        d.resolve(a + "-" + v + ".pom"),
        "<?xml version=\"1.0\"?><project><modelVersion>4.0.0</modelVersion>"
            + body
            + "<groupId>"
            + g
            + "</groupId><artifactId>"
            + a
            + "</artifactId><version>"
            + v
            + "</version></project>");
  }
}
