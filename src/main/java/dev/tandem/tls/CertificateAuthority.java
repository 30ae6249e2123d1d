package dev.tandem.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A CA of one cluster: its certificate and key, and the instances' certificates it signs. Keys
 * are ECDSA P-256, which OpenSSL (MariaDB, MySQL) and Connector/J all take, and which is quick
 * to generate on every renewal.
 */
public record CertificateAuthority(X509Certificate certificate, PrivateKey key) {

  /** Certificates start a little in the past: a clock behind the operator's must not see them as not yet valid. */
  private static final Duration BACKDATE = Duration.ofMinutes(5);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A certificate and its key, as the PEM a Secret holds. */
  public record Issued(String certificatePem, String keyPem) {}

  public static CertificateAuthority create(String commonName, Instant now, Duration validity) {
    var keys = newKeyPair();
    var name = new X500Name("CN=" + commonName + ",O=Tandem");
    try {
      var extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(), from(now), until(now, validity), name, keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
      return new CertificateAuthority(sign(builder, keys.getPrivate()), keys.getPrivate());
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("could not create a CA certificate", e);
    }
  }

  public static CertificateAuthority of(String certificatePem, String keyPem) {
    var certificates = Pem.certificates(certificatePem);
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException("no CA certificate in the PEM text");
    }
    return new CertificateAuthority(certificates.get(0), Pem.privateKey(keyPem));
  }

  /** A server certificate for {@code dnsNames} and {@code ipAddresses}, for serving and, as a client, replicating. */
  public Issued issue(String commonName, List<String> dnsNames, List<String> ipAddresses, Instant now, Duration validity) {
    var keys = newKeyPair();
    var names = new java.util.ArrayList<GeneralName>();
    dnsNames.forEach(dns -> names.add(new GeneralName(GeneralName.dNSName, dns)));
    ipAddresses.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
    // Never outlives its CA: a chain is only as valid as its shortest link.
    Date notAfter = until(now, validity).before(certificate.getNotAfter()) ? until(now, validity) : certificate.getNotAfter();
    try {
      var extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(), from(now), notAfter,
          new X500Name("CN=" + commonName + ",O=Tandem"), keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
          .addExtension(Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)))
          .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()))
          .addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(certificate));
      return new Issued(Pem.of(sign(builder, key)), Pem.of(keys.getPrivate()));
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("could not issue a certificate", e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair newKeyPair() {
    try {
      var generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no EC P-256 key generator in this JVM", e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(128, RANDOM);
  }

  private static Date from(Instant now) {
    return Date.from(now.minus(BACKDATE).truncatedTo(ChronoUnit.SECONDS));
  }

  private static Date until(Instant now, Duration validity) {
    return Date.from(now.plus(validity).truncatedTo(ChronoUnit.SECONDS));
  }
}
