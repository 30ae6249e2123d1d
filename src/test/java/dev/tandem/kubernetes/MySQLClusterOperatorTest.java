package dev.tandem.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.api.MySQLCluster;
import dev.tandem.api.Phase;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged operator (Quarkus, JOSDK, leader election) against the Fabric8 mock API server in
 * CRUD mode. The mock has no garbage collector, so ownership is asserted through owner
 * references; the sandbox proves the cascade.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = GrantLeaseAccess.class)
class MySQLClusterOperatorTest {

  static final Duration PATIENCE = Duration.ofSeconds(30);

  @Inject KubernetesClient client;

  String namespace;

  @BeforeEach
  void freshNamespace() {
    namespace = "t-" + UUID.randomUUID().toString().substring(0, 8);
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).create();
  }

  MySQLCluster apply(MySQLCluster cluster) {
    cluster.getMetadata().setNamespace(namespace);
    cluster.getMetadata().setUid(null);
    cluster.getMetadata().setGeneration(null);
    return client.resource(cluster).create();
  }

  MySQLCluster current(String name) {
    return client.resources(MySQLCluster.class).inNamespace(namespace).withName(name).get();
  }

  /** Edits the spec as a user would, retrying when a status write of the operator came first. */
  void editSpec(String name, java.util.function.Consumer<dev.tandem.api.MySQLClusterSpec> change) {
    await().atMost(PATIENCE).ignoreExceptions().until(() -> {
      client.resources(MySQLCluster.class).inNamespace(namespace).withName(name).edit(c -> {
        change.accept(c.getSpec());
        return c;
      });
      return true;
    });
  }

  <T extends HasMetadata> T get(Class<T> type, String name) {
    return client.resources(type).inNamespace(namespace).withName(name).get();
  }

  static void assertOwnedBy(HasMetadata object, MySQLCluster cluster) {
    assertThat(object.getMetadata().getOwnerReferences())
        .as(object.getKind() + " " + object.getMetadata().getName())
        .singleElement()
        .satisfies(
            ref -> {
              assertThat(ref.getUid()).isEqualTo(cluster.getMetadata().getUid());
              assertThat(ref.getKind()).isEqualTo("MySQLCluster");
              assertThat(ref.getController()).isTrue();
            });
    assertThat(object.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/instance", cluster.getMetadata().getName())
        .containsEntry("app.kubernetes.io/managed-by", "tandem");
  }

  @Test
  void aNewClusterGetsEveryObjectItOwnsAndAStatus() {
    var cluster = apply(ClusterFixture.named("shop").mariaDb().dualMaster().build());

    // The dependents are reconciled concurrently: each is awaited (a missing one is null, hence
    // ignoreExceptions), none assumed from another.
    await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> {
      for (var object : List.of(
          get(StatefulSet.class, "shop"),
          get(io.fabric8.kubernetes.api.model.ConfigMap.class, "shop-config"),
          get(Service.class, "shop"),
          get(Service.class, "shop-replicas"),
          get(Service.class, "shop-headless"),
          get(Service.class, "shop-masters"),
          get(PodDisruptionBudget.class, "shop"))) {
        assertOwnedBy(object, cluster);
      }
      var secret = get(io.fabric8.kubernetes.api.model.Secret.class, "shop-credentials");
      assertThat(secret.getData()).containsKeys("root-password", "replication-password", "operator-password", "backup-password");
    });
    await().atMost(PATIENCE).untilAsserted(() -> {
      var status = current("shop").getStatus();
      assertThat(status).isNotNull();
      assertThat(status.getPhase()).isEqualTo(Phase.Provisioning);
      assertThat(status.getReady()).isEqualTo("0/3");
      assertThat(status.getObservedGeneration()).isEqualTo(1L);
      assertThat(status.getEndpoints().masters()).isEqualTo("shop-masters." + namespace + ".svc:3306");
    });
    assertThat(client.resources(Lease.class).inNamespace("tandem-system").withName("tandem-operator-lock").get())
        .as("the Lease that keeps a second operator replica idle")
        .isNotNull();
  }

  @Test
  void aMasterReplicaClusterHasNoMastersService() {
    apply(ClusterFixture.named("solo").instances(1).build());

    // Absence proves something only once a whole pass has run: status records the generation it reconciled.
    await().atMost(PATIENCE).untilAsserted(() -> {
      assertThat(current("solo").getStatus()).isNotNull().extracting(status -> status.getObservedGeneration()).isEqualTo(1L);
      assertThat(get(Service.class, "solo")).isNotNull();
    });
    assertThat(get(Service.class, "solo-masters")).isNull();
  }

  @Test
  void theStatefulSetFollowsInstances() {
    apply(ClusterFixture.named("grow").instances(2).build());
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(get(StatefulSet.class, "grow")).isNotNull());

    editSpec("grow", spec -> spec.setInstances(4));

    await().atMost(PATIENCE).untilAsserted(() -> assertThat(get(StatefulSet.class, "grow").getSpec().getReplicas()).isEqualTo(4));
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(current("grow").getStatus().getReady()).isEqualTo("0/4"));
  }

  @Test
  void anInvalidSpecIsReportedAndLeavesTheRunningClusterUntouched() {
    apply(ClusterFixture.named("bad").instances(2).build());
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(get(StatefulSet.class, "bad")).isNotNull());
    var before = get(StatefulSet.class, "bad");

    // A Secret that does not exist: only the live cluster can tell, so this reaches the operator.
    editSpec("bad", spec -> {
      spec.setInstances(3);
      spec.getCredentials().setSecretName("missing");
    });

    await().atMost(PATIENCE).untilAsserted(() -> {
      var status = current("bad").getStatus();
      assertThat(status.getPhase()).isEqualTo(Phase.Error);
      assertThat(status.getConditions().get(0).getReason()).isEqualTo("InvalidSpec");
      assertThat(status.getConditions().get(0).getMessage()).startsWith("Secret missing (spec.credentials.secretName) does not exist");
    });
    var after = get(StatefulSet.class, "bad");
    assertThat(after.getMetadata().getResourceVersion()).isEqualTo(before.getMetadata().getResourceVersion());
    assertThat(after.getSpec().getReplicas()).isEqualTo(2);
    assertThat(client.v1().events().inNamespace(namespace).list().getItems())
        .anySatisfy(e -> {
          assertThat(e.getReason()).isEqualTo("InvalidSpec");
          assertThat(e.getType()).isEqualTo("Warning");
          assertThat(e.getMessage()).contains("Secret missing");
        });

    client.resource(new SecretBuilder().withNewMetadata().withName("missing").withNamespace(namespace).endMetadata()
        .withStringData(Map.of("root-password", "r", "replication-password", "p", "operator-password", "o", "backup-password", "b")).build()).create();
    // Nothing in the CR changed: the operator looks again by itself while the spec is invalid.
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(get(StatefulSet.class, "bad").getSpec().getReplicas()).isEqualTo(3));
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(current("bad").getStatus().getPhase()).isEqualTo(Phase.Provisioning));
    assertThat(client.v1().events().inNamespace(namespace).list().getItems()).anySatisfy(e -> assertThat(e.getReason()).isEqualTo("SpecAccepted"));
  }

  @Test
  void aReconcileRepairsWhatWasDeletedAndRewritesNothingElse() {
    apply(ClusterFixture.named("calm").instances(3).build());
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(current("calm").getStatus()).isNotNull());
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(get(PodDisruptionBudget.class, "calm")).isNotNull());
    var versions = resourceVersions("calm");
    var pdbVersion = get(PodDisruptionBudget.class, "calm").getMetadata().getResourceVersion();

    client.resources(PodDisruptionBudget.class).inNamespace(namespace).withName("calm").delete();

    await().atMost(PATIENCE).untilAsserted(() -> {
      var pdb = get(PodDisruptionBudget.class, "calm");
      assertThat(pdb).isNotNull();
      assertThat(pdb.getMetadata().getResourceVersion()).isNotEqualTo(pdbVersion);
    });
    assertThat(resourceVersions("calm")).isEqualTo(versions);
  }

  private Map<String, String> resourceVersions(String name) {
    return Map.of(
        "statefulset", get(StatefulSet.class, name).getMetadata().getResourceVersion(),
        "writer", get(Service.class, name).getMetadata().getResourceVersion(),
        "readers", get(Service.class, name + "-replicas").getMetadata().getResourceVersion(),
        "headless", get(Service.class, name + "-headless").getMetadata().getResourceVersion(),
        "config", get(io.fabric8.kubernetes.api.model.ConfigMap.class, name + "-config").getMetadata().getResourceVersion(),
        "secret", get(io.fabric8.kubernetes.api.model.Secret.class, name + "-credentials").getMetadata().getResourceVersion(),
        "cluster", current(name).getMetadata().getResourceVersion());
  }
}
