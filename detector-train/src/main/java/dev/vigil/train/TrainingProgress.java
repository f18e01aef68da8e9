package dev.vigil.train;

import dev.vigil.train.nn.AutoencoderTrainer;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Training progress on the console: a bar per phase on stderr, messages on {@code out}. */
public final class TrainingProgress {
  private TrainingProgress() {}

  /** Returns a listener drawing a bar per phase on stderr and printing messages to {@code out}. */
  public static ModelTrainer.Listener console(PrintWriter out) {
    List<ConsoleProgress> bars = new ArrayList<>();
    return new ModelTrainer.Listener() {
      @Override
      public AutoencoderTrainer.Progress phase(String name) {
        bars.forEach(ConsoleProgress::done);
        bars.clear();
        ConsoleProgress b = ConsoleProgress.stderr(String.format(Locale.ROOT, "%-11s", name));
        bars.add(b);
        return b;
      }

      @Override
      public void message(String text) {
        bars.forEach(ConsoleProgress::done);
        bars.clear();
        out.println(text);
        out.flush();
      }
    };
  }
}
