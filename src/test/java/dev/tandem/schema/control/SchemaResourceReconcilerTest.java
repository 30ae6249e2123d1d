package dev.tandem.schema.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.api.CleanupPolicy;
import dev.tandem.api.MySQLBackupSpec;
import dev.tandem.api.MySQLCluster;
import dev.tandem.api.MySQLClusterStatus;
import dev.tandem.api.MySQLUser;
import dev.tandem.api.MySQLUserSpec;
import dev.tandem.api.SchemaObjectStatus;
import dev.tandem.failover.InstanceSessions;
import dev.tandem.kubernetes.ClusterEvents;
import dev.tandem.kubernetes.ClusterFixture;
import dev.tandem.kubernetes.ClusterNames;
import dev.tandem.kubernetes.CredentialsSecret;
import dev.tandem.testing.LocalMariaDb;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reconciler's decisions, against a stand-in API server and a real mariadbd master: what it
 * waits for, what it refuses, what it reports as drift, what it keeps on deletion.
 */
@EnableKubernetesMockClient(crud = true)
class SchemaResourceReconcilerTest {

  static final String NAMESPACE = "shop-ns";
  KubernetesClient client;
  @TempDir static Path dir;
  static LocalMariaDb servers;
  MySQLUserReconciler reconciler;
  MySQLCluster cluster;

  /** One writable mariadbd for every test; each test's accounts are dropped after it. */
  @BeforeAll
  static void startMaster() throws Exception {
    servers = LocalMariaDb.start(ClusterFixture.named("shop").mariaDb().async().instances(1).build(), dir);
    servers.server("shop-0").asRoot("SET GLOBAL read_only = 0");
  }

  @AfterAll
  static void stopServers() {
    servers.close();
  }

  @BeforeEach
  void describeTheClusterToTheApiServer() {
    cluster = ClusterFixture.named("shop").mariaDb().async().instances(1).build();
    reconciler = new MySQLUserReconciler(client, new ClusterEvents(client), new InstanceSessions(client, "pod-ip"),
        Duration.ofSeconds(30));
    client.pods().inNamespace(NAMESPACE).resource(new PodBuilder().withNewMetadata().withName("shop-0").endMetadata()
        .withNewStatus().withPodIP(servers.server("shop-0").host).endStatus().build()).create();
    secret("app-password", Map.of("password", "app-pw"));
  }

  @AfterEach
  void dropTheAccounts() throws Exception {
    servers.server("shop-0").asRoot("DROP USER IF EXISTS 'app'@'%', 'kept'@'%', 'dropped'@'%'");
  }

  @Test
  void waitsSayingWhyWhileTheClusterIsMissingThenWhileItHasNoAdministrator() {
    reconciler.reconcile(create(user("app", "2026-12-04T10:00:00Z", CleanupPolicy.Delete)), null);
    assertThat(status("app").getMessage()).isEqualTo("MySQLCluster shop not found in namespace shop-ns");

    createCluster(Map.of(CredentialsSecret.ROOT_PASSWORD, "x"));
    reconciler.reconcile(get("app"), null);

    assertThat(status("app").getMessage()).contains("has no admin-password: the cluster has no administrator account");
    assertThat(status("app").ready().orElseThrow().getReason()).isEqualTo("Waiting");
    assertThat(logsIn("app", "app-pw")).isFalse();
  }

  @Test
  void anAccountDroppedByHandIsCreatedAgainAndReportedAsDrift() throws Exception {
    createCluster(Map.of(CredentialsSecret.ADMIN_PASSWORD, LocalMariaDb.ADMIN.password()));
    reconciler.reconcile(create(user("app", "2026-12-04T10:00:00Z", CleanupPolicy.Delete)), null);
    assertThat(status("app").ready().orElseThrow().getStatus()).isEqualTo("True");
    assertThat(status("app").getAppliedOn()).isEqualTo("shop-0");
    servers.server("shop-0").asRoot("DROP USER 'app'@'%'");

    reconciler.reconcile(get("app"), null);

    assertThat(logsIn("app", "app-pw")).isTrue();
    assertThat(eventReasons()).containsExactlyInAnyOrder("Applied", "DriftReverted");
  }

  @Test
  void anotherKeyChangingInTheSecretSetsNothingWhileAnotherPasswordIsSetInPlace() {
    createCluster(Map.of(CredentialsSecret.ADMIN_PASSWORD, LocalMariaDb.ADMIN.password()));
    reconciler.reconcile(create(user("app", "2026-12-04T10:00:00Z", CleanupPolicy.Delete)), null);
    String digest = status("app").getPasswordVersion();

    secret("app-password", Map.of("password", "app-pw", "note", "refreshed by a secret store, same password"));
    reconciler.reconcile(get("app"), null);
    assertThat(status("app").getPasswordVersion()).isEqualTo(digest).startsWith("hmac-sha256:").doesNotContain("app-pw");
    assertThat(eventReasons()).containsExactlyInAnyOrder("Applied");

    secret("app-password", Map.of("password", "new-pw"));
    reconciler.reconcile(get("app"), null);

    assertThat(logsIn("app", "new-pw")).isTrue();
    assertThat(logsIn("app", "app-pw")).isFalse();
    assertThat(status("app").getPasswordVersion()).isNotEqualTo(digest);
    assertThat(eventReasons()).containsExactlyInAnyOrder("Applied", "Applied");
  }

  @Test
  void aSecondResourceForTheSameAccountIsRefusedAndDeletingTheFirstKeepsTheAccountTheSecondStillAsksFor() {
    createCluster(Map.of(CredentialsSecret.ADMIN_PASSWORD, LocalMariaDb.ADMIN.password()));
    create(user("app", "2026-12-04T10:00:00Z", CleanupPolicy.Delete));
    var second = user("app-again", "2026-12-04T11:00:00Z", CleanupPolicy.Delete);
    second.getSpec().setName("app");
    create(second);
    reconciler.reconcile(get("app"), null);

    reconciler.reconcile(get("app-again"), null);
    assertThat(status("app-again").getMessage()).isEqualTo("refused: user 'app'@'%' of cluster shop is already managed by MySQLUser app");

    var deletion = reconciler.cleanup(get("app"), null);

    assertThat(deletion.isRemoveFinalizer()).isTrue();
    assertThat(logsIn("app", "app-pw")).as("the account the second resource still asks for").isTrue();
  }

  @Test
  void deletingDropsTheAccountUnlessRetained() {
    createCluster(Map.of(CredentialsSecret.ADMIN_PASSWORD, LocalMariaDb.ADMIN.password()));
    reconciler.reconcile(create(user("kept", "2026-12-04T10:00:00Z", CleanupPolicy.Retain)), null);
    reconciler.reconcile(create(user("dropped", "2026-12-04T10:00:00Z", CleanupPolicy.Delete)), null);

    assertThat(reconciler.cleanup(get("kept"), null).isRemoveFinalizer()).isTrue();
    assertThat(reconciler.cleanup(get("dropped"), null).isRemoveFinalizer()).isTrue();

    assertThat(logsIn("kept", "app-pw")).isTrue();
    assertThat(logsIn("dropped", "app-pw")).isFalse();
    assertThat(eventReasons()).containsExactlyInAnyOrder("Applied", "Applied", "Retained", "Dropped");
  }

  private MySQLUser user(String name, String created, CleanupPolicy cleanup) {
    var user = new MySQLUser();
    user.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).withGeneration(1L)
        .withCreationTimestamp(created).build());
    var spec = new MySQLUserSpec();
    spec.setClusterRef(new MySQLBackupSpec.ClusterRef("shop"));
    spec.setPasswordSecretKeyRef(new MySQLUserSpec.SecretKeyRef("app-password", "password"));
    spec.setCleanupPolicy(cleanup);
    user.setSpec(spec);
    return user;
  }

  private MySQLUser create(MySQLUser user) {
    return client.resource(user).create();
  }

  private MySQLUser get(String name) {
    return client.resources(MySQLUser.class).inNamespace(NAMESPACE).withName(name).get();
  }

  private SchemaObjectStatus status(String name) {
    return get(name).getStatus();
  }

  private void createCluster(Map<String, String> credentials) {
    cluster.getMetadata().setNamespace(NAMESPACE);
    var status = new MySQLClusterStatus();
    status.setMaster("shop-0");
    cluster.setStatus(status);
    client.resource(cluster).create();
    client.resource(new SecretBuilder().withNewMetadata().withName(ClusterNames.credentialsSecret(cluster)).withNamespace(NAMESPACE)
        .endMetadata().withStringData(credentials).build()).create();
  }

  private void secret(String name, Map<String, String> data) {
    client.resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(NAMESPACE).endMetadata()
        .withStringData(data).build()).createOr(existing -> existing.update());
  }

  private List<String> eventReasons() {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream().map(Event::getReason).toList();
  }

  private boolean logsIn(String user, String password) {
    var endpoint = servers.server("shop-0").endpoint();
    try (var connection = DriverManager.getConnection("jdbc:mysql://" + endpoint.host() + ":" + endpoint.port() + "/", user, password)) {
      return connection.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }
}
