package dev.tandem.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.tls.CertificateAuthority;
import dev.tandem.tls.Pem;
import dev.tandem.tls.ServingCertificate;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The generated CA and certificates: issued, left alone, renewed, and a new CA trusted before it signs. */
class ClusterCertificatesTest {

  static final Instant NOW = Instant.parse("2026-12-05T00:00:00Z");
  final dev.tandem.api.MySQLCluster cluster = ClusterFixture.named("shop").tls(false).build();

  @Test
  void aNewClusterGetsItsOwnCaAndACertificateForEveryServiceAndPodName() throws Exception {
    var generated = ClusterCertificates.desired(cluster, Optional.empty(), Optional.empty(), NOW);

    var serving = ClusterCertificates.serving(generated.serving());
    assertThat(ClusterCertificates.problem(generated.serving(), NOW)).isEmpty();
    assertThat(serving.authorities()).containsExactly(caOf(generated.authority()));
    assertThat(generated.serving().getMetadata().getName()).isEqualTo("shop-tls");
    assertThat(generated.authority().getMetadata().getName()).isEqualTo("shop-ca");
    assertThat(generated.serving().getMetadata().getOwnerReferences()).singleElement()
        .satisfies(owner -> assertThat(owner.getUid()).isEqualTo("uid-shop"));
    assertThat(generated.serving().getData()).doesNotContainKey("ca.key");
    var names = serving.leaf().getSubjectAlternativeNames().stream().map(name -> name.get(1).toString()).toList();
    assertThat(names).contains("shop", "shop.prod.svc", "shop-replicas.prod.svc.cluster.local", "shop-masters.prod",
        "*.shop-headless.prod.svc", "*.shop-headless.prod.svc.cluster.local", "localhost", "127.0.0.1");
    assertThat(Duration.between(serving.leaf().getNotBefore().toInstant(), serving.leaf().getNotAfter().toInstant()))
        .isGreaterThan(Duration.ofDays(89));
  }

  @Test
  void nothingIsRewrittenWhileNothingIsDue() {
    var first = ClusterCertificates.desired(cluster, Optional.empty(), Optional.empty(), NOW);

    var later = ClusterCertificates.desired(cluster, Optional.of(first.authority()), Optional.of(first.serving()), NOW.plus(Duration.ofDays(59)));

    assertThat(later.authority().getData()).isEqualTo(first.authority().getData());
    assertThat(later.serving().getData()).isEqualTo(first.serving().getData());
  }

  @Test
  void theCertificateIsRenewedByTheSameCaOnceAThirdOfItsLifeIsLeft() {
    var first = ClusterCertificates.desired(cluster, Optional.empty(), Optional.empty(), NOW);

    var renewed = ClusterCertificates.desired(cluster, Optional.of(first.authority()), Optional.of(first.serving()), NOW.plus(Duration.ofDays(61)));

    assertThat(renewed.serving().getData().get("tls.crt")).isNotEqualTo(first.serving().getData().get("tls.crt"));
    assertThat(renewed.authority().getData()).isEqualTo(first.authority().getData());
    assertThat(ClusterCertificates.problem(renewed.serving(), NOW.plus(Duration.ofDays(61)))).isEmpty();
  }

  @Test
  void aNewCaIsTrustedEverywhereBeforeItSignsAndTheOldStaysTrustedUntilItExpires() throws Exception {
    var first = ClusterCertificates.desired(cluster, Optional.empty(), Optional.empty(), NOW);
    var oldCa = caOf(first.authority());
    var caDue = NOW.plus(Duration.ofDays(2440));

    var published = ClusterCertificates.desired(cluster, Optional.of(first.authority()), Optional.of(first.serving()), caDue);
    var bundle = ClusterCertificates.serving(published.serving()).authorities();
    assertThat(bundle).hasSize(2).startsWith(oldCa);
    var newCa = bundle.get(1);
    // Both CAs bear the same name: only their keys tell them apart, so every check below verifies a signature.
    assertThat(newCa.getPublicKey()).as("the new CA has a key of its own").isNotEqualTo(oldCa.getPublicKey());
    assertThat(signedBy(published.serving(), oldCa)).isTrue();
    assertThat(signedBy(published.serving(), newCa)).isFalse();
    assertThat(published.authority().getMetadata().getAnnotations()).containsKey("tandem.dev/next-ca-published-at");

    var tooSoon = ClusterCertificates.desired(cluster, Optional.of(published.authority()), Optional.of(published.serving()),
        caDue.plus(Duration.ofMinutes(9)));
    assertThat(signedBy(tooSoon.serving(), oldCa)).isTrue();
    assertThat(signedBy(tooSoon.serving(), newCa)).isFalse();

    var switched = ClusterCertificates.desired(cluster, Optional.of(published.authority()), Optional.of(published.serving()),
        caDue.plus(Duration.ofMinutes(10)));
    assertThat(signedBy(switched.serving(), newCa)).isTrue();
    assertThat(signedBy(switched.serving(), oldCa)).isFalse();
    assertThat(ClusterCertificates.serving(switched.serving()).authorities()).containsExactly(newCa, oldCa);
    assertThat(Optional.ofNullable(switched.authority().getMetadata().getAnnotations()).orElse(Map.of()))
        .doesNotContainKey("tandem.dev/next-ca-published-at");

    var oldExpiring = oldCa.getNotAfter().toInstant().minusSeconds(1);
    var before = ClusterCertificates.desired(cluster, Optional.of(switched.authority()), Optional.of(switched.serving()), oldExpiring);
    assertThat(ClusterCertificates.serving(before.serving()).authorities()).containsExactly(newCa, oldCa);
    assertThat(signedBy(before.serving(), newCa)).isTrue();

    var oldExpired = oldCa.getNotAfter().toInstant().plusSeconds(1);
    var after = ClusterCertificates.desired(cluster, Optional.of(switched.authority()), Optional.of(switched.serving()), oldExpired);
    assertThat(ClusterCertificates.serving(after.serving()).authorities()).containsExactly(newCa);
  }

  @Test
  void aNextCaWhosePublicationTimeWasLostOrMangledSignsOneSettlingTimeAfterItIsFoundSoInsteadOfNever() {
    var first = ClusterCertificates.desired(cluster, Optional.empty(), Optional.empty(), NOW);
    var caDue = NOW.plus(Duration.ofDays(2440));
    var published = ClusterCertificates.desired(cluster, Optional.of(first.authority()), Optional.of(first.serving()), caDue);
    var newCa = ClusterCertificates.serving(published.serving()).authorities().get(1);

    for (String lost : new String[] {null, "yesterday"}) {
      var authority = new SecretBuilder(published.authority()).editMetadata().removeFromAnnotations("tandem.dev/next-ca-published-at")
          .endMetadata().build();
      if (lost != null) {
        authority.getMetadata().getAnnotations().put("tandem.dev/next-ca-published-at", lost);
      }
      var found = caDue.plus(Duration.ofDays(1));

      var republished = ClusterCertificates.desired(cluster, Optional.of(authority), Optional.of(published.serving()), found);
      assertThat(republished.authority().getMetadata().getAnnotations()).as(String.valueOf(lost))
          .containsEntry("tandem.dev/next-ca-published-at", found.toString());
      assertThat(signedBy(republished.serving(), newCa)).as(String.valueOf(lost)).isFalse();

      var settled = ClusterCertificates.desired(cluster, Optional.of(republished.authority()), Optional.of(republished.serving()),
          found.plus(Duration.ofMinutes(10)));
      assertThat(signedBy(settled.serving(), newCa)).as(String.valueOf(lost)).isTrue();
    }
  }

  @Test
  void annotationsOthersPutOnTheSecretsAreKept() {
    var first = ClusterCertificates.desired(cluster, Optional.empty(), Optional.empty(), NOW);
    var annotated = new SecretBuilder(first.serving()).editMetadata().addToAnnotations("reflector/allowed", "true").endMetadata().build();

    var renewed = ClusterCertificates.desired(cluster, Optional.of(first.authority()), Optional.of(annotated), NOW.plus(Duration.ofDays(61)));

    assertThat(renewed.serving().getMetadata().getAnnotations()).containsEntry("reflector/allowed", "true");
  }

  @Test
  void aUsersSecretIsCheckedForWhatWouldStopAnInstanceOrAReplica() {
    var ca = CertificateAuthority.create("mine", NOW, Duration.ofDays(30));
    var issued = ca.issue("shop", List.of("shop"), List.of(), NOW, Duration.ofDays(10));
    var stranger = CertificateAuthority.create("stranger", NOW, Duration.ofDays(30));
    var otherKey = stranger.issue("x", List.of("x"), List.of(), NOW, Duration.ofDays(1)).keyPem();

    assertThat(ClusterCertificates.problem(userSecret(issued.certificatePem(), issued.keyPem(), Pem.of(ca.certificate())), NOW)).isEmpty();
    assertThat(ClusterCertificates.problem(userSecret(issued.certificatePem(), issued.keyPem(), Pem.of(stranger.certificate())), NOW))
        .hasValueSatisfying(problem -> assertThat(problem).contains("does not verify against the CA in ca.crt", "CN=stranger"));
    assertThat(ClusterCertificates.problem(userSecret(issued.certificatePem(), otherKey, Pem.of(ca.certificate())), NOW))
        .contains("tls.key is not the private key of the certificate in tls.crt");
    assertThat(ClusterCertificates.problem(userSecret(issued.certificatePem(), issued.keyPem(), Pem.of(ca.certificate())),
        NOW.plus(Duration.ofDays(11)))).hasValueSatisfying(problem -> assertThat(problem).contains("expired at"));
    assertThat(ClusterCertificates.problem(new SecretBuilder().withStringData(Map.of("tls.crt", issued.certificatePem())).build(), NOW))
        .contains("lacks the key(s) tls.key, ca.crt");
    assertThat(ClusterCertificates.problem(userSecret("not a certificate", issued.keyPem(), Pem.of(ca.certificate())), NOW))
        .contains("tls.crt holds no certificate");
  }

  private static Secret userSecret(String certificate, String key, String authorities) {
    return new SecretBuilder().withStringData(Map.of("tls.crt", certificate, "tls.key", key, "ca.crt", authorities)).build();
  }

  private static X509Certificate caOf(Secret authority) {
    return Pem.certificates(ClusterCertificates.decoded(authority).get("ca.crt")).get(0);
  }

  private static boolean signedBy(Secret serving, X509Certificate ca) {
    try {
      ClusterCertificates.serving(serving).leaf().verify(ca.getPublicKey());
      return true;
    } catch (java.security.GeneralSecurityException e) {
      return false;
    }
  }
}
