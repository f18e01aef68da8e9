package dev.vigil.features.window;

/**
 * Receives a host's feature vector when its window closes.
 *
 * <p>Called on the thread that feeds the table; {@code features} is reused after the call returns.
 */
@FunctionalInterface
public interface WindowListener {
  /**
   * Handles one closed window.
   *
   * @param hostHi high half of the host address (see {@code PacketMeta})
   * @param hostLo low half of the host address
   * @param startMicros first packet time of the window, microseconds since the epoch
   * @param endMicros end of the window, microseconds since the epoch
   * @param features the vector, laid out as {@link HostWindowFeatures#SCHEMA}
   */
  void onWindow(long hostHi, long hostLo, long startMicros, long endMicros, float[] features);
}
