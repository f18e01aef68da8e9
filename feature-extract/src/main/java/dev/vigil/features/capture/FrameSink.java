package dev.vigil.features.capture;

/**
 * Receives raw link-layer frames from a capture source.
 *
 * <p>Called on the capture thread; {@code frame} may be reused after the call returns.
 */
@FunctionalInterface
public interface FrameSink {
  /**
   * Handles one frame.
   *
   * @param frame the captured bytes, starting at index 0
   * @param capturedLength how many bytes of {@code frame} were captured
   * @param wireLength the frame's length on the wire
   * @param timestampMicros capture time in microseconds since the epoch
   */
  void onFrame(byte[] frame, int capturedLength, int wireLength, long timestampMicros);
}
