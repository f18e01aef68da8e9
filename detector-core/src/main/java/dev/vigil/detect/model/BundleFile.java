package dev.vigil.detect.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * The container of a model bundle: one ZIP file (inspectable with {@code unzip -l}) holding {@code
 * manifest.json}, {@code manifest.sha256} and binary sections. The manifest lists every section
 * with its size and SHA-256, and {@code manifest.sha256} covers the manifest itself, so any changed
 * byte is found at load.
 *
 * <p>Compatibility rules, which keep the model (state) apart from the code that reads it: {@code
 * formatVersion} is what the writer produced; {@code minReaderVersion} is the oldest reader able to
 * use it. A reader refuses a bundle whose {@code minReaderVersion} is newer than {@link
 * #READER_VERSION}; it ignores manifest fields and sections it does not know, so a later release
 * can add both without breaking earlier readers, and every release reads every earlier format
 * (tests load a bundle committed by an earlier release).
 *
 * <p>Writing is atomic (a temporary file moved into place) and byte-for-byte deterministic for the
 * same contents (fixed entry times, fixed order).
 */
public final class BundleFile {
  /** The {@code format} field of every bundle. */
  public static final String FORMAT = "vigil-model";

  /** The format version this release writes. */
  public static final int FORMAT_VERSION = 1;

  /** The newest {@code minReaderVersion} this release can read. */
  public static final int READER_VERSION = 1;

  static final String MANIFEST = "manifest.json";
  static final String MANIFEST_SUM = "manifest.sha256";
  private static final long MAX_SECTION_BYTES = 512L << 20;
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * The contents of a bundle.
   *
   * @param manifest the manifest (with {@code format}, versions and {@code sections})
   * @param sections section name to bytes, every checksum verified
   */
  public record Contents(ObjectNode manifest, Map<String, byte[]> sections) {}

  private BundleFile() {}

  /** Returns the shared JSON mapper (manifest fields not known to a reader are ignored). */
  public static ObjectMapper json() {
    return JSON;
  }

  /**
   * Writes a bundle: {@code body}'s fields plus {@code format}, {@code formatVersion}, {@code
   * minReaderVersion} and the {@code sections} table.
   */
  public static void write(Path file, ObjectNode body, Map<String, byte[]> sections)
      throws IOException {
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("format", FORMAT);
    manifest.put("formatVersion", FORMAT_VERSION);
    manifest.put("minReaderVersion", 1);
    ObjectNode table = manifest.putObject("sections");
    for (Map.Entry<String, byte[]> e : sections.entrySet()) {
      checkName(e.getKey());
      ObjectNode s = table.putObject(e.getKey());
      s.put("bytes", e.getValue().length);
      s.put("sha256", sha256(e.getValue()));
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (!manifest.has(f.getKey())) {
        manifest.set(f.getKey(), f.getValue());
      }
    }
    byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempFile(parent, ".bundle-", ".tmp");
    try {
      try (OutputStream raw = Files.newOutputStream(tmp);
          ZipOutputStream zip = new ZipOutputStream(raw)) {
        put(zip, MANIFEST, manifestBytes);
        put(
            zip,
            MANIFEST_SUM,
            (sha256(manifestBytes) + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        for (Map.Entry<String, byte[]> e : sections.entrySet()) {
          put(zip, e.getKey(), e.getValue());
        }
      }
      try { // a model is not secret, and the service user must read what root's `vigil train` wrote
        Files.setPosixFilePermissions(
            tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: keep the default permissions
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void checkName(String name) {
    if (!name.matches("[a-z0-9][a-z0-9._-]{0,63}")
        || name.equals(MANIFEST)
        || name.equals(MANIFEST_SUM)) {
      throw new IllegalArgumentException("invalid section name '" + name + "'");
    }
  }

  private static void put(ZipOutputStream zip, String name, byte[] data) throws IOException {
    ZipEntry e = new ZipEntry(name);
    e.setTime(0);
    zip.putNextEntry(e);
    zip.write(data);
    zip.closeEntry();
  }

  /**
   * Reads and verifies a bundle: the manifest checksum, the format, the reader version, and the
   * size and SHA-256 of every listed section. Sections present in the file but not listed are
   * ignored.
   *
   * @throws BundleException with a message naming what is wrong
   */
  public static Contents read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new BundleException("model bundle " + file + " does not exist or is not a file");
    }
    try (ZipFile zip = new ZipFile(file.toFile())) {
      byte[] manifestBytes = entry(zip, file, MANIFEST);
      String sum =
          new String(entry(zip, file, MANIFEST_SUM), java.nio.charset.StandardCharsets.US_ASCII)
              .trim();
      if (!sum.equals(sha256(manifestBytes))) {
        throw new BundleException(
            "model bundle " + file + " is damaged: the manifest does not match its checksum");
      }
      JsonNode root;
      try {
        root = JSON.readTree(manifestBytes);
      } catch (IOException e) {
        throw new BundleException("model bundle " + file + " has an unreadable manifest", e);
      }
      if (!(root instanceof ObjectNode manifest) || !FORMAT.equals(root.path("format").asText())) {
        throw new BundleException("file " + file + " is not a Vigil model bundle");
      }
      int minReader = manifest.path("minReaderVersion").asInt(-1);
      int version = manifest.path("formatVersion").asInt(-1);
      if (minReader < 1 || version < 1) {
        throw new BundleException("model bundle " + file + " has no valid format version");
      }
      if (minReader > READER_VERSION) {
        throw new BundleException(
            "model bundle "
                + file
                + " has format version "
                + version
                + " and needs a reader of version "
                + minReader
                + "; this release reads up to "
                + READER_VERSION
                + ": upgrade Vigil or retrain the model with this release");
      }
      Map<String, byte[]> sections = new LinkedHashMap<>();
      JsonNode table = manifest.path("sections");
      for (Iterator<Map.Entry<String, JsonNode>> it = table.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> s = it.next();
        byte[] data = entry(zip, file, s.getKey());
        if (data.length != s.getValue().path("bytes").asLong(-1)
            || !sha256(data).equals(s.getValue().path("sha256").asText())) {
          throw new BundleException(
              "model bundle "
                  + file
                  + " is damaged: section "
                  + s.getKey()
                  + " fails its checksum");
        }
        sections.put(s.getKey(), data);
      }
      return new Contents(manifest, Collections.unmodifiableMap(sections));
    } catch (java.util.zip.ZipException e) {
      throw new BundleException(
          "model bundle " + file + " is not a readable ZIP file: " + e.getMessage(), e);
    }
  }

  private static byte[] entry(ZipFile zip, Path file, String name) throws IOException {
    ZipEntry e = zip.getEntry(name);
    if (e == null) {
      throw new BundleException("model bundle " + file + " lacks " + name);
    }
    try (InputStream in = zip.getInputStream(e)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[65536];
      long total = 0;
      int n;
      while ((n = in.read(buf)) > 0) {
        total += n;
        if (total > MAX_SECTION_BYTES) {
          throw new BundleException("model bundle " + file + ": " + name + " exceeds 512 MiB");
        }
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    }
  }

  /** Returns the lower-case hex SHA-256 of {@code data}. */
  public static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
