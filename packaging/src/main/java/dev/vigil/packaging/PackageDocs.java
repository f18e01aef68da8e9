package dev.vigil.packaging;

import dev.vigil.daemon.cli.VigilCli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code PackageDocs}: writes what {@code scripts/package} puts in a package besides the jars: the
 * man pages ({@code man/*.1}), the bash completion ({@code bash-completion/vigil}) and the
 * copyright file ({@code copyright}), into one folder.
 */
@Command(
    name = "package-docs",
    mixinStandardHelpOptions = true,
    description = "Write the man pages, bash completion and copyright file of a Vigil package.")
public final class PackageDocs implements Callable<Integer> {
  @Option(names = "--out", required = true, description = "folder to write into")
  Path out;

  @Option(names = "--date", required = true, description = "the pages' date, YYYY-MM-DD")
  String date;

  @Option(names = "--version", required = true, description = "the package's version")
  String version;

  @Option(names = "--lib", required = true, description = "the package's staged lib/ folder")
  Path lib;

  @Option(
      names = "--lib-path",
      defaultValue = "usr/share/vigil/lib",
      description = "where the package installs lib/ (default ${DEFAULT-VALUE})")
  String libPath;

  @Option(
      names = "--dependencies",
      required = true,
      description = "mvn dependency:list output with absolute file names")
  Path dependencies;

  @Option(names = "--repository", required = true, description = "the local Maven repository")
  Path repository;

  /** Runs the tool; exits non-zero on any problem. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new PackageDocs()).execute(args));
  }

  @Override
  public Integer call() throws IOException {
    CommandLine vigil = new CommandLine(new VigilCli());
    vigil.setCommandName("vigil");
    Path man = Files.createDirectories(out.resolve("man"));
    int pages = 0;
    for (ManPages.Page p : new ManPages(date, "vigil " + version).pages(vigil)) {
      Files.writeString(man.resolve(p.fileName()), p.text(), StandardCharsets.UTF_8);
      pages++;
    }
    Path completion = Files.createDirectories(out.resolve("bash-completion"));
    Files.writeString(
        completion.resolve("vigil"), AutoComplete.bash("vigil", vigil), StandardCharsets.UTF_8);
    Copyright c = new Copyright(repository);
    String text =
        c.write(
            lib,
            libPath,
            Copyright.parseList(Files.readAllLines(dependencies, StandardCharsets.UTF_8)),
            "Apache-2.0");
    Files.writeString(out.resolve("copyright"), text, StandardCharsets.UTF_8);
    System.out.printf("wrote %d man pages, bash completion and copyright into %s%n", pages, out);
    return 0;
  }
}
