package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.api.MySQLCluster;
import io.fabric8.kubernetes.client.readiness.Readiness;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged operator, as a separate process in a Pod network of its own, against the sandbox:
 * a MySQLCluster applied through the API server becomes the operator's objects and running
 * mariadbd Pods; the operator survives a SIGKILL; deleting the cluster removes everything.
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
    sandbox.api().createNamespace("tandem-system");
    sandbox.api().createNamespace(NS);
    operator = OperatorProcess.start(sandbox);
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

  @Test
  void anAppliedClusterBecomesTheOperatorsObjectsAndRunningPods() throws Exception {
    var cluster = apply();
    var client = sandbox.api().client();

    await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).until(() -> readyPods() == 3);
    assertThat(client.apps().statefulSets().inNamespace(NS).withName("catalog").get()).isNotNull();
    assertThat(client.services().inNamespace(NS).list().getItems()).extracting(s -> s.getMetadata().getName())
        .contains("catalog", "catalog-replicas", "catalog-headless");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      var status = client.resources(MySQLCluster.class).inNamespace(NS).withName("catalog").get().getStatus();
      assertThat(status).isNotNull();
      assertThat(status.getReadyInstances()).isEqualTo(3);
    });

    operator.kill();
    operator.restart();
    client.resource(cluster).delete();

    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
      assertThat(client.apps().statefulSets().inNamespace(NS).list().getItems()).isEmpty();
      assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
    });
  }
}
