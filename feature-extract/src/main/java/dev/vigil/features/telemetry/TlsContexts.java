package dev.vigil.features.telemetry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.Locale;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds an {@link SSLSocketFactory} from {@link MqttOptions.Tls} with plain JDK classes: PEM CA
 * certificates into an in-memory trust store, and a client certificate from PEM (PKCS#8 key) or a
 * PKCS#12/JKS key store.
 */
final class TlsContexts {
  private TlsContexts() {}

  /**
   * Returns a socket factory for {@code tls}.
   *
   * @throws IOException naming the file and what is wrong with it
   */
  static SSLSocketFactory socketFactory(MqttOptions.Tls tls) throws IOException {
    try {
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (tls.caFile() != null) {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        int i = 0;
        for (Certificate c : certificates(tls.caFile())) {
          trust.setCertificateEntry("ca-" + i++, c);
        }
        tmf.init(trust);
      } else {
        tmf.init((KeyStore) null); // the JVM's default CAs
      }
      KeyManagerFactory kmf = null;
      if (tls.clientCertFile() != null) {
        Certificate[] chain = certificates(tls.clientCertFile()).toArray(new Certificate[0]);
        PrivateKey key = privateKey(tls.clientKeyFile());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] pw = new char[0];
        ks.setKeyEntry("client", key, pw, chain);
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
      } else if (tls.keyStoreFile() != null) {
        char[] pw =
            tls.keyStorePassword() == null ? new char[0] : tls.keyStorePassword().toCharArray();
        KeyStore ks = loadKeyStore(tls.keyStoreFile(), pw);
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return ctx.getSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS: " + e.getMessage(), e);
    }
  }

  private static Collection<? extends Certificate> certificates(Path pem) throws IOException {
    try (InputStream in = Files.newInputStream(pem)) {
      Collection<? extends Certificate> certs =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw new IOException(pem + " holds no PEM certificate");
      }
      return certs;
    } catch (GeneralSecurityException e) {
      throw new IOException(pem + " is not a PEM certificate file: " + e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(Path pem) throws IOException {
    String text = Files.readString(pem, StandardCharsets.US_ASCII);
    String begin = "-----BEGIN PRIVATE KEY-----";
    String end = "-----END PRIVATE KEY-----";
    int b = text.indexOf(begin);
    int e = text.indexOf(end);
    if (b < 0 || e < b) {
      String hint =
          text.contains("ENCRYPTED PRIVATE KEY")
              ? "it is encrypted"
              : text.contains("RSA PRIVATE KEY") || text.contains("EC PRIVATE KEY")
                  ? "it is in the older PKCS#1/SEC1 form"
                  : "no BEGIN PRIVATE KEY block";
      throw new IOException(
          pem
              + ": the client key must be an unencrypted PKCS#8 PEM key ("
              + hint
              + "); convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
    } catch (IllegalArgumentException ex) {
      throw new IOException(pem + ": the private key is not valid Base64", ex);
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String alg : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"}) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(spec);
      } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException ex) {
        // try the next algorithm
      }
    }
    throw new IOException(pem + ": unsupported private key algorithm (RSA, EC, EdDSA are read)");
  }

  private static KeyStore loadKeyStore(Path file, char[] pw)
      throws IOException, GeneralSecurityException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    KeyStore ks = KeyStore.getInstance(name.endsWith(".jks") ? "JKS" : "PKCS12");
    try (InputStream in = Files.newInputStream(file)) {
      ks.load(in, pw);
    } catch (IOException e) {
      throw new IOException(
          "cannot read key store " + file + " (wrong password or format?): " + e.getMessage(), e);
    }
    return ks;
  }
}
