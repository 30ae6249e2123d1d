package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.api.MySQLCluster;
import dev.tandem.kubernetes.ClusterNames;
import dev.tandem.kubernetes.ConfigMapDependent;
import io.fabric8.kubernetes.client.readiness.Readiness;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged operator, as a separate process in a Pod network of its own, against the sandbox:
 * a MySQLCluster applied through the API server becomes the operator's objects and running
 * mariadbd Pods, and deleting it removes everything; an operator restarted after a SIGKILL
 * reconciles a change made to the cluster while it was down. The operator is installed as the
 * chart installs it with {@code watchNamespaces: [prod]} (a Role there, no ClusterRole; the
 * scenarios run with every namespace), and the API server refuses it nothing.
 */
class OperatorInSandboxIT {

  static final String NS = "prod";

  @TempDir Path dir;
  Sandbox sandbox;
  OperatorProcess operator;

  @BeforeEach
  void startSandboxAndOperator() throws Exception {
    Sandbox.assumeRoot();
    sandbox = Sandbox.start(dir.resolve("sandbox"), Duration.ofSeconds(1));
    operator = OperatorProcess.start(sandbox, List.of(NS));
  }

  @AfterEach
  void theChartGrantedEverythingTheOperatorAsked() {
    if (operator != null) {
      assertThat(PermissionUse.denied(sandbox, operator)).as("requests the API server refused the operator: the chart lacks them").isEmpty();
    }
  }

  @AfterEach
  void stop() throws Exception {
    if (operator != null) {
      operator.close();
      var log = Files.readAllLines(operator.log());
      System.out.println("operator log (last 40 lines):\n" + String.join("\n", log.subList(Math.max(0, log.size() - 40), log.size())));
    }
    if (sandbox != null) {
      sandbox.close();
    }
  }

  MySQLCluster apply() throws Exception {
    var cluster = Serialization.unmarshal(Files.readString(Path.of("manifests/examples/mariadb-master-replica.yaml")), MySQLCluster.class);
    cluster.getMetadata().setNamespace(NS);
    cluster.getSpec().getMysqld().put("innodb_buffer_pool_size", "32M");
    return sandbox.api().client().resource(cluster).create();
  }

  long readyPods() {
    return sandbox.api().client().pods().inNamespace(NS).list().getItems().stream()
        .filter(Readiness::isPodReady)
        .count();
  }

  void awaitReady(MySQLCluster cluster) {
    await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).until(() -> readyPods() == 3);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      var status = current(cluster).getStatus();
      assertThat(status).isNotNull();
      assertThat(status.getReadyInstances()).isEqualTo(3);
    });
  }

  MySQLCluster current(MySQLCluster cluster) {
    return sandbox.api().client().resources(MySQLCluster.class).inNamespace(NS).withName(cluster.getMetadata().getName()).get();
  }

  String myCnf(MySQLCluster cluster) {
    return sandbox.api().client().configMaps().inNamespace(NS).withName(ClusterNames.configMap(cluster)).get().getData()
        .get(ConfigMapDependent.MY_CNF);
  }

  @Test
  void anAppliedClusterBecomesTheOperatorsObjectsAndRunningPodsWhichDeletingItRemoves() throws Exception {
    var cluster = apply();
    var client = sandbox.api().client();

    awaitReady(cluster);
    assertThat(client.apps().statefulSets().inNamespace(NS).withName("catalog").get()).isNotNull();
    assertThat(client.services().inNamespace(NS).list().getItems()).extracting(s -> s.getMetadata().getName())
        .contains("catalog", "catalog-replicas", "catalog-headless");

    client.resource(cluster).delete();

    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
      assertThat(client.apps().statefulSets().inNamespace(NS).list().getItems()).isEmpty();
      assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
    });
  }

  @Test
  void anOperatorRestartedAfterASigkillReconcilesAChangeMadeWhileItWasDown() throws Exception {
    var cluster = apply();
    var client = sandbox.api().client();
    awaitReady(cluster);

    operator.kill();
    var changed = client.resources(MySQLCluster.class).inNamespace(NS).withName("catalog")
        .edit(c -> {
          c.getSpec().getMysqld().put("max_connections", "77");
          return c;
        });
    // Nobody but the operator renders my.cnf: while it is down the change stays unapplied.
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> !myCnf(cluster).contains("max_connections = 77"));
    assertThat(current(cluster).getStatus().getObservedGeneration()).isLessThan(changed.getMetadata().getGeneration());

    operator.restart();

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      assertThat(myCnf(cluster)).contains("max_connections = 77");
      assertThat(current(cluster).getStatus().getObservedGeneration()).isEqualTo(changed.getMetadata().getGeneration());
    });
  }

  @Test
  void kubectlTandemShowsTheTopologySwitchesOverBacksUpRestoresRunsSqlAndTellsTheHistory() throws Exception {
    var cluster = apply();
    var client = sandbox.api().client();
    client.persistentVolumeClaims().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder()
        .withNewMetadata().withName("backups").endMetadata().withNewSpec().withAccessModes("ReadWriteOnce")
        .withNewResources().addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi")).endResources().endSpec().build())
        .create();
    awaitReady(cluster);
    await().atMost(Duration.ofSeconds(30)).until(() -> plugin("status", "catalog").contains("catalog-1  Replica  true   true"));

    String status = plugin("status");
    assertThat(status).contains("catalog: MasterReplica MariaDB 10.11, Ready, master catalog-0")
        .containsPattern("POD +ROLE +READY +READ_ONLY +REPLICATING +LAG +GTID")
        .containsPattern("catalog-0 +Master +true +false");

    String switchover = plugin("switchover", "catalog", "--to", "catalog-2");
    assertThat(switchover).containsPattern("switchover catalog-0 -> catalog-2 done in \\d+ ms");
    assertThat(current(cluster).getStatus().getMaster()).isEqualTo("catalog-2");
    assertThat(client.pods().inNamespace(NS).withName("catalog-2").get().getMetadata().getLabels())
        .containsEntry(dev.tandem.kubernetes.ClusterLabels.ROLE, "master");

    assertThat(plugin("sql", "catalog-2", "-e", "CREATE DATABASE plugin_check; CREATE TABLE plugin_check.t (id INT PRIMARY KEY);"
        + " INSERT INTO plugin_check.t VALUES (42); SELECT @@hostname IS NOT NULL AS connected, @@read_only AS ro"))
        .contains("connected\tro").contains("1\t0");

    String backup = plugin("backup", "catalog", "--pvc", "backups", "--name", "catalog-by-plugin", "--wait");
    assertThat(backup).containsPattern("backup catalog-by-plugin Completed from catalog-[01]: \\d+ bytes at pvc://backups/");

    String restore = plugin("restore", "--from", "catalog-by-plugin", "--as", "catalog-copy", "--instances", "1", "--wait");
    assertThat(restore).contains("cluster catalog-copy created from backup catalog-by-plugin, shaped like catalog")
        .containsPattern("cluster catalog-copy Ready, master catalog-copy-\\d");
    assertThat(plugin("sql", "catalog-copy-0", "-e", "SELECT id FROM plugin_check.t")).contains("42");

    String history = plugin("history", "catalog");
    assertThat(history).containsPattern("Normal +Switchover +.*catalog-0.*catalog-2")
        .containsPattern("status.lastFailover: Switchover catalog-0 -> catalog-2, .* \\d+ ms");

    assertThat(plugin("reseed", "catalog", "catalog-1")).contains("asked to re-seed catalog-1 of catalog");
    await().atMost(Duration.ofSeconds(30)).until(() -> plugin("history", "catalog", "--all").contains("Reseeding"));
    assertThat(plugin("status", "catalog", "-n", NS)).as("-n after the command").contains("catalog: MasterReplica");

    String adminPassword = dev.tandem.kubernetes.CredentialsSecret.value(client.secrets().inNamespace(NS)
        .withName(dev.tandem.kubernetes.ClusterNames.credentialsSecret(cluster)).get(), dev.tandem.kubernetes.CredentialsSecret.ADMIN_PASSWORD)
        .orElseThrow();
    assertThat(printed).as("everything kubectl tandem printed").doesNotContain(adminPassword);

    var refusal = new java.io.StringWriter();
    int exit = dev.tandem.plugin.TandemPlugin.run(client, new java.io.PrintWriter(new java.io.StringWriter()), new java.io.PrintWriter(refusal),
        "-n", NS, "switchover", "catalog", "--to", "catalog-7");
    assertThat(exit).isEqualTo(1);
    assertThat(refusal.toString()).contains("error: catalog-7 is not an instance of catalog (catalog-0 … catalog-2)");
  }

  final StringBuilder printed = new StringBuilder();

  /** One {@code kubectl tandem} command in namespace prod, as the sandbox's administrator; its output, failing on a non-zero exit. */
  String plugin(String... args) {
    var out = new java.io.StringWriter();
    var err = new java.io.StringWriter();
    var line = new java.util.ArrayList<>(List.of("-n", NS));
    line.addAll(List.of(args));
    int exit = dev.tandem.plugin.TandemPlugin.run(sandbox.api().client(), new java.io.PrintWriter(out), new java.io.PrintWriter(err),
        line.toArray(String[]::new));
    System.out.println("kubectl tandem " + String.join(" ", args) + "\n" + out + err);
    printed.append(out).append(err);
    assertThat(exit).as("kubectl tandem " + String.join(" ", args) + ": " + err).isZero();
    return out.toString();
  }
}
