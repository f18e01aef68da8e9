package dev.vigil.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.detect.model.BundleFile;
import dev.vigil.detect.model.ModelBundle;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vigil model info FILE}: verify a bundle and show what it holds. */
@Command(
    name = "model",
    mixinStandardHelpOptions = true,
    versionProvider = BuildVersion.class,
    description = "Inspect model bundles.",
    subcommands = {ModelCommand.Info.class})
final class ModelCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 2;
  }

  /** Verifies every checksum, loads the model, and prints its manifest summary. */
  @Command(
      name = "info",
      mixinStandardHelpOptions = true,
      versionProvider = BuildVersion.class,
      description = "Verify a model bundle (checksums, format, full load) and summarise it.")
  static final class Info implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "model bundle")
    Path file;

    @Option(names = "--json", description = "print the whole manifest as JSON")
    boolean json;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try {
        ModelBundle.read(file, null); // full verification and load
        ObjectNode m = ModelBundle.manifest(file);
        if (json) {
          out.println(BundleFile.json().writeValueAsString(m));
          out.flush();
          return 0;
        }
        JsonNode t = m.path("training");
        JsonNode f = m.path("fusion").path("int8");
        out.printf(
            "%s: valid %s bundle, format %d (reader %d+)%n",
            file,
            m.path("format").asText(),
            m.path("formatVersion").asInt(),
            m.path("minReaderVersion").asInt());
        out.printf(
            "  schema      %s (%d features)%n",
            m.path("schema").path("id").asText(), m.path("schema").path("names").size());
        out.printf(
            "  trained     %s by %s on %d vectors of %d entities (%d held out), %d ms%n",
            t.path("created").asText(),
            t.path("trainer").asText(),
            t.path("trainVectors").asInt(),
            t.path("entities").asInt(),
            t.path("calibrationVectors").asInt(),
            t.path("trainingMillis").asLong());
        out.printf(
            "  sections    %s%n", String.join(", ", iterable(m.path("sections").fieldNames())));
        out.printf(
            "  fusion      weights %s, threshold %.4f (int8) at target FPR %s%n",
            f.path("weights"), f.path("threshold").asDouble(), f.path("targetFpr").asText());
        out.flush();
        return 0;
      } catch (IOException e) {
        spec.commandLine().getErr().println(e.getMessage());
        return 65; // EX_DATAERR
      }
    }

    private static Iterable<String> iterable(java.util.Iterator<String> it) {
      return () -> it;
    }
  }
}
