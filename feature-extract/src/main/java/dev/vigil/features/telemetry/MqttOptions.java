package dev.vigil.features.telemetry;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * How {@link MqttTelemetrySource} connects to the broker and what it subscribes to.
 *
 * @param serverUris broker URIs, {@code tcp://host[:port]} or {@code ssl://host[:port]} (default
 *     ports 1883 and 8883 are filled in); several are tried in order on each connect, for failover
 * @param clientId the client identifier; must be stable for a persistent session
 * @param username user name, or null for none
 * @param password password, or null for none (MQTT 3.1.1 needs a user name with it); never printed
 *     by {@link #toString}
 * @param tls TLS settings for {@code ssl://} URIs, or null to use the JVM's default trust store
 * @param protocol MQTT protocol version
 * @param qos quality of service requested for every subscription, 0 to 2
 * @param cleanSession true to start a new session on every connect (MQTT 5: clean start); false to
 *     keep the session, and with it the subscriptions and queued QoS 1/2 messages, across
 *     reconnections
 * @param sessionExpirySeconds MQTT 5 only: how long the broker keeps the session after the
 *     connection closes (0 ends it with the connection; at most 4294967295, which never expires);
 *     must be positive for a persistent MQTT 5 session and 0 for MQTT 3.1.1
 * @param keepAlive keep-alive interval, whole seconds from 0 (off) to 65535
 * @param connectTimeout how long one connect attempt may take, 1 s to 5 min
 * @param minReconnectDelay the first wait before reconnecting, at least 10 ms; doubled after each
 *     failed attempt
 * @param maxReconnectDelay the longest wait between attempts, at most 1 h
 * @param subscriptions MQTT topic filters; empty to subscribe to the filters of the decoder's topic
 *     templates
 */
public record MqttOptions(
    List<String> serverUris,
    String clientId,
    String username,
    String password,
    Tls tls,
    Protocol protocol,
    int qos,
    boolean cleanSession,
    long sessionExpirySeconds,
    Duration keepAlive,
    Duration connectTimeout,
    Duration minReconnectDelay,
    Duration maxReconnectDelay,
    List<String> subscriptions) {

  /** MQTT protocol version. */
  public enum Protocol {
    /** MQTT 3.1.1 (protocol level 4). */
    V3_1_1,
    /** MQTT 5.0. */
    V5
  }

  /** Largest MQTT 5 session expiry interval (never expires). */
  public static final long MAX_SESSION_EXPIRY_SECONDS = 0xFFFF_FFFFL;

  /**
   * TLS settings: which certificate authorities to trust, and optionally a client certificate.
   *
   * @param caFile PEM file with the CA certificate(s) that signed the broker's certificate, or null
   *     to trust the JVM's default CAs
   * @param clientCertFile PEM client certificate (chain), with {@code clientKeyFile}; or null
   * @param clientKeyFile PEM unencrypted PKCS#8 private key ({@code BEGIN PRIVATE KEY}, what
   *     OpenSSL 3 writes) of the client certificate; or null
   * @param keyStoreFile a PKCS#12 (or JKS) key store holding the client certificate and key,
   *     instead of the PEM pair; or null
   * @param keyStorePassword the key store's password (null for none)
   * @param verifyHostname whether the broker's certificate must name the host connected to
   */
  public record Tls(
      Path caFile,
      Path clientCertFile,
      Path clientKeyFile,
      Path keyStoreFile,
      String keyStorePassword,
      boolean verifyHostname) {
    /** Validates: the files exist and are readable, a certificate comes with its key. */
    public Tls {
      if ((clientCertFile == null) != (clientKeyFile == null)) {
        throw new IllegalArgumentException(
            "tls: clientCertFile and clientKeyFile must be given together");
      }
      if (keyStoreFile != null && clientCertFile != null) {
        throw new IllegalArgumentException(
            "tls: give either keyStoreFile or clientCertFile and clientKeyFile, not both");
      }
      if (keyStorePassword != null && keyStoreFile == null) {
        throw new IllegalArgumentException("tls: keyStorePassword given without keyStoreFile");
      }
      readable("caFile", caFile);
      readable("clientCertFile", clientCertFile);
      readable("clientKeyFile", clientKeyFile);
      readable("keyStoreFile", keyStoreFile);
    }

    /** Trusts the CAs in {@code caFile}, no client certificate, host names verified. */
    public static Tls trusting(Path caFile) {
      return new Tls(Objects.requireNonNull(caFile, "caFile"), null, null, null, null, true);
    }

    /** Returns a copy that also presents a client certificate from PEM files. */
    public Tls withClientCertificate(Path certFile, Path keyFile) {
      return new Tls(caFile, certFile, keyFile, null, null, verifyHostname);
    }

    private static void readable(String name, Path p) {
      if (p != null && !(Files.isRegularFile(p) && Files.isReadable(p))) {
        throw new IllegalArgumentException("tls: " + name + " " + p + " is not a readable file");
      }
    }

    @Override
    public String toString() {
      return "Tls[caFile="
          + caFile
          + ", clientCertFile="
          + clientCertFile
          + ", clientKeyFile="
          + clientKeyFile
          + ", keyStoreFile="
          + keyStoreFile
          + ", keyStorePassword="
          + (keyStorePassword == null ? "null" : "***")
          + ", verifyHostname="
          + verifyHostname
          + "]";
    }
  }

  /** Validates every field and normalises the URIs (default ports filled in). */
  public MqttOptions {
    Objects.requireNonNull(serverUris, "serverUris");
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(keepAlive, "keepAlive");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(minReconnectDelay, "minReconnectDelay");
    Objects.requireNonNull(maxReconnectDelay, "maxReconnectDelay");
    Objects.requireNonNull(subscriptions, "subscriptions");
    if (serverUris.isEmpty()) {
      throw new IllegalArgumentException("serverUris must name at least one broker");
    }
    List<String> uris = new ArrayList<>();
    boolean anySsl = false;
    for (String u : serverUris) {
      String n = normalizeUri(u);
      anySsl |= n.startsWith("ssl://");
      uris.add(n);
    }
    serverUris = List.copyOf(uris);
    if (tls != null && !anySsl) {
      throw new IllegalArgumentException(
          "tls is set but no server URI uses ssl:// (" + serverUris + ")");
    }
    if (clientId.isBlank()) {
      throw new IllegalArgumentException("clientId must not be blank");
    }
    if (clientId.getBytes(StandardCharsets.UTF_8).length > 65_535) {
      throw new IllegalArgumentException("clientId is longer than 65535 bytes");
    }
    if (username != null && username.isEmpty()) {
      username = null;
    }
    if (password != null && username == null && protocol == Protocol.V3_1_1) {
      throw new IllegalArgumentException("MQTT 3.1.1 needs a username when a password is given");
    }
    if (qos < 0 || qos > 2) {
      throw new IllegalArgumentException("qos must be 0, 1 or 2, was " + qos);
    }
    if (sessionExpirySeconds < 0 || sessionExpirySeconds > MAX_SESSION_EXPIRY_SECONDS) {
      throw new IllegalArgumentException(
          "sessionExpirySeconds must be between 0 and 4294967295, was " + sessionExpirySeconds);
    }
    if (protocol == Protocol.V3_1_1 && sessionExpirySeconds != 0) {
      throw new IllegalArgumentException(
          "sessionExpirySeconds is an MQTT 5 setting; it must be 0 for MQTT 3.1.1 (a persistent"
              + " 3.1.1 session is kept until the client cleans it)");
    }
    if (protocol == Protocol.V5 && !cleanSession && sessionExpirySeconds == 0) {
      throw new IllegalArgumentException(
          "a persistent MQTT 5 session (cleanSession false) needs sessionExpirySeconds > 0: with 0"
              + " the broker ends the session when the connection closes");
    }
    if (keepAlive.isNegative()
        || keepAlive.getNano() != 0
        || keepAlive.compareTo(Duration.ofSeconds(65_535)) > 0) {
      throw new IllegalArgumentException(
          "keepAlive must be whole seconds from 0 to 65535, was " + keepAlive);
    }
    if (connectTimeout.compareTo(Duration.ofSeconds(1)) < 0
        || connectTimeout.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new IllegalArgumentException(
          "connectTimeout must be between 1 s and 5 min, was " + connectTimeout);
    }
    if (minReconnectDelay.compareTo(Duration.ofMillis(10)) < 0) {
      throw new IllegalArgumentException(
          "minReconnectDelay must be at least 10 ms, was " + minReconnectDelay);
    }
    if (maxReconnectDelay.compareTo(minReconnectDelay) < 0
        || maxReconnectDelay.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException(
          "maxReconnectDelay must be between minReconnectDelay ("
              + minReconnectDelay
              + ") and 1 h, was "
              + maxReconnectDelay);
    }
    subscriptions = List.copyOf(subscriptions);
    Set<String> seen = new HashSet<>();
    for (String f : subscriptions) {
      validateFilter(f);
      if (!seen.add(f)) {
        throw new IllegalArgumentException("subscription '" + f + "' is listed twice");
      }
    }
  }

  /**
   * Returns options for one broker with the defaults: no credentials, no TLS, MQTT 3.1.1, QoS 1,
   * clean session, keep-alive 30 s, connect timeout 10 s, reconnect after 100 ms doubling up to 30
   * s, subscribing to the decoder's template filters.
   */
  public static MqttOptions defaults(String serverUri, String clientId) {
    return new MqttOptions(
        List.of(serverUri),
        clientId,
        null,
        null,
        null,
        Protocol.V3_1_1,
        1,
        true,
        0,
        Duration.ofSeconds(30),
        Duration.ofSeconds(10),
        Duration.ofMillis(100),
        Duration.ofSeconds(30),
        List.of());
  }

  /**
   * Returns a copy speaking {@code p}; the session expiry is reset to fit (0, or 1 day for a
   * persistent MQTT 5 session).
   */
  public MqttOptions withProtocol(Protocol p) {
    long expiry = p == Protocol.V5 && !cleanSession ? 86_400 : 0;
    return new MqttOptions(
        serverUris,
        clientId,
        username,
        password,
        tls,
        p,
        qos,
        cleanSession,
        expiry,
        keepAlive,
        connectTimeout,
        minReconnectDelay,
        maxReconnectDelay,
        subscriptions);
  }

  /** Returns a copy with another QoS. */
  public MqttOptions withQos(int q) {
    return new MqttOptions(
        serverUris,
        clientId,
        username,
        password,
        tls,
        protocol,
        q,
        cleanSession,
        sessionExpirySeconds,
        keepAlive,
        connectTimeout,
        minReconnectDelay,
        maxReconnectDelay,
        subscriptions);
  }

  /** Returns a copy with another session mode (expiry: MQTT 5 only, else 0). */
  public MqttOptions withSession(boolean clean, long expirySeconds) {
    return new MqttOptions(
        serverUris,
        clientId,
        username,
        password,
        tls,
        protocol,
        qos,
        clean,
        expirySeconds,
        keepAlive,
        connectTimeout,
        minReconnectDelay,
        maxReconnectDelay,
        subscriptions);
  }

  /** Returns a copy with credentials. */
  public MqttOptions withCredentials(String user, String pass) {
    return new MqttOptions(
        serverUris,
        clientId,
        user,
        pass,
        tls,
        protocol,
        qos,
        cleanSession,
        sessionExpirySeconds,
        keepAlive,
        connectTimeout,
        minReconnectDelay,
        maxReconnectDelay,
        subscriptions);
  }

  /** Returns a copy with TLS settings. */
  public MqttOptions withTls(Tls t) {
    return new MqttOptions(
        serverUris,
        clientId,
        username,
        password,
        t,
        protocol,
        qos,
        cleanSession,
        sessionExpirySeconds,
        keepAlive,
        connectTimeout,
        minReconnectDelay,
        maxReconnectDelay,
        subscriptions);
  }

  /** Returns a copy with other broker URIs. */
  public MqttOptions withServerUris(List<String> uris) {
    return new MqttOptions(
        uris,
        clientId,
        username,
        password,
        tls,
        protocol,
        qos,
        cleanSession,
        sessionExpirySeconds,
        keepAlive,
        connectTimeout,
        minReconnectDelay,
        maxReconnectDelay,
        subscriptions);
  }

  /** Returns a copy with other reconnect delays. */
  public MqttOptions withReconnectDelays(Duration min, Duration max) {
    return new MqttOptions(
        serverUris,
        clientId,
        username,
        password,
        tls,
        protocol,
        qos,
        cleanSession,
        sessionExpirySeconds,
        keepAlive,
        connectTimeout,
        min,
        max,
        subscriptions);
  }

  /** Returns a copy with explicit subscriptions (empty: the decoder's template filters). */
  public MqttOptions withSubscriptions(List<String> filters) {
    return new MqttOptions(
        serverUris,
        clientId,
        username,
        password,
        tls,
        protocol,
        qos,
        cleanSession,
        sessionExpirySeconds,
        keepAlive,
        connectTimeout,
        minReconnectDelay,
        maxReconnectDelay,
        filters);
  }

  static String normalizeUri(String u) {
    Objects.requireNonNull(u, "server URI");
    URI uri;
    try {
      uri = new URI(u.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("server URI '" + u + "' is malformed: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("tcp") && !scheme.equals("ssl")) {
      throw new IllegalArgumentException(
          "server URI '" + u + "' must start with tcp:// or ssl://, e.g. tcp://broker:1883");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException("server URI '" + u + "' names no host");
    }
    if (uri.getUserInfo() != null
        || (uri.getRawPath() != null && !uri.getRawPath().isEmpty())
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "server URI '"
              + u
              + "' must be only scheme://host[:port] (credentials go in username"
              + " and password)");
    }
    int port = uri.getPort();
    if (port == -1) {
      port = scheme.equals("ssl") ? 8883 : 1883;
    } else if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("server URI '" + u + "' has port out of range");
    }
    return scheme + "://" + uri.getHost() + ":" + port;
  }

  /**
   * Checks an MQTT topic filter: non-empty, at most 65535 bytes, no NUL, {@code +} and {@code #}
   * only as whole levels and {@code #} only last.
   */
  static void validateFilter(String f) {
    Objects.requireNonNull(f, "subscription");
    if (f.isEmpty()) {
      throw new IllegalArgumentException("subscription topic filter must not be empty");
    }
    if (f.getBytes(StandardCharsets.UTF_8).length > 65_535 || f.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "subscription '" + f + "' is longer than 65535 bytes or holds a NUL character");
    }
    String[] levels = f.split("/", -1);
    for (int i = 0; i < levels.length; i++) {
      String l = levels[i];
      if (l.indexOf('#') >= 0 && (!l.equals("#") || i != levels.length - 1)) {
        throw new IllegalArgumentException(
            "subscription '" + f + "': '#' is allowed only as the whole last level");
      }
      if (l.indexOf('+') >= 0 && !l.equals("+")) {
        throw new IllegalArgumentException(
            "subscription '" + f + "': '+' must be a whole level (a/+/b)");
      }
    }
  }

  /** Like the record's, with the password hidden. */
  @Override
  public String toString() {
    return "MqttOptions[serverUris="
        + serverUris
        + ", clientId="
        + clientId
        + ", username="
        + username
        + ", password="
        + (password == null ? "null" : "***")
        + ", tls="
        + tls
        + ", protocol="
        + protocol
        + ", qos="
        + qos
        + ", cleanSession="
        + cleanSession
        + ", sessionExpirySeconds="
        + sessionExpirySeconds
        + ", keepAlive="
        + keepAlive
        + ", connectTimeout="
        + connectTimeout
        + ", minReconnectDelay="
        + minReconnectDelay
        + ", maxReconnectDelay="
        + maxReconnectDelay
        + ", subscriptions="
        + subscriptions
        + "]";
  }
}
