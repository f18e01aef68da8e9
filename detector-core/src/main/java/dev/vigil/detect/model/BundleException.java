package dev.vigil.detect.model;

import java.io.IOException;

/**
 * A model bundle that cannot be used: damaged, from an incompatible release, or for another schema.
 */
public final class BundleException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message an operator can act on. */
  public BundleException(String message) {
    super(message);
  }

  /** Creates the exception with its cause. */
  public BundleException(String message, Throwable cause) {
    super(message, cause);
  }
}
