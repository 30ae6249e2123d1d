package dev.tandem.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SpecCheckerTest {

  static final SpecChecker.LiveState NOTHING_LIVE = new SpecChecker.LiveState(Optional.empty(), Optional.empty(), false, Optional.empty());

  static SpecChecker.LiveState withSecret(Secret secret) {
    return new SpecChecker.LiveState(Optional.of(secret), Optional.empty(), false, Optional.of(secret));
  }

  @Test
  void aValidSpecHasNoProblems() {
    assertThat(SpecChecker.problems(ClusterFixture.named("shop").mysqld("max_connections", "500").build(), NOTHING_LIVE)).isEmpty();
  }

  @Test
  void aMissingUserSecretIsReportedWithWhatToCreate() {
    var problems = SpecChecker.problems(ClusterFixture.named("shop").userSecret("mine").build(), NOTHING_LIVE);

    assertThat(problems)
        .containsExactly(
            "Secret mine (spec.credentials.secretName) does not exist in namespace prod: create it with the keys"
                + " root-password, replication-password, operator-password, backup-password, or remove spec.credentials to let Tandem generate one");
  }

  @Test
  void aUserSecretLackingAKeyNamesTheKey() {
    var secret = new SecretBuilder().withStringData(Map.of("root-password", "x", "operator-password", "y")).build();

    var problems = SpecChecker.problems(ClusterFixture.named("shop").userSecret("mine").build(), withSecret(secret));

    assertThat(problems).singleElement().asString().contains("lacks the key(s) replication-password");
  }

  @Test
  void theExporterNeedsASecretWithItsPasswordForTheAccountToExist() {
    var cluster = ClusterFixture.named("shop").build();
    cluster.getSpec().getMonitoring().getExporter().setEnabled(true);
    var old = new SecretBuilder().withNewMetadata().withName("shop-credentials").endMetadata()
        .withStringData(Map.of("root-password", "x")).build();
    var current = new SecretBuilder(old).addToStringData("exporter-password", "e").build();
    var generatedOnly = new SpecChecker.LiveState(Optional.empty(), Optional.empty(), true, Optional.of(old));

    assertThat(SpecChecker.problems(cluster, generatedOnly)).singleElement().asString()
        .startsWith("spec.monitoring.exporter.enabled: Secret shop-credentials has no exporter-password");
    assertThat(SpecChecker.problems(cluster, new SpecChecker.LiveState(Optional.empty(), Optional.empty(), true, Optional.of(current))))
        .isEmpty();
    assertThat(SpecChecker.problems(cluster, NOTHING_LIVE)).as("a new cluster's Secret is generated with it").isEmpty();
    cluster.getSpec().getMonitoring().getExporter().setEnabled(false);
    assertThat(SpecChecker.problems(cluster, generatedOnly)).isEmpty();
  }

  @Test
  void ownedSettingsAreRefusedInEverySpellingMysqldAccepts() {
    var cluster =
        ClusterFixture.named("shop").mysqld("server-id", "3").mysqld("loose_gtid_mode", "OFF").mysqld("skip-slave-start", "OFF").build();

    var problems = SpecChecker.problems(cluster, NOTHING_LIVE);

    assertThat(problems)
        .anySatisfy(p -> assertThat(p).startsWith("spec.mysqld.server-id changes server_id"))
        .anySatisfy(p -> assertThat(p).startsWith("spec.mysqld.loose_gtid_mode changes gtid_mode"))
        .anySatisfy(p -> assertThat(p).startsWith("spec.mysqld.skip-slave-start changes skip_slave_start"));
  }

  @Test
  void aSettingCannotSmuggleAnotherLineIntoMyCnf() {
    var problems =
        SpecChecker.problems(ClusterFixture.named("shop").mysqld("max_connections", "5\nread_only=OFF").mysqld("x]\n[client", "1").build(), NOTHING_LIVE);

    assertThat(problems)
        .anySatisfy(p -> assertThat(p).isEqualTo("spec.mysqld.max_connections must be a single-line value"))
        .anySatisfy(p -> assertThat(p).contains("is not a mysqld option name"));
  }

  @Test
  void podLabelsCannotTakeTheSelectorsKeys() {
    var cluster = ClusterFixture.named("shop").build();
    cluster.getSpec().getPod().getLabels().put("mysql.tandem.dev/role", "master");

    assertThat(SpecChecker.problems(cluster, NOTHING_LIVE)).singleElement().asString().contains("spec.pod.labels.mysql.tandem.dev/role");
  }

  @Test
  void aMissingTlsSecretIsReportedBeforeAnyPodWaitsForIt() {
    var cluster = ClusterFixture.named("shop").tls(false).build();
    cluster.getSpec().getTls().setSecretName("shop-cert");

    assertThat(SpecChecker.problems(cluster, NOTHING_LIVE)).singleElement().asString()
        .contains("Secret shop-cert (spec.tls.secretName) does not exist in namespace prod", "cert-manager");
  }

  @Test
  void aTlsSecretWhoseCertificateItsCaDoesNotSignIsRefusedUntilTheInstancesMountIt() {
    var cluster = ClusterFixture.named("shop").tls(false).build();
    cluster.getSpec().getTls().setSecretName("shop-cert");
    var now = java.time.Instant.now();
    var ca = dev.tandem.tls.CertificateAuthority.create("mine", now, java.time.Duration.ofDays(30));
    var issued = ca.issue("shop", java.util.List.of("shop"), java.util.List.of(), now, java.time.Duration.ofDays(10));
    var wrongCa = dev.tandem.tls.Pem.of(dev.tandem.tls.CertificateAuthority.create("other", now, java.time.Duration.ofDays(30)).certificate());
    var secret = new SecretBuilder().withStringData(Map.of("tls.crt", issued.certificatePem(), "tls.key", issued.keyPem(), "ca.crt", wrongCa)).build();

    assertThat(SpecChecker.problems(cluster, new SpecChecker.LiveState(Optional.empty(), Optional.empty(), false, Optional.empty(), Optional.of(secret), false)))
        .singleElement().asString().contains("Secret shop-cert (spec.tls.secretName): the certificate in tls.crt", "does not verify");
    // Once mounted, a bad rotation is the control loop's to report: failover must go on.
    assertThat(SpecChecker.problems(cluster, new SpecChecker.LiveState(Optional.empty(), Optional.empty(), true, Optional.empty(), Optional.of(secret), true)))
        .isEmpty();
  }
}
