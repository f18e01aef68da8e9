package dev.vigil.detect.nn;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/** Reading and validating the binary weight formats of the runtimes (big-endian, DataOutput). */
final class NetIo {
  /** Largest element count of one array in a model file. */
  static final int MAX_ELEMENTS = 1 << 24;

  /** Most layers a recurrent model file may declare. */
  static final int MAX_LAYERS = 8;

  private NetIo() {}

  /** Reads the magic number and version, failing with a message naming {@code kind}. */
  static void header(DataInput in, int magic, int version, String kind) throws IOException {
    int m = in.readInt();
    if (m != magic) {
      throw new IOException(
          "not in the "
              + kind
              + " format (magic 0x"
              + Integer.toHexString(m)
              + ", expected 0x"
              + Integer.toHexString(magic)
              + ")");
    }
    int v = in.readInt();
    if (v != version) {
      throw new IOException(
          kind + " format version " + v + " is not supported (only " + version + ")");
    }
  }

  /** Reads a size in {@code [1, max]}. */
  static int size(DataInput in, String what, int max) throws IOException {
    int n = in.readInt();
    if (n < 1 || n > max) {
      throw new IOException(what + " is " + n + ", expected 1.." + max);
    }
    return n;
  }

  /** Checks an element count against {@link #MAX_ELEMENTS}. */
  static int elements(long n, String what) throws IOException {
    if (n < 1 || n > MAX_ELEMENTS) {
      throw new IOException(what + " would have " + n + " elements, at most " + MAX_ELEMENTS);
    }
    return (int) n;
  }

  /** Reads {@code n} finite floats. */
  static float[] floats(DataInput in, int n, String what) throws IOException {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      float f = in.readFloat();
      if (!Float.isFinite(f)) {
        throw new IOException(what + "[" + i + "] is " + f);
      }
      a[i] = f;
    }
    return a;
  }

  /** Reads {@code n} positive finite scales. */
  static float[] scales(DataInput in, int n, String what) throws IOException {
    float[] a = floats(in, n, what);
    for (int i = 0; i < n; i++) {
      if (!(a[i] > 0)) {
        throw new IOException(what + "[" + i + "] is " + a[i] + ", scales must be positive");
      }
    }
    return a;
  }

  /** Reads {@code n} int8 weights in [-127, 127]. */
  static byte[] int8(DataInput in, int n, String what) throws IOException {
    byte[] a = new byte[n];
    in.readFully(a);
    for (int i = 0; i < n; i++) {
      if (a[i] == Byte.MIN_VALUE) {
        throw new IOException(what + "[" + i + "] is -128, int8 weights are in [-127, 127]");
      }
    }
    return a;
  }

  /** Reads an activation written by {@link #write(DataOutput, Activation)} (by name). */
  static Activation activation(DataInput in, String what) throws IOException {
    String name = in.readUTF();
    try {
      return Activation.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new IOException(what + " activation '" + name + "' is unknown", e);
    }
  }

  static void write(DataOutput out, Activation a) throws IOException {
    out.writeUTF(a.name());
  }

  static void write(DataOutput out, float[] a) throws IOException {
    for (float f : a) {
      out.writeFloat(f);
    }
  }
}
