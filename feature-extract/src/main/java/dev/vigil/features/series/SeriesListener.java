package dev.vigil.features.series;

/** Receives one feature vector per series and step. */
@FunctionalInterface
public interface SeriesListener {
  /**
   * One closed step of a series.
   *
   * @param hi first half of the series key (hash of the device)
   * @param lo second half of the series key (hash of the metric)
   * @param stepStartMillis start of the step, epoch milliseconds
   * @param vector the features, laid out as {@link SeriesFeatures#SCHEMA}; reused by the caller
   *     after this returns, so copy it to keep it
   */
  void onVector(long hi, long lo, long stepStartMillis, float[] vector);
}
