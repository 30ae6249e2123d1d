package dev.tandem.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.api.MySQLCluster;
import dev.tandem.kubernetes.ClusterEvents;
import dev.tandem.kubernetes.ClusterFixture;
import dev.tandem.replication.Endpoint;
import dev.tandem.replication.ServedCertificates;
import dev.tandem.replication.Sessions;
import dev.tandem.testing.LocalMariaDb;
import dev.tandem.tls.CertificateAuthority;
import dev.tandem.tls.Pem;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control loop's TLS against a stand-in API server holding the user's Secret and a real
 * mariadbd serving from files the test writes as a kubelet would: what the operator trusts, what
 * it has the instance load, and what it reports when that fails.
 */
@EnableKubernetesMockClient(crud = true)
class TlsControlTest {

  static final String INSTANCE = "vault-0";
  static final String SECRET = "vault-tls";
  /** Each refresh reads the Secret again: later than the check interval. */
  static final Duration LATER = Duration.ofSeconds(11);

  @TempDir static Path dir;
  static LocalMariaDb servers;
  static CertificateAuthority first;
  static CertificateAuthority.Issued firstIssued;

  KubernetesClient client;
  MySQLCluster cluster;
  TlsControl control;
  Instant now;

  @BeforeAll
  static void startOverTls() throws Exception {
    first = CertificateAuthority.create("vault CA", Instant.now(), Duration.ofDays(1));
    firstIssued = first.issue("vault", List.of("localhost"), List.of(), Instant.now(), Duration.ofHours(2));
    writeFiles(firstIssued, first.certificate());
    servers = LocalMariaDb.start(ClusterFixture.named("vault").mariaDb().async().instances(1).tls(false).build(), dir);
  }

  @AfterAll
  static void stopServer() {
    servers.close();
  }

  @BeforeEach
  void servingTheFirstCertificate() throws Exception {
    cluster = ClusterFixture.named("vault").mariaDb().async().instances(1).tls(false).build();
    cluster.getSpec().getTls().setSecretName(SECRET);
    writeFiles(firstIssued, first.certificate());
    // Over the socket: whatever the previous test left it serving.
    servers.server(INSTANCE).asRoot("FLUSH SSL");
    putSecret(Map.of("tls.crt", firstIssued.certificatePem(), "tls.key", firstIssued.keyPem(), "ca.crt", Pem.of(first.certificate())));
    control = new TlsControl("prod/vault", client, new ClusterEvents(client));
    now = Instant.now();
    control.refresh(cluster, Map.of(INSTANCE, SECRET), now);
  }

  @Test
  void aCaReplacedOutrightStaysTrustedUntilTheInstanceServesTheNewCertificateThenOnlyTheNewIsTrusted() throws Exception {
    assertThat(control.authorities()).containsExactly(first.certificate());
    var second = CertificateAuthority.create("vault CA", Instant.now(), Duration.ofDays(1));
    var secondIssued = second.issue("vault", List.of("localhost"), List.of(), Instant.now(), Duration.ofHours(3));
    putSecret(Map.of("tls.crt", secondIssued.certificatePem(), "tls.key", secondIssued.keyPem(), "ca.crt", Pem.of(second.certificate())));
    writeFiles(secondIssued, second.certificate());
    // Why the old CA must stay trusted: the instance serves its certificate until told to reload.
    assertThatThrownBy(() -> sessions(List.of(second.certificate())).served(endpoint())).isInstanceOf(SQLException.class);

    control.refresh(cluster, Map.of(INSTANCE, SECRET), now.plus(LATER));
    assertThat(control.authorities()).containsExactlyInAnyOrder(first.certificate(), second.certificate());
    assertThat(control.previousAuthoritiesTrusted(cluster)).hasValueSatisfying(trusted -> assertThat(trusted)
        .startsWith("1 CA not in TLS Secret " + SECRET + " stays trusted until"));
    control.reload(cluster, Map.of(INSTANCE, endpoint()), Set.of(INSTANCE), sessions(control.authorities()));

    assertThat(sessions(List.of(second.certificate())).served(endpoint())).contains(validity(secondIssued));
    assertThat(control.authorities()).containsExactly(second.certificate());
    assertThat(control.previousAuthoritiesTrusted(cluster)).isEmpty();
    assertThat(control.problem()).isEmpty();
    assertThat(events("CertificateReloaded")).singleElement().asString().contains(INSTANCE, "loaded without a restart");
  }

  @Test
  void theOldCaStaysTrustedWhileAnInstanceWithACertificateWasNotSeenServingTheNewOneAndStatusNamesIt() throws Exception {
    var second = CertificateAuthority.create("vault CA", Instant.now(), Duration.ofDays(1));
    var secondIssued = second.issue("vault", List.of("localhost"), List.of(), Instant.now(), Duration.ofHours(3));
    putSecret(Map.of("tls.crt", secondIssued.certificatePem(), "tls.key", secondIssued.keyPem(), "ca.crt", Pem.of(second.certificate())));
    writeFiles(secondIssued, second.certificate());

    control.refresh(cluster, Map.of(INSTANCE, SECRET, "vault-1", SECRET), now.plus(LATER));
    // vault-1 has its certificate but did not answer: it may still serve one of the first CA.
    control.reload(cluster, Map.of(INSTANCE, endpoint()), Set.of(INSTANCE, "vault-1"), sessions(control.authorities()));

    assertThat(sessions(List.of(second.certificate())).served(endpoint())).contains(validity(secondIssued));
    assertThat(control.authorities()).containsExactlyInAnyOrder(first.certificate(), second.certificate());
    assertThat(control.previousAuthoritiesTrusted(cluster)).contains("1 CA not in TLS Secret " + SECRET
        + " stays trusted until vault-1 is seen serving the Secret's certificate");
  }

  @Test
  void aCertificateTheServerRefusesToLoadIsReportedOnceInAnEventAndInTheProblemAndTheOldOneIsStillServed() throws Exception {
    var renewed = first.issue("vault", List.of("localhost"), List.of(), Instant.now(), Duration.ofHours(4));
    putSecret(Map.of("tls.crt", renewed.certificatePem(), "tls.key", renewed.keyPem(), "ca.crt", Pem.of(first.certificate())));
    // The files the server reads pair the renewed certificate with another key: it refuses them.
    var stranger = first.issue("vault", List.of("localhost"), List.of(), Instant.now(), Duration.ofHours(5));
    writeFiles(new CertificateAuthority.Issued(renewed.certificatePem(), stranger.keyPem()), first.certificate());

    control.refresh(cluster, Map.of(INSTANCE, SECRET), now.plus(LATER));
    control.reload(cluster, Map.of(INSTANCE, endpoint()), Set.of(INSTANCE), sessions(control.authorities()));
    control.refresh(cluster, Map.of(INSTANCE, SECRET), now.plus(LATER).plus(LATER));
    control.reload(cluster, Map.of(INSTANCE, endpoint()), Set.of(INSTANCE), sessions(control.authorities()));

    assertThat(sessions(List.of(first.certificate())).served(endpoint())).contains(validity(firstIssued));
    assertThat(control.problem()).hasValueSatisfying(problem -> assertThat(problem).startsWith(INSTANCE + " could not load"));
    assertThat(events("CertificateInvalid")).singleElement().asString()
        .contains(INSTANCE, "could not load the certificate of TLS Secret " + SECRET, "it keeps serving the one it loaded");
    assertThat(events("CertificateReloaded")).isEmpty();

    writeFiles(renewed, first.certificate());
    control.refresh(cluster, Map.of(INSTANCE, SECRET), now.plus(LATER).plus(LATER).plus(LATER));
    control.reload(cluster, Map.of(INSTANCE, endpoint()), Set.of(INSTANCE), sessions(control.authorities()));
    assertThat(control.problem()).as("cleared once it loads").isEmpty();
  }

  @Test
  void aSecretWithABrokenKeyStillLendsItsCaAndIsReportedAsTheProblem() throws Exception {
    var second = CertificateAuthority.create("vault CA", Instant.now(), Duration.ofDays(1));
    putSecret(Map.of("tls.crt", firstIssued.certificatePem(), "ca.crt", Pem.of(second.certificate())));

    control.refresh(cluster, Map.of(INSTANCE, SECRET), now.plus(LATER));

    assertThat(control.authorities()).containsExactlyInAnyOrder(first.certificate(), second.certificate());
    assertThat(control.problem()).hasValueSatisfying(problem -> assertThat(problem).contains("lacks the key(s) tls.key",
        "the instances keep serving the certificate they loaded"));
    assertThat(events("CertificateInvalid")).singleElement().asString().contains("TLS Secret " + SECRET + " lacks the key(s) tls.key");
  }

  @Test
  void aSpecNamingASecretTheInstancesDoNotMountStillVerifiesThemWithTheMountedSecretsCa() throws Exception {
    cluster.getSpec().getTls().setSecretName("vault-next");
    var restarted = new TlsControl("prod/vault", client, new ClusterEvents(client));

    restarted.refresh(cluster, Map.of(INSTANCE, SECRET), now);

    assertThat(restarted.authorities()).containsExactly(first.certificate());
    assertThat(sessions(restarted.authorities()).served(endpoint())).contains(validity(firstIssued));
    assertThat(restarted.problem()).hasValueSatisfying(problem -> assertThat(problem).contains("the TLS Secret does not exist"));
  }

  @Test
  void whileTlsIsTurnedOffTheMountedSecretsCaStillVerifiesTheInstancesAndNothingIsReported() throws Exception {
    cluster.getSpec().getTls().setEnabled(false);
    cluster.getSpec().getTls().setSecretName(null);
    var restarted = new TlsControl("prod/vault", client, new ClusterEvents(client));

    restarted.refresh(cluster, Map.of(INSTANCE, SECRET), now);
    restarted.reload(cluster, Map.of(INSTANCE, endpoint()), Set.of(INSTANCE), sessions(restarted.authorities()));

    assertThat(restarted.authorities()).containsExactly(first.certificate());
    assertThat(restarted.problem()).isEmpty();
    assertThat(events("CertificateInvalid")).isEmpty();
    assertThat(events("CertificateReloaded")).isEmpty();
  }

  @Test
  void plaintextIsForPodsWithoutACertificateWhileTlsIsOnAndForAnyWhileItIsTurnedOff() {
    var pods = List.of(pod("vault-0", "10.0.0.1", true), pod("vault-1", "10.0.0.2", false), pod("vault-2", null, false));
    var servingTls = TlsControl.mountedSecrets(pods).keySet();
    assertThat(servingTls).containsExactly("vault-0");

    assertThat(TlsControl.plaintextHosts(cluster, pods, servingTls))
        .containsExactlyInAnyOrder("10.0.0.2", "vault-1.vault-headless", "vault-2.vault-headless");
    cluster.getSpec().getTls().setEnabled(false);
    assertThat(TlsControl.plaintextHosts(cluster, pods, servingTls)).containsExactlyInAnyOrder("10.0.0.1", "vault-0.vault-headless",
        "10.0.0.2", "vault-1.vault-headless", "vault-2.vault-headless");
  }

  @Test
  void theSchemaControllersVerifyAnInstanceWithTheCaOfTheSecretItsPodMountsAndRefuseAnotherCa() throws Exception {
    var pod = pod(INSTANCE, servers.server(INSTANCE).host, true);
    pod.getMetadata().setNamespace("prod");
    try (var session = new InstanceSessions(client, "pod-ip").open(pod, LocalMariaDb.OPERATOR);
        var rows = session.createStatement().executeQuery("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) {
      rows.next();
      assertThat(rows.getString(2)).as("over TLS").isNotBlank();
    }

    var stranger = CertificateAuthority.create("stranger CA", Instant.now(), Duration.ofDays(1));
    putSecret(Map.of("tls.crt", firstIssued.certificatePem(), "tls.key", firstIssued.keyPem(), "ca.crt", Pem.of(stranger.certificate())));
    assertThatThrownBy(() -> new InstanceSessions(client, "pod-ip").open(pod, LocalMariaDb.OPERATOR).close())
        .isInstanceOf(SQLException.class);
  }

  private static Pod pod(String name, String ip, boolean certificate) {
    var pod = new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().endSpec()
        .withNewStatus().withPodIP(ip).endStatus().build();
    if (certificate) {
      pod.getSpec().getVolumes().add(new VolumeBuilder().withName("tls").withNewSecret().withSecretName(SECRET).endSecret().build());
    }
    return pod;
  }

  private static Endpoint endpoint() {
    return servers.server(INSTANCE).endpoint();
  }

  private static ServedCertificates sessions(List<X509Certificate> authorities) {
    return new ServedCertificates(new Sessions(LocalMariaDb.OPERATOR, Duration.ofSeconds(2), Duration.ofSeconds(5), Sessions.Route.DIRECT)
        .verifyingServersWith(authorities, everyInstanceHasItsCertificate -> false));
  }

  private static ServedCertificates.Validity validity(CertificateAuthority.Issued issued) {
    var leaf = Pem.certificates(issued.certificatePem()).get(0);
    return new ServedCertificates.Validity(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
  }

  /** What a kubelet does with the Secret: the server reads these files when it loads TLS. */
  private static void writeFiles(CertificateAuthority.Issued issued, X509Certificate authority) throws Exception {
    Path tls = LocalMariaDb.tlsDir(dir);
    Files.createDirectories(tls);
    Files.writeString(tls.resolve("tls.crt"), issued.certificatePem());
    Files.writeString(tls.resolve("tls.key"), issued.keyPem());
    Files.writeString(tls.resolve("ca.crt"), Pem.of(authority));
  }

  private void putSecret(Map<String, String> data) {
    var encoded = new LinkedHashMap<String, String>();
    data.forEach((key, value) -> encoded.put(key, Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))));
    client.secrets().inNamespace("prod").resource(new SecretBuilder().withNewMetadata().withName(SECRET).endMetadata()
        .withData(encoded).build()).createOr(existing -> existing.update());
  }

  private List<String> events(String reason) {
    return client.v1().events().inNamespace("prod").list().getItems().stream().filter(event -> reason.equals(event.getReason()))
        .map(Event::getMessage).toList();
  }
}
