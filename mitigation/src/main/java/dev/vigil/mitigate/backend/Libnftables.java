package dev.vigil.mitigate.backend;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Runs nftables scripts in process through libnftables (the library {@code nft} itself is built
 * on), bound with JNA: {@code nft_run_cmd_from_buffer} on one context, with output and errors
 * buffered instead of printed. It saves the start of an {@code nft} process per call (about 20 ms
 * on a gateway) and acts, like {@code nft} without {@code ip netns exec}, in the network namespace
 * of the calling process.
 *
 * <p>A script is one batch: the kernel applies all of it or none of it, so a script that fails
 * (syntax, a missing object, an overlapping interval, a lost permission) has changed nothing, as
 * with {@code nft -f -}.
 *
 * <p>The native library is loaded once per class loader ({@link #loadError()} says whether it could
 * be); the context is created on the first {@link #run} and freed by {@link #close()} (a later
 * {@link #run} creates a new one). Thread-safe: a libnftables context may be used by one thread at
 * a time, so {@link #run} and {@link #close()} are {@code synchronized}. A run is not bounded by a
 * timeout and cannot be interrupted: it is a few netlink messages to the kernel.
 */
final class Libnftables implements AutoCloseable {
  /** The shared object, by its soname: the unversioned name exists only with the -dev package. */
  static final String LIBRARY = "libnftables.so.1";

  private static final int NFT_CTX_DEFAULT = 0;

  /** What a failed run's {@link CommandRunner.Result} names as its command. */
  static final List<String> ARGV = List.of(LIBRARY, "nft_run_cmd_from_buffer");

  /** The part of libnftables' C API used here ({@code nftables/libnftables.h}). */
  interface Api extends Library {
    Pointer nft_ctx_new(int flags);

    int nft_ctx_buffer_output(Pointer ctx);

    int nft_ctx_buffer_error(Pointer ctx);

    int nft_run_cmd_from_buffer(Pointer ctx, byte[] buf);

    Pointer nft_ctx_get_output_buffer(Pointer ctx);

    Pointer nft_ctx_get_error_buffer(Pointer ctx);

    void nft_ctx_free(Pointer ctx);
  }

  /** The library, loaded on first use, or why it could not be. */
  private static final class Loaded {
    static final Api API;
    static final String ERROR;

    static {
      Api api = null;
      String error = null;
      try {
        api = Native.load(LIBRARY, Api.class);
      } catch (UnsatisfiedLinkError | RuntimeException e) {
        error = "cannot load " + LIBRARY + ": " + e.getMessage();
      } catch (NoClassDefFoundError e) {
        error = "cannot load JNA: " + e.getMessage();
      }
      API = api;
      ERROR = error;
    }
  }

  private Pointer ctx;

  /**
   * Returns {@code null} when libnftables can be loaded into this process, else why not. Loads it
   * on the first call (creates no context, changes nothing).
   */
  static String loadError() {
    return Loaded.ERROR;
  }

  /**
   * Runs {@code script} (nft's own syntax, as {@code nft -f} reads it) as one batch.
   *
   * @return what nft printed (empty for most commands)
   * @throws CommandRunner.CommandException with nft's error text (as {@code nft -f -} prints it) if
   *     the batch failed; nothing was changed then
   * @throws IOException if the library cannot be loaded or a context cannot be created
   */
  synchronized String run(String script) throws IOException {
    Api api = Loaded.API;
    if (api == null) {
      throw new IOException(Loaded.ERROR);
    }
    if (ctx == null) {
      Pointer c = api.nft_ctx_new(NFT_CTX_DEFAULT);
      if (c == null) {
        throw new IOException("libnftables: nft_ctx_new failed");
      }
      if (api.nft_ctx_buffer_output(c) != 0 || api.nft_ctx_buffer_error(c) != 0) {
        api.nft_ctx_free(c);
        throw new IOException("libnftables: cannot buffer the context's output");
      }
      ctx = c;
    }
    byte[] utf8 = script.getBytes(StandardCharsets.UTF_8);
    byte[] cString = new byte[utf8.length + 1]; // NUL-terminated
    System.arraycopy(utf8, 0, cString, 0, utf8.length);
    int rc = api.nft_run_cmd_from_buffer(ctx, cString);
    // Reading a buffer also rewinds it, so both are read after every run.
    String out = text(api.nft_ctx_get_output_buffer(ctx));
    String err = text(api.nft_ctx_get_error_buffer(ctx));
    if (rc != 0) {
      CommandRunner.Result r = new CommandRunner.Result(ARGV, rc, out, err);
      throw new CommandRunner.CommandException(
          "libnftables batch failed with status " + rc + ": " + err.strip(), r);
    }
    return out;
  }

  /** Frees the context, if one was created; the library stays loaded. Idempotent. */
  @Override
  public synchronized void close() {
    if (ctx != null) {
      Loaded.API.nft_ctx_free(ctx);
      ctx = null;
    }
  }

  private static String text(Pointer p) {
    return p == null ? "" : p.getString(0, StandardCharsets.UTF_8.name());
  }
}
