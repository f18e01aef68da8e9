package dev.vigil.detect.model;

/** Which runtime scores: plain-Java float, or int8 weights with int32 accumulation. */
public enum Precision {
  /** 32-bit float weights and arithmetic. */
  FLOAT,
  /** int8 weights, per-vector int8 activations, int32 accumulation. */
  INT8
}
