package dev.vigil.train;

import dev.vigil.train.nn.AutoencoderTrainer;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A text progress bar for training: {@code autoencoder [#####.....] epoch 5/50 loss 0.00123 ETA
 * 42s}. On a terminal the line is redrawn in place; otherwise (logs, CI) one line per epoch is
 * printed.
 */
public final class ConsoleProgress implements AutoencoderTrainer.Progress {
  private static final int WIDTH = 24;
  private final String label;
  private final PrintStream out;
  private final boolean inPlace;

  /** Creates a bar named {@code label} printing to {@code out}; redraws in place if asked. */
  public ConsoleProgress(String label, PrintStream out, boolean inPlace) {
    this.label = label;
    this.out = out;
    this.inPlace = inPlace;
  }

  /** Creates a bar on standard error, redrawn in place when a console is attached. */
  public static ConsoleProgress stderr(String label) {
    return new ConsoleProgress(label, System.err, System.console() != null);
  }

  /** Returns the line drawn for an epoch (without carriage return or newline). */
  public String line(int epoch, int maxEpochs, double loss, long etaMillis) {
    int filled = (int) Math.round(WIDTH * (double) epoch / Math.max(1, maxEpochs));
    StringBuilder b = new StringBuilder(label).append(" [");
    for (int i = 0; i < WIDTH; i++) {
      b.append(i < filled ? '#' : '.');
    }
    return b.append(
            String.format(
                Locale.ROOT,
                "] epoch %d/%d loss %.5g ETA %ds",
                epoch,
                maxEpochs,
                loss,
                Math.max(0, etaMillis / 1000)))
        .toString();
  }

  @Override
  public void epoch(int epoch, int maxEpochs, double validationLoss, long etaMillis) {
    String l = line(epoch, maxEpochs, validationLoss, etaMillis);
    if (inPlace) {
      out.print('\r' + l + (epoch >= maxEpochs ? "\n" : ""));
    } else {
      out.println(l);
    }
    out.flush();
  }

  /** Ends an in-place bar that stopped early (early stopping). */
  public void done() {
    if (inPlace) {
      out.println();
    }
  }
}
