package dev.tandem.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.api.FailoverRecord;
import dev.tandem.api.MySQLCluster;
import dev.tandem.kubernetes.ClusterNames;
import dev.tandem.kubernetes.CredentialsSecret;
import dev.tandem.kubernetes.MyCnf;
import dev.tandem.kubernetes.StatefulSetDependent;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.testcontainers.k3s.K3sContainer;

/**
 * The operator against a real cluster (K3s) and the official images: create → Ready → writes →
 * delete the master's Pod → the master moves → writes resume with nothing lost, then a planned
 * switchover. The operator runs outside the cluster, as its packaged application, and reaches
 * mysqld by port-forward ({@code tandem.instance-access=port-forward}); the test writes through a
 * port-forward of the writer Service, reopened after every failure as a reconnecting client would.
 * Then backups of both methods, restored into new clusters, and every MySQL example under
 * manifests/examples applied as shipped (the sandbox runs mariadbd only). Needs a Docker engine
 * that can pull the images; skipped with the reason printed elsewhere.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class K3sFailoverIT {

  private static final Path APPLICATION = Path.of("target/quarkus-app/quarkus-run.jar");
  private static final Path WORK = Path.of("target/k3s");

  private K3sContainer k3s;
  private KubernetesClient client;
  private Process operator;
  private Path operatorLog;

  @BeforeAll
  void startK3sAndTheOperator() throws Exception {
    k3s = K3s.startOrSkip("K3sFailoverIT");
    assertThat(APPLICATION).as("the packaged operator (./mvnw package)").isRegularFile();
    client = K3s.client(k3s);
    K3s.installCrds(client);
    Files.createDirectories(WORK);
    var kubeconfig = Files.writeString(WORK.resolve("kubeconfig"), k3s.getKubeConfigYaml());
    operatorLog = WORK.resolve("operator.log");
    var java = ProcessHandle.current().info().command().orElse("java");
    var builder = new ProcessBuilder(java, "-jar", APPLICATION.toAbsolutePath().toString())
        .redirectErrorStream(true).redirectOutput(operatorLog.toFile());
    builder.environment().put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
    builder.environment().put("TANDEM_INSTANCE_ACCESS", "port-forward");
    builder.environment().put("TANDEM_LEADER_ELECTION_LEASE_NAMESPACE", "default");
    builder.environment().put("QUARKUS_HTTP_PORT", "0");
    operator = builder.start();
  }

  @AfterAll
  void stopEverything() {
    if (operator != null) {
      operator.destroy();
    }
    if (client != null) {
      client.close();
    }
    if (k3s != null) {
      k3s.stop();
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"MySQL, 8.4", "MariaDB, 11.4"})
  void theMasterMovesOnPodDeletionAndOnSwitchoverWithoutLosingAWrite(String flavor, String version) throws Exception {
    String namespace = "e2e-" + flavor.toLowerCase();
    client.resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).serverSideApply();
    client.resource(client.getKubernetesSerialization().unmarshal("""
        apiVersion: mysql.tandem.dev/v1alpha1
        kind: MySQLCluster
        metadata: {name: shop, namespace: %s}
        spec:
          instances: 3
          engine: {flavor: %s, version: "%s"}
          storage: {size: 1Gi}
          failover: {priority: [shop-1, shop-2]}
        """.formatted(namespace, flavor, version), MySQLCluster.class)).create();

    // Image pulls dominate the first start.
    var ready = await(Duration.ofMinutes(10), "cluster Ready", () -> readyCluster(namespace, "shop"));
    String firstMaster = ready.getStatus().getMaster();
    createAppAccount(ready, firstMaster);

    try (var writes = new ServiceWrites(client, namespace, ClusterNames.writerService(ready))) {
      writes.start();
      await(Duration.ofMinutes(2), "first writes acknowledged", () -> Optional.of(writes.acknowledged()).filter(n -> n >= 50));

      var deletedAt = Instant.now();
      client.pods().inNamespace(namespace).withName(firstMaster).delete();
      var moved = await(Duration.ofMinutes(3), "a new master recorded", () -> cluster(namespace)
          .map(c -> c.getStatus().getLastFailover())
          .filter(change -> firstMaster.equals(change.from()) && change.finishedAt() != null));
      int before = writes.acknowledged();
      await(Duration.ofMinutes(2), "writes resumed", () -> Optional.of(writes.acknowledged()).filter(n -> n >= before + 50));
      System.out.printf("K3s %s: master %s -> %s (%s, %s ms), writes resumed %d ms after the Pod deletion%n", flavor,
          moved.from(), moved.to(), moved.type(), moved.durationMillis(), Duration.between(deletedAt, writes.lastGapEnd()).toMillis());
      assertThat(moved.to()).isNotEqualTo(firstMaster);

      String target = List.of("shop-0", "shop-1", "shop-2").stream()
          .filter(name -> !name.equals(moved.to())).findFirst().orElseThrow();
      client.resources(MySQLCluster.class).inNamespace(namespace).withName("shop")
          .edit(c -> {
            c.getSpec().setMaster(target);
            return c;
          });
      FailoverRecord switchover = await(Duration.ofMinutes(3), "switchover to " + target, () -> cluster(namespace)
          .map(c -> c.getStatus().getLastFailover())
          .filter(change -> "Switchover".equals(change.type()) && target.equals(change.to()) && change.finishedAt() != null));
      int afterSwitchover = writes.acknowledged();
      await(Duration.ofMinutes(2), "writes through the new master", () -> Optional.of(writes.acknowledged()).filter(n -> n >= afterSwitchover + 50));
      writes.stop();
      System.out.printf("K3s %s: switchover %s -> %s in %s ms; %d writes acknowledged%n", flavor,
          switchover.from(), switchover.to(), switchover.durationMillis(), writes.acknowledged());

      Set<Long> acknowledged = writes.ids();
      for (String instance : List.of("shop-0", "shop-1", "shop-2")) {
        var rows = await(Duration.ofMinutes(2), "every acknowledged write on " + instance, () -> {
          var found = writes.rowsOn(instance);
          return found.containsAll(acknowledged) ? Optional.of(found) : Optional.empty();
        });
        assertThat(rows).containsAll(acknowledged);
      }
    }
  }

  /**
   * The MySQL branches of backup.sh and the restore run nowhere else: no MySQL server exists on
   * the development machines. A logical and a physical backup (mariadb-backup; MySQL's clone
   * plugin) of a cluster with acknowledged writes, each restored into a new cluster that must
   * hold exactly those rows. On a volume claim: the operator image, which moves backups to S3,
   * is not in this cluster (the operator runs outside it).
   */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"MySQL, 8.4", "MariaDB, 11.4"})
  void aLogicalAndAPhysicalBackupRestoreIntoNewClustersWithExactlyTheWrites(String flavor, String version) throws Exception {
    String namespace = "backup-" + flavor.toLowerCase();
    client.resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).serverSideApply();
    client.resource(client.getKubernetesSerialization().unmarshal("""
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: backups, namespace: %s}
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 2Gi}}
        """.formatted(namespace), io.fabric8.kubernetes.api.model.PersistentVolumeClaim.class)).create();
    client.resource(client.getKubernetesSerialization().unmarshal(CLUSTER.formatted("shop", namespace, flavor, version, ""),
        MySQLCluster.class)).create();
    var ready = await(Duration.ofMinutes(10), "cluster Ready", () -> readyCluster(namespace, "shop"));
    createAppAccount(ready, ready.getStatus().getMaster());
    Set<Long> written;
    try (var writes = new ServiceWrites(client, namespace, ClusterNames.writerService(ready))) {
      writes.start();
      await(Duration.ofMinutes(2), "writes acknowledged", () -> Optional.of(writes.acknowledged()).filter(n -> n >= 200));
      writes.stop();
      written = writes.ids();
    }
    for (String method : List.of("Logical", "Physical")) {
      String backup = "shop-" + method.toLowerCase();
      client.resource(client.getKubernetesSerialization().unmarshal("""
          apiVersion: mysql.tandem.dev/v1alpha1
          kind: MySQLBackup
          metadata: {name: %s, namespace: %s}
          spec:
            clusterRef: {name: shop}
            method: %s
            storage: {pvc: {claimName: backups}}
          """.formatted(backup, namespace, method), dev.tandem.api.MySQLBackup.class)).create();
      var done = await(Duration.ofMinutes(10), "backup " + backup, () -> Optional.ofNullable(
          client.resources(dev.tandem.api.MySQLBackup.class).inNamespace(namespace).withName(backup).get())
          .filter(b -> b.getStatus() != null && b.getStatus().isFinished()));
      assertThat(done.getStatus().getPhase()).as(done.getStatus().getMessage()).isEqualTo(dev.tandem.api.MySQLBackupStatus.BackupPhase.Completed);
      System.out.printf("K3s %s: %s backup from %s at GTID position '%s', %d bytes%n", flavor, method, done.getStatus().getSource(),
          done.getStatus().getGtidPosition(), done.getStatus().getSizeBytes());

      String copy = "copy-" + method.toLowerCase();
      client.resource(client.getKubernetesSerialization().unmarshal(CLUSTER.formatted(copy, namespace, flavor, version,
          "bootstrap: {from: {backup: " + backup + "}}"), MySQLCluster.class)).create();
      var restored = await(Duration.ofMinutes(10), "restored cluster " + copy + " Ready", () -> readyCluster(namespace, copy));
      try (var reader = new ServiceWrites(client, namespace, ClusterNames.writerService(restored))) {
        for (String instance : List.of(copy + "-0", copy + "-1")) {
          var rows = await(Duration.ofMinutes(2), "the backup's rows on " + instance, () -> {
            var found = reader.rowsOn(instance);
            return found.equals(written) ? Optional.of(found) : Optional.empty();
          });
          assertThat(rows).isEqualTo(written);
        }
      }
    }
  }

  /** The MySQL examples outside production/: the sandbox runs mariadbd only, so ExamplesIT admits them and this runs them. */
  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> mysqlExamples() {
    return dev.tandem.testing.Example.all().stream()
        .filter(example -> !example.isProduction())
        .filter(example -> example.ofKind("MySQLCluster").stream().anyMatch(c -> "MySQL".equals(dev.tandem.testing.Example.flavor(c))))
        .map(example -> org.junit.jupiter.params.provider.Arguments.of(example.name(), example));
  }

  @ParameterizedTest(name = "{0}, as shipped, becomes Ready")
  @org.junit.jupiter.params.provider.MethodSource("mysqlExamples")
  void aMySqlExampleAsShippedBecomesReady(String name, dev.tandem.testing.Example example) throws Exception {
    String namespace = "example-" + name.replaceAll("\\.yaml$", "").replaceAll("[^a-z0-9]+", "-");
    client.resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).serverSideApply();
    for (var object : example.objects()) {
      var resource = client.getKubernetesSerialization().unmarshal(object.toString(), io.fabric8.kubernetes.api.model.GenericKubernetesResource.class);
      resource.getMetadata().setNamespace(namespace);
      client.resource(resource).create();
    }
    for (var cluster : example.ofKind("MySQLCluster")) {
      String clusterName = cluster.at("/metadata/name").asText();
      var ready = await(Duration.ofMinutes(10), name + ": " + clusterName + " Ready", () -> readyCluster(namespace, clusterName));
      System.out.printf("K3s example %s: %s Ready, master %s%n", name, clusterName, ready.getStatus().getMaster());
    }
    // One example's Pods at a time on the K3s node.
    client.namespaces().withName(namespace).delete();
    await(Duration.ofMinutes(3), "namespace " + namespace + " gone",
        () -> client.namespaces().withName(namespace).get() == null ? Optional.of(true) : Optional.empty());
  }

  private static final String CLUSTER = """
      apiVersion: mysql.tandem.dev/v1alpha1
      kind: MySQLCluster
      metadata: {name: %s, namespace: %s}
      spec:
        instances: 2
        engine: {flavor: %s, version: "%s"}
        storage: {size: 1Gi}
        %s
      """;

  private Optional<MySQLCluster> readyCluster(String namespace, String name) {
    return cluster(namespace, name)
        .filter(c -> c.getStatus() != null && c.getStatus().getMaster() != null)
        .filter(c -> c.getStatus().getConditions().stream().anyMatch(x -> "Ready".equals(x.getType()) && "True".equals(x.getStatus())));
  }

  private Optional<MySQLCluster> cluster(String namespace) {
    return cluster(namespace, "shop");
  }

  private Optional<MySQLCluster> cluster(String namespace, String name) {
    return Optional.ofNullable(client.resources(MySQLCluster.class).inNamespace(namespace).withName(name).get());
  }

  /** Root exists for localhost only: the application's account is created inside the master's container. */
  private void createAppAccount(MySQLCluster cluster, String master) throws Exception {
    var secret = client.secrets().inNamespace(cluster.getMetadata().getNamespace()).withName(ClusterNames.credentialsSecret(cluster)).get();
    String rootPassword = new String(Base64.getDecoder().decode(secret.getData().get(CredentialsSecret.ROOT_PASSWORD)), StandardCharsets.UTF_8);
    String sql = "CREATE DATABASE app; CREATE TABLE app.writes (id BIGINT PRIMARY KEY); "
        + "CREATE USER '" + ServiceWrites.USER + "'@'%' IDENTIFIED BY '" + ServiceWrites.PASSWORD + "'; "
        + "GRANT ALL ON app.* TO '" + ServiceWrites.USER + "'@'%'";
    var output = new ByteArrayOutputStream();
    try (var exec = client.pods().inNamespace(cluster.getMetadata().getNamespace()).withName(master)
        .inContainer(StatefulSetDependent.MYSQLD_CONTAINER).writingOutput(output).writingError(output)
        .exec("bash", "-c", "MYSQL_PWD=\"$1\" exec \"$(command -v mariadb || command -v mysql)\" --socket="
            + MyCnf.RUN_DIR + "/mysqld.sock -uroot -e \"$2\"", "create-app-account", rootPassword, sql)) {
      int exit = exec.exitCode().get(2, TimeUnit.MINUTES);
      assertThat(exit).as("creating the application account: %s", output).isZero();
    }
  }

  private <T> T await(Duration timeout, String what, Supplier<Optional<T>> probe) throws Exception {
    var deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      var value = probe.get();
      if (value.isPresent()) {
        return value.get();
      }
      if (!operator.isAlive()) {
        throw new AssertionError("the operator exited (" + operator.exitValue() + ") while waiting for " + what + "; log:\n" + logTail());
      }
      Thread.sleep(500);
    }
    throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; operator log:\n" + logTail());
  }

  private String logTail() throws Exception {
    var lines = Files.readAllLines(operatorLog);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }
}
