package dev.vigil.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * Writes the package's {@code /usr/share/doc/vigil/copyright} in Debian's machine-readable format
 * (DEP-5): one {@code Files} paragraph per jar in the package's {@code lib/}, with the licence its
 * POM (or the nearest parent POM that has one) declares, and a {@code License} paragraph per
 * licence met: a pointer to {@code /usr/share/common-licenses} where Debian ships the text, else
 * the text the jar itself bundles, else the licence's address.
 *
 * <p>A jar whose licence cannot be found or named is an error (the packaging stops), so the file
 * never says less than it should.
 */
public final class Copyright {
  /**
   * A dependency as Maven lists it.
   *
   * @param groupId its group
   * @param artifactId its artifact
   * @param version its version
   * @param classifier its classifier, empty for none
   * @param file the jar in the local repository
   */
  public record Dependency(
      String groupId, String artifactId, String version, String classifier, Path file) {
    /** The jar's name in {@code lib/} (copy-dependencies with base versions). */
    public String libName() {
      return artifactId + "-" + version + (classifier.isEmpty() ? "" : "-" + classifier) + ".jar";
    }
  }

  /**
   * A licence found in a POM.
   *
   * @param name its name there
   * @param url its address there, empty if none
   */
  public record PomLicence(String name, String url) {}

  /** Licences whose text Debian ships in {@code /usr/share/common-licenses}. */
  private static final Map<String, String> COMMON =
      Map.of(
          "Apache-2.0", "Apache-2.0",
          "LGPL-2.1", "LGPL-2.1",
          "LGPL-3", "LGPL-3",
          "GPL-2", "GPL-2",
          "GPL-2+", "GPL-2",
          "GPL-3", "GPL-3",
          "GPL-3+", "GPL-3",
          "MPL-2.0", "MPL-2.0");

  private static final String[] LICENCE_FILES = {
    "META-INF/LICENSE",
    "META-INF/LICENSE.txt",
    "META-INF/LICENSE.md",
    "LICENSE",
    "LICENSE.txt",
    "META-INF/license.txt",
    "about.html"
  };

  private final Path localRepository;

  /**
   * @param localRepository the Maven repository the dependencies' POMs are read from
   */
  public Copyright(Path localRepository) {
    this.localRepository = localRepository;
  }

  /**
   * Parses the output of {@code mvn dependency:list -DoutputAbsoluteArtifactFilename=true}: lines
   * of {@code group:artifact:type[:classifier]:version:scope:/path/to.jar}.
   */
  public static List<Dependency> parseList(List<String> lines) {
    List<Dependency> out = new ArrayList<>();
    for (String raw : lines) {
      String line = raw.replaceAll("\u001B\\[[0-9;]*m", "").strip();
      int module = line.indexOf(" -- ");
      if (module >= 0) {
        line = line.substring(0, module).strip();
      }
      int slash = line.indexOf(":/");
      if (slash < 0) {
        continue; // the header and blank lines
      }
      String[] f = line.substring(0, slash).split(":");
      Path file = Path.of(line.substring(slash + 1));
      if (f.length == 5) {
        out.add(new Dependency(f[0], f[1], f[3], "", file));
      } else if (f.length == 6) {
        out.add(new Dependency(f[0], f[1], f[4], f[3], file));
      }
    }
    return out;
  }

  /** The licences a dependency's POM, or its nearest ancestor with any, declares. */
  public List<PomLicence> licences(Dependency d) throws IOException {
    String g = d.groupId();
    String a = d.artifactId();
    String v = d.version();
    for (int depth = 0; depth < 12 && g != null; depth++) {
      Path pom =
          localRepository
              .resolve(g.replace('.', '/'))
              .resolve(a)
              .resolve(v)
              .resolve(a + "-" + v + ".pom");
      if (!Files.isRegularFile(pom)) {
        throw new IOException(
            "no POM for " + g + ":" + a + ":" + v + " at " + pom + " (needed for its licence)");
      }
      Document doc = parse(pom);
      Element project = doc.getDocumentElement();
      List<PomLicence> found = new ArrayList<>();
      Element licences = child(project, "licenses");
      if (licences != null) {
        NodeList ls = licences.getElementsByTagName("license");
        for (int i = 0; i < ls.getLength(); i++) {
          Element l = (Element) ls.item(i);
          found.add(new PomLicence(childText(l, "name"), childText(l, "url")));
        }
      }
      if (!found.isEmpty()) {
        return found;
      }
      Element parent = child(project, "parent");
      if (parent == null) {
        break;
      }
      g = childText(parent, "groupId");
      a = childText(parent, "artifactId");
      v = childText(parent, "version");
    }
    return List.of();
  }

  /**
   * Debian's short name of a licence from a POM, or null when not recognised. Names, then
   * addresses, are matched.
   */
  public static String shortName(PomLicence l) {
    String n = (l.name() + " " + l.url()).toLowerCase(Locale.ROOT);
    if (n.contains("apache") && (n.contains("2.0") || n.contains("2 ") || n.contains("v2"))) {
      return "Apache-2.0";
    }
    if (n.contains("eclipse distribution") || n.contains("edl-v10") || n.contains("edl-1.0")) {
      return "BSD-3-clause"; // the Eclipse Distribution License 1.0 is the 3-clause BSD licence
    }
    if (n.contains("eclipse public") || n.contains("epl")) {
      return n.contains("2.0") || n.contains("epl-2") || n.contains("epl-v20")
          ? "EPL-2.0"
          : "EPL-1.0";
    }
    if (n.contains("mit") || n.contains("expat")) {
      return "Expat";
    }
    if (n.contains("bsd")) {
      return n.contains("2-clause") || n.contains("simplified") || n.contains("bsd-2")
          ? "BSD-2-clause"
          : "BSD-3-clause";
    }
    if (n.contains("lesser") || n.contains("lgpl")) {
      return n.contains("3") ? "LGPL-3" : "LGPL-2.1";
    }
    if (n.contains("classpath") || n.contains("w/ cpe") || n.contains("gplv2+ce")) {
      return "GPL-2 with Classpath exception";
    }
    if (n.contains("gpl") || n.contains("general public license")) {
      if (n.contains("version 3") || n.contains("gpl-3") || n.contains("v3")) {
        return n.contains("later") ? "GPL-3+" : "GPL-3";
      }
      return n.contains("later") ? "GPL-2+" : "GPL-2";
    }
    if (n.contains("cddl") || n.contains("common development and distribution")) {
      return "CDDL-1.1";
    }
    if (n.contains("mozilla") || n.contains("mpl")) {
      return "MPL-2.0";
    }
    if (n.contains("public domain") || n.contains("cc0") || n.contains("unlicense")) {
      return "public-domain";
    }
    return null;
  }

  /**
   * The copyright file for the jars in {@code lib} ({@code libPath} is where the package installs
   * them), {@code deps} naming each one's coordinates.
   *
   * @throws IOException when a jar is not among {@code deps}, or its licence cannot be found or
   *     named
   */
  public String write(Path lib, String libPath, List<Dependency> deps, String projectLicence)
      throws IOException {
    Map<String, Dependency> byName = new LinkedHashMap<>();
    for (Dependency d : deps) {
      byName.put(d.libName(), d);
    }
    TreeSet<String> jars = new TreeSet<>();
    try (var s = Files.list(lib)) {
      s.filter(p -> p.getFileName().toString().endsWith(".jar"))
          .forEach(p -> jars.add(p.getFileName().toString()));
    }
    StringBuilder b = new StringBuilder();
    b.append("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n");
    b.append("Upstream-Name: vigil\n");
    b.append(
        "Comment: Written by scripts/package (dev.vigil.packaging.Copyright): one paragraph per\n");
    b.append(" jar in ").append(libPath).append(", with the licence its Maven POM declares.\n\n");
    b.append("Files: *\n");
    b.append("Copyright: 2026 The Vigil authors\n");
    b.append("License: ").append(projectLicence).append("\n\n");
    Map<String, String> texts = new TreeMap<>();
    List<String> copyleft = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (String jar : jars) {
      Dependency d = byName.get(jar);
      if (d == null) {
        problems.add(jar + ": not among the build's runtime dependencies");
        continue;
      }
      if (d.groupId().equals("dev.vigil")) {
        continue; // the project's own modules: Files: *
      }
      List<PomLicence> ls = licences(d);
      List<String> names = new ArrayList<>();
      for (PomLicence l : ls) {
        String sn = shortName(l);
        if (sn == null) {
          problems.add(jar + ": licence [" + l.name() + "] (" + l.url() + ") not recognised");
        } else if (!names.contains(sn)) {
          names.add(sn);
          texts.computeIfAbsent(sn, k -> licenceText(k, l, lib.resolve(jar)));
        }
      }
      if (ls.isEmpty()) {
        problems.add(jar + ": no licence in its POM or its parents'");
        continue;
      }
      b.append("Files: ").append(libPath).append('/').append(jar).append('\n');
      b.append("Copyright: the authors of ")
          .append(d.groupId())
          .append(':')
          .append(d.artifactId())
          .append('\n');
      if (names.stream().allMatch(x -> x.startsWith("GPL-"))) {
        copyleft.add(jar);
      }
      b.append("License: ").append(String.join(" or ", names)).append('\n');
      b.append("Comment: ")
          .append(d.groupId())
          .append(':')
          .append(d.artifactId())
          .append(':')
          .append(d.version())
          .append(d.classifier().isEmpty() ? "" : ":" + d.classifier())
          .append("\n\n");
    }
    if (!problems.isEmpty()) {
      throw new IOException("copyright: " + String.join("; ", problems));
    }
    if (!copyleft.isEmpty()) {
      // said at the top: the package as a whole is then under that licence's terms
      int at = b.indexOf("\n\nFiles: *");
      b.insert(
          at,
          "\n .\n These jars are under the GPL only, with no other licence to choose: "
              + String.join(", ", copyleft)
              + ".\n The package, which links them with Vigil's Apache-2.0 code, is therefore\n"
              + " distributed under the terms of the GPL version those jars name.");
    }
    texts.putIfAbsent(projectLicence, commonText(projectLicence));
    for (var e : texts.entrySet()) {
      b.append("License: ").append(e.getKey()).append('\n').append(e.getValue()).append('\n');
    }
    return b.toString().stripTrailing() + "\n";
  }

  private static String commonText(String name) {
    return " On Debian systems, the complete text of this licence is in\n /usr/share/common-licenses/"
        + COMMON.get(name)
        + ".\n";
  }

  /** The body of a License paragraph: the common-licenses pointer, bundled text, or the address. */
  private static String licenceText(String shortName, PomLicence l, Path jar) {
    if (COMMON.containsKey(shortName)) {
      return commonText(shortName);
    }
    if (shortName.equals("public-domain")) {
      return " Dedicated to the public domain (" + l.name() + ").\n";
    }
    String bundled = bundledText(jar);
    StringBuilder b = new StringBuilder();
    b.append(" ").append(l.name().strip());
    if (!l.url().isBlank()) {
      b.append(" <").append(l.url().strip()).append('>');
    }
    b.append('\n');
    if (bundled != null) {
      b.append(" .\n");
      for (String line : bundled.split("\\R", -1)) {
        String t = line.stripTrailing();
        b.append(t.isEmpty() ? " ." : " " + t).append('\n');
      }
    }
    return b.toString().replaceAll("( \\.\\n)+$", "");
  }

  /** The licence text a jar carries (plain text only), or null. */
  static String bundledText(Path jar) {
    try (ZipFile z = new ZipFile(jar.toFile())) {
      for (String name : LICENCE_FILES) {
        ZipEntry e = z.getEntry(name);
        if (e == null || e.isDirectory() || name.endsWith(".html")) {
          continue;
        }
        String t = new String(z.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!t.isEmpty() && t.length() < 64_000) {
          return t;
        }
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }

  private static Document parse(Path pom) throws IOException {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setExpandEntityReferences(false);
      return f.newDocumentBuilder().parse(pom.toFile());
    } catch (ParserConfigurationException | SAXException e) {
      throw new IOException("cannot read " + pom + ": " + e.getMessage(), e);
    }
  }

  private static Element child(Element e, String name) {
    for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element c && c.getTagName().equals(name)) {
        return c;
      }
    }
    return null;
  }

  private static String childText(Element e, String name) {
    Element c = child(e, name);
    return c == null ? "" : c.getTextContent().strip();
  }
}
