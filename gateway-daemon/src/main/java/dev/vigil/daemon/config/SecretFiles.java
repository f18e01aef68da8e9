package dev.vigil.daemon.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one check of the files that hold secrets (the REST tokens, MQTT passwords, TLS private keys):
 * each must be readable and writable by its owner only. {@code vigil run} and a reload refuse a
 * configuration that names one that is not ({@link ConfigLoader#loadToRun}: exit 78, the reload
 * changes nothing), and {@code check-config} lists them ({@link Preflight}). A missing file is left
 * to the section that names it.
 */
public final class SecretFiles {
  private static final Set<PosixFilePermission> OTHERS =
      Set.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE);

  private SecretFiles() {}

  /** Returns a problem, starting with its key, for each file others may read or write. */
  public static List<String> problems(Map<String, Path> files) {
    List<String> problems = new ArrayList<>();
    files.forEach(
        (key, f) -> {
          if (!Files.isRegularFile(f)) {
            return;
          }
          try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(f);
            if (perms.stream().anyMatch(OTHERS::contains)) {
              problems.add(
                  key
                      + ": ["
                      + f
                      + "] holds a secret but its group or others may read or write it; make it"
                      + " the daemon user's only (chmod 600)");
            }
          } catch (IOException | UnsupportedOperationException e) {
            problems.add(key + ": [" + f + "] cannot read its permissions: " + e.getMessage());
          }
        });
    return problems;
  }
}
