package dev.tandem.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.api.StorageSpec;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.HashSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OwnedObjectsTest {

  @Test
  void thePdbLetsADrainTakeOneInstanceAtATime() {
    var pdb = PodDisruptionBudgetDependent.desiredFor(ClusterFixture.named("shop").build());

    assertThat(pdb.getMetadata().getName()).isEqualTo("shop");
    assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(pdb.getSpec().getSelector().getMatchLabels()).containsEntry("app.kubernetes.io/instance", "shop");
  }

  @Test
  void theConfigMapCarriesMyCnfAndTheContainerScripts() {
    var config = ConfigMapDependent.desiredFor(ClusterFixture.named("shop").mariaDb().build());

    assertThat(config.getMetadata().getName()).isEqualTo("shop-config");
    assertThat(config.getData()).containsKeys("my.cnf", "init.sh", "probe.sh");
    assertThat(config.getData().get("my.cnf")).contains("init_rpl_role = SLAVE");
    assertThat(config.getData().get("init.sh")).contains("auto_increment_offset", "gtid_domain_id", "server_id");
  }

  @Test
  void generatedPasswordsAreStrongAndDifferent() {
    var secret = CredentialsSecret.generate(ClusterFixture.named("shop").build());

    assertThat(secret.getMetadata().getName()).isEqualTo("shop-credentials");
    assertThat(secret.getData()).containsOnlyKeys("root-password", "replication-password", "operator-password", "backup-password",
        "admin-password", "exporter-password");
    var passwords = secret.getData().values().stream().map(v -> new String(java.util.Base64.getDecoder().decode(v))).toList();
    assertThat(passwords).allSatisfy(p -> assertThat(p).hasSize(32).matches("[A-Za-z0-9]+"));
    assertThat(new HashSet<>(passwords)).hasSize(6);
  }

  @Test
  void theGeneratedSecretOutlivesTheClusterWhileItsVolumesDo() {
    var retained = CredentialsSecret.generate(ClusterFixture.named("shop").build());
    var cluster = ClusterFixture.named("shop").build();
    cluster.getSpec().getStorage().getRetention().setWhenDeleted(StorageSpec.RetentionPolicy.Delete);
    var deletedWithCluster = CredentialsSecret.generate(cluster);

    assertThat(retained.getMetadata().getOwnerReferences()).isEmpty();
    assertThat(deletedWithCluster.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(ref -> assertThat(ref.getUid()).isEqualTo("uid-shop"));
  }

  @Test
  void aSecretMissingOrEmptyKeysIsReported() {
    var secret = new SecretBuilder().withData(Map.of("root-password", "c2VjcmV0", "operator-password", "")).build();

    assertThat(CredentialsSecret.missingKeys(secret)).containsExactly("replication-password", "operator-password", "backup-password");
  }

  @Test
  void theDesiredHashChangesWithTheSpecAndOnlyWithIt() {
    var first = DesiredObjectDependent.withDesiredHash(ServiceDependents.writer(ClusterFixture.named("shop").build()));
    var again = DesiredObjectDependent.withDesiredHash(ServiceDependents.writer(ClusterFixture.named("shop").build()));
    var cluster = ClusterFixture.named("shop").build();
    cluster.getSpec().getService().getAnnotations().put("a", "b");
    var changed = DesiredObjectDependent.withDesiredHash(ServiceDependents.writer(cluster));

    String hash = first.getMetadata().getAnnotations().get(DesiredObjectDependent.DESIRED_HASH);
    assertThat(again.getMetadata().getAnnotations()).containsEntry(DesiredObjectDependent.DESIRED_HASH, hash);
    assertThat(changed.getMetadata().getAnnotations().get(DesiredObjectDependent.DESIRED_HASH)).isNotEqualTo(hash);
  }
}
