package dev.tandem.tls;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What an instance serves: its certificate (with any intermediates), its key and the CAs that
 * replicas and clients verify it with, as a Secret in cert-manager's layout holds them.
 */
public record ServingCertificate(List<X509Certificate> chain, PrivateKey key, List<X509Certificate> authorities) {

  public static final String CERTIFICATE = "tls.crt";
  public static final String KEY = "tls.key";
  public static final String AUTHORITIES = "ca.crt";

  /** Parsed from PEM, or why it cannot be used as it is. */
  public static ServingCertificate parse(String certificatePem, String keyPem, String authoritiesPem) {
    var chain = Pem.certificates(certificatePem);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException(CERTIFICATE + " holds no certificate");
    }
    var authorities = Pem.certificates(authoritiesPem);
    if (authorities.isEmpty()) {
      throw new IllegalArgumentException(AUTHORITIES + " holds no certificate");
    }
    return new ServingCertificate(chain, Pem.privateKey(keyPem), authorities);
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  /**
   * Why an instance could not serve this, if so: a key that is not the certificate's, a
   * certificate no CA in ca.crt signed (replicas would refuse it), or one not valid now.
   */
  public Optional<String> problem(Instant now) {
    if (!keyMatches()) {
      return Optional.of(KEY + " is not the private key of the certificate in " + CERTIFICATE);
    }
    try {
      var path = CertificateFactory.getInstance("X.509").generateCertPath(chain);
      var parameters = new PKIXParameters(authorities.stream().map(ca -> new TrustAnchor(ca, null)).collect(Collectors.toSet()));
      parameters.setRevocationEnabled(false);
      parameters.setDate(Date.from(now));
      CertPathValidator.getInstance("PKIX").validate(path, parameters);
    } catch (GeneralSecurityException e) {
      if (leaf().getNotAfter().toInstant().isBefore(now)) {
        return Optional.of("the certificate in " + CERTIFICATE + " expired at " + leaf().getNotAfter().toInstant());
      }
      if (leaf().getNotBefore().toInstant().isAfter(now)) {
        return Optional.of("the certificate in " + CERTIFICATE + " is not valid before " + leaf().getNotBefore().toInstant());
      }
      return Optional.of("the certificate in " + CERTIFICATE + " (issued by " + leaf().getIssuerX500Principal().getName()
          + ") does not verify against the CA in " + AUTHORITIES + " (" + authorities.stream()
          .map(ca -> ca.getSubjectX500Principal().getName()).collect(Collectors.joining("; ")) + "): " + e.getMessage());
    }
    return Optional.empty();
  }

  /** A third of its lifetime or less left: cert-manager's default, early enough to ride out an outage of the operator. */
  public static boolean dueForRenewal(X509Certificate certificate, Instant now) {
    var notBefore = certificate.getNotBefore().toInstant();
    var notAfter = certificate.getNotAfter().toInstant();
    return Duration.between(now, notAfter).compareTo(Duration.between(notBefore, notAfter).dividedBy(3)) < 0;
  }

  private boolean keyMatches() {
    PublicKey publicKey = leaf().getPublicKey();
    if (!publicKey.getAlgorithm().equals(key.getAlgorithm())) {
      return false;
    }
    try {
      String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256with" + key.getAlgorithm();
      byte[] probe = "tandem".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      var signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      var verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(probe);
      return verifier.verify(signer.sign());
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
