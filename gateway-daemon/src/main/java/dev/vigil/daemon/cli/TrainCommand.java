package dev.vigil.daemon.cli;

import dev.vigil.daemon.config.ConfigException;
import dev.vigil.daemon.config.ConfigLoader;
import dev.vigil.daemon.config.VigilConfig;
import dev.vigil.daemon.pipeline.ModelManager;
import dev.vigil.detect.model.DetectionModel;
import dev.vigil.detect.model.ModelBundle;
import dev.vigil.train.ModelTrainer;
import dev.vigil.train.TrainingProgress;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vigil train}: train a model bundle from the configuration's benign captures. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    versionProvider = BuildVersion.class,
    description = {
      "Train the detection model on model.train-pcaps of a configuration (its feature and model"
          + " settings) and write a model bundle, showing a progress bar per network."
    })
final class TrainCommand implements Callable<Integer> {
  @Option(
      names = {"-c", "--config"},
      required = true,
      description = "YAML configuration file (see config/vigil.yaml)")
  Path config;

  @Option(
      names = {"-o", "--out"},
      paramLabel = "FILE",
      description = "bundle to write (default: the configuration's model.bundle)")
  Path out;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    VigilConfig c;
    try {
      c = ConfigLoader.load(config);
    } catch (ConfigException e) {
      err.println(e.getMessage());
      return VigilCli.EXIT_CONFIG;
    }
    Path target = out != null ? out : c.model().bundle();
    if (target == null) {
      err.println("vigil train: give --out FILE or set model.bundle in " + config);
      return 2;
    }
    if (c.model().trainPcaps().isEmpty()) {
      err.println("vigil train: " + config + " sets no model.train-pcaps to train on");
      return VigilCli.EXIT_CONFIG;
    }
    try {
      long[] packets = {0};
      List<ModelTrainer.Sequence> seqs =
          ModelManager.hostSequences(c.features(), c.model().trainPcaps(), packets);
      o.printf(
          Locale.ROOT,
          "read %d packets from %d capture(s): %d host(s)%n",
          packets[0],
          c.model().trainPcaps().size(),
          seqs.size());
      o.flush();
      ModelTrainer.Listener listener = TrainingProgress.console(o);
      DetectionModel model =
          ModelTrainer.train(
              c.features().set().schema(), seqs, null, c.model().training(), listener);
      ModelBundle.write(model, target);
      o.printf(
          Locale.ROOT,
          "wrote %s: schema %s, threshold %.3f at target FPR %.4f, trained in %d ms%n",
          target,
          model.schema().id(),
          model.fusion(c.model().precision()).threshold(),
          model.fusion(c.model().precision()).targetFpr(),
          model.provenance().path("trainingMillis").asLong());
      return 0;
    } catch (IOException | RuntimeException e) {
      err.println("vigil train: " + e.getMessage());
      return 1;
    }
  }
}
