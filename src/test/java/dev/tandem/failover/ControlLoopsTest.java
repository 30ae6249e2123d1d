package dev.tandem.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.api.FailoverRecord;
import dev.tandem.api.MySQLCluster;
import dev.tandem.api.MySQLClusterStatus;
import dev.tandem.kubernetes.ClusterControl;
import dev.tandem.kubernetes.ClusterEvents;
import dev.tandem.sandbox.SandboxApiServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which control loop runs for which cluster, against the sandbox's API server. */
class ControlLoopsTest {

  static final String NS = "prod";

  SandboxApiServer api;
  ControlLoops loops;
  /** The last cluster created: the cache still shows it while a deletion has not reached the operator. */
  final AtomicReference<MySQLCluster> cached = new AtomicReference<>();

  @BeforeEach
  void start() {
    api = SandboxApiServer.start(InetAddress.getLoopbackAddress(), 0);
    api.createNamespace(NS);
    loops = new ControlLoops(api.client(), new ClusterEvents(api.client()), new FailoverMetrics(new SimpleMeterRegistry()), "pod-ip");
  }

  @AfterEach
  void stop() {
    loops.onStop(null);
    api.close();
  }

  @Test
  void aClusterCreatedAgainUnderADeletedOnesNameGetsALoopOfItsOwnThatCarriesNothingOfTheOldOne() throws Exception {
    var first = create();
    // The first cluster was mid-failover: its loop resumes that change and records shop-1 as master.
    first.setStatus(new MySQLClusterStatus());
    first.getStatus().setMaster("shop-1");
    first.getStatus().setLastFailover(new FailoverRecord("Failover", "shop-0", "shop-1", Instant.now().toString(), null, null,
        "master shop-0 failed"));
    first = api.client().resource(first).updateStatus();
    reconciled(first);
    String firstUid = first.getMetadata().getUid();
    await().atMost(Duration.ofSeconds(20)).until(() -> current().getStatus().getConditions().stream()
        .anyMatch(c -> c.getType().equals("FailoverInProgress")));

    api.client().resource(first).delete();
    var second = create();
    assertThat(second.getMetadata().getUid()).isNotEqualTo(firstUid);
    reconciled(second);

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      var status = current().getStatus();
      assertThat(status).as("the second cluster's status, written by a loop").isNotNull();
      assertThat(status.getConditions()).extracting(c -> c.getType()).contains("FailoverInProgress");
      assertThat(status.getMaster()).as("master").isNull();
      assertThat(status.getLastFailover()).as("last failover").isNull();
    });
    assertThat(loopThreads()).as("control loops running for prod/shop").isEqualTo(1);
  }

  MySQLCluster create() throws Exception {
    var cluster = Serialization.unmarshal(Files.readString(Path.of("manifests/examples/mariadb-master-replica.yaml")), MySQLCluster.class);
    cluster.getMetadata().setName("shop");
    var created = api.client().resource(cluster).inNamespace(NS).create();
    cached.set(created);
    return created;
  }

  MySQLCluster current() {
    return api.client().resources(MySQLCluster.class).inNamespace(NS).withName("shop").get();
  }

  void reconciled(MySQLCluster cluster) {
    loops.reconciled(cluster, new ClusterControl.Reconciled(List.of(), cluster.getMetadata().getGeneration(), Optional.empty(), Optional.empty(),
        id -> Optional.ofNullable(current()).or(() -> Optional.of(cached.get())),
        c -> List.of()));
  }

  static long loopThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> thread.getName().equals("tandem-monitor-" + NS + "-shop") && thread.isAlive()).count();
  }
}
