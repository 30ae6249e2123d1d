package dev.tandem.replication;

import dev.tandem.testing.LocalMariaDb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.kubernetes.ClusterFixture;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A fresh 1 + 2 cluster on real mariadbd becomes a master with two semi-sync replicas. */
class BootstrapTest {

  @TempDir Path dir;
  LocalMariaDb servers;
  Engine engine;

  @BeforeEach
  void startServers() throws Exception {
    servers = LocalMariaDb.start(ClusterFixture.named("shop").mariaDb().instances(3).build(), dir);
    engine = new Engine(Engine.masterReplica(servers));
  }

  @AfterEach
  void stopServers() {
    engine.close();
    servers.close();
  }

  @Test
  void bootstrapsTheFirstInstanceAsMasterAndTheOthersAsItsSemiSyncReplicas() throws Exception {
    var passes = engine.converge(Duration.ofSeconds(30));

    assertThat(passes.get(0).plan().state()).isEqualTo(Plan.State.BOOTSTRAP);
    assertThat(engine.recordedMaster).contains("shop-0");
    var master = engine.server("shop-0");
    assertThat(master.readOnly()).isFalse();
    assertThat(master.replication()).isEmpty();
    assertThat(master.semiSync().sourceEnabled()).isTrue();
    for (String replica : new String[] {"shop-1", "shop-2"}) {
      var state = engine.server(replica);
      assertThat(state.readOnly()).as(replica).isTrue();
      assertThat(state.replication()).as(replica).hasValueSatisfying(status -> {
        assertThat(status.replicatesFrom(servers.server("shop-0").endpoint())).isTrue();
        assertThat(status.ioThread()).isEqualTo(ReplicationStatus.IoThread.RUNNING);
        assertThat(status.sqlThreadRunning()).isTrue();
        assertThat(status.usesGtidAutoPosition()).isTrue();
      });
    }
    assertThat(engine.server("shop-0").semiSync().sourceClients()).isEqualTo(2);
  }

  @Test
  void aWriteOnTheMasterReachesBothReplicasWithTheSameGtids() throws Exception {
    engine.convergedWithSchema(servers);
    try (var writer = new ContinuousWriter(() -> servers.server("shop-0").endpoint())) {
      writer.awaitMoreWrites(50);
      var written = writer.stop();

      var masterGtids = engine.server("shop-0").executed();
      for (String replica : new String[] {"shop-1", "shop-2"}) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
            .until(() -> engine.server(replica).executed().contains(masterGtids));
        assertThat(ContinuousWriter.rows(servers.server(replica).endpoint())).as(replica).containsAll(written);
        assertThat(engine.server(replica).executed()).as(replica).isEqualTo(masterGtids);
      }
      assertThat(engine.server("shop-0").semiSync().sourceActive()).as("the master waited for acknowledgements").isTrue();
    }
  }

  @Test
  void everyStepRunAgainOnAConvergedClusterChangesNothing() throws Exception {
    var bootstrap = engine.converge(Duration.ofSeconds(30)).get(0).plan();
    var gtidsBefore = engine.server("shop-0").executed();

    var again = engine.executor.execute(bootstrap, engine.desired);

    assertThat(again).extracting(StepResult::outcome).containsOnly(StepResult.Outcome.ALREADY_DONE);
    assertThat(engine.server("shop-0").executed()).isEqualTo(gtidsBefore);
    assertThat(engine.plan().state()).isEqualTo(Plan.State.HEALTHY);
  }
}
