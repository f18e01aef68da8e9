package dev.vigil.daemon.mitigation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The token that {@code /decisions}' mutating calls must present as {@code Authorization: Bearer
 * TOKEN}: read once from {@code mitigation.token-file} at start and kept as its SHA-256 only, so
 * that a check compares digests in constant time. Without a usable token file mutations are
 * disabled, and {@link #check} says why. A reload reads the file again ({@link #replaceWith}).
 *
 * <p>Thread-safe.
 */
public final class BearerToken {
  /** The token in force: its digest, or why there is none. */
  private record State(byte[] hash, String problem) {}

  private volatile State state;

  private BearerToken(byte[] hash, String problem) {
    this.state = new State(hash, problem);
  }

  /** Puts {@code other}'s token in force (a reload read the token file again). */
  public void replaceWith(BearerToken other) {
    this.state = other.state;
  }

  /** Returns a token that refuses every mutation with 403 and {@code why}. */
  public static BearerToken disabled(String why) {
    return new BearerToken(null, why);
  }

  /** Returns a token that allows {@code token} (already trimmed, not empty). */
  static BearerToken of(String token) {
    return new BearerToken(sha256(token), null);
  }

  /**
   * Reads the token from {@code file} (surrounding white space trimmed); an absent, unreadable or
   * empty file disables mutations, saying why.
   */
  public static BearerToken read(Optional<Path> file) {
    if (file.isEmpty()) {
      return disabled("mutations are disabled: no mitigation.token-file is configured");
    }
    Path f = file.get();
    try {
      String t = Files.readString(f, StandardCharsets.UTF_8).trim();
      if (t.isEmpty()) {
        return disabled("mutations are disabled: the token file [" + f + "] is empty");
      }
      return of(t);
    } catch (IOException | RuntimeException x) {
      return disabled("mutations are disabled: cannot read the token file [" + f + "]: " + x);
    }
  }

  /**
   * Reads the token of the read endpoints from {@code file} ({@code api.read-token-file}); an
   * unreadable or empty file refuses every read (fail closed), saying why.
   */
  public static BearerToken readForReads(Path file) {
    try {
      String t = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (t.isEmpty()) {
        return disabled("reads are refused: the read token file [" + file + "] is empty");
      }
      return of(t);
    } catch (IOException | RuntimeException x) {
      return disabled("reads are refused: cannot read the read token file [" + file + "]: " + x);
    }
  }

  /** Returns whether mutations are enabled (a token was read). */
  public boolean enabled() {
    return state.hash() != null;
  }

  /** Returns why mutations are disabled, or null when they are enabled. */
  public String problem() {
    return state.problem();
  }

  /**
   * Checks the {@code Authorization} header of a mutating call.
   *
   * @return null when allowed; else the refusal (401 or 403 and why)
   */
  public Refusal check(String authorization) {
    State st = state;
    byte[] hash = st.hash();
    if (hash == null) {
      return new Refusal(403, "forbidden", st.problem());
    }
    String prefix = "Bearer ";
    if (authorization == null
        || authorization.length() <= prefix.length()
        || !authorization.regionMatches(true, 0, prefix, 0, prefix.length())) {
      return new Refusal(401, "unauthorized", "a bearer token is required");
    }
    byte[] given = sha256(authorization.substring(prefix.length()).trim());
    if (!MessageDigest.isEqual(given, hash)) {
      return new Refusal(401, "unauthorized", "the bearer token is wrong");
    }
    return null;
  }

  /**
   * Why a request was refused.
   *
   * @param status HTTP status
   * @param reason metric tag
   * @param message what the caller is told
   */
  public record Refusal(int status, String reason, String message) {}

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
