package dev.vigil.eval.nab;

import java.util.List;
import java.util.Objects;

/**
 * A detector's NAB result for one profile: the threshold, the raw score (the sum of the files'
 * scores), the baselines and the normalised score {@code 100 * (raw - null) / (perfect - null)},
 * and each file's score and counts.
 *
 * @param profile the profile
 * @param threshold the threshold (rows whose anomaly score is at least this are detections); 1.1,
 *     NAB's start of the sweep, where the best choice was to detect nothing
 * @param rawScore the sum of the files' scores
 * @param nullScore the raw score of a detector that never fires: minus A_FN per scored window
 * @param perfectScore the raw score NAB normalises to 100: A_TP per window of the corpus
 * @param normalisedScore {@code 100 * (rawScore - nullScore) / (perfectScore - nullScore)}; NaN for
 *     a corpus without windows
 * @param files the files' scores, in corpus order
 */
public record NabProfileReport(
    NabProfile profile,
    double threshold,
    double rawScore,
    double nullScore,
    double perfectScore,
    double normalisedScore,
    List<NabFileScore> files) {

  /** Validates and copies the report. */
  public NabProfileReport {
    Objects.requireNonNull(profile, "profile");
    files = List.copyOf(files);
  }

  /**
   * Returns the score of one file.
   *
   * @throws IllegalArgumentException if the report has no such file
   */
  public NabFileScore file(String name) {
    for (NabFileScore f : files) {
      if (f.file().equals(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("no file " + name + " in the report");
  }

  /** Returns the true-positive rows over all files. */
  public int truePositives() {
    return files.stream().mapToInt(NabFileScore::truePositives).sum();
  }

  /** Returns the true-negative rows over all files. */
  public int trueNegatives() {
    return files.stream().mapToInt(NabFileScore::trueNegatives).sum();
  }

  /** Returns the false-positive rows over all files. */
  public int falsePositives() {
    return files.stream().mapToInt(NabFileScore::falsePositives).sum();
  }

  /** Returns the false-negative rows over all files. */
  public int falseNegatives() {
    return files.stream().mapToInt(NabFileScore::falseNegatives).sum();
  }

  /** Returns the scored windows that had a detection, over all files. */
  public int detectedWindows() {
    return files.stream().mapToInt(NabFileScore::detectedWindows).sum();
  }

  /** Returns the scored windows without a detection, over all files. */
  public int missedWindows() {
    return files.stream().mapToInt(NabFileScore::missedWindows).sum();
  }
}
