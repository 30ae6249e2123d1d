package dev.tandem.replication;

import dev.tandem.testing.LocalMariaDb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.kubernetes.ClusterFixture;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.HashSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two masters on real mariadbd, each replicating from the other, plus a read replica. */
class DualMasterTest {

  @TempDir Path dir;
  LocalMariaDb servers;
  Engine engine;

  void bootstrap(int instances) throws Exception {
    servers = LocalMariaDb.start(ClusterFixture.named("shop").mariaDb().dualMaster().instances(instances).build(), dir);
    engine = new Engine(Engine.dualMaster(servers)).convergedWithSchema(servers);
  }

  @AfterEach
  void stopServers() {
    engine.close();
    servers.close();
  }

  void awaitSameTransactions(String... names) {
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      var first = engine.server(names[0]).executed();
      for (String name : names) {
        assertThat(engine.server(name).executed()).as(name).isEqualTo(first);
      }
    });
  }

  @Test
  void bothMastersTakeWritesWithoutKeyCollisionsAndLosingOneLeavesTheOtherWritable() throws Exception {
    bootstrap(3);
    assertThat(engine.recordedMaster).contains("shop-0");
    assertThat(engine.server("shop-0").readOnly()).isFalse();
    assertThat(engine.server("shop-1").readOnly()).isFalse();
    assertThat(engine.server("shop-2").replication().orElseThrow().replicatesFrom(servers.server("shop-0").endpoint())).isTrue();

    var acknowledged = new HashSet<Long>();
    try (var onFirst = new ContinuousWriter(() -> servers.server("shop-0").endpoint(), true);
        var onSecond = new ContinuousWriter(() -> servers.server("shop-1").endpoint(), true)) {
      onFirst.awaitMoreWrites(150);
      onSecond.awaitMoreWrites(150);
      var first = onFirst.stop();
      var second = onSecond.stop();
      assertThat(first).as("shop-0 hands out odd ids").allMatch(id -> id % 2 == 1);
      assertThat(second).as("shop-1 hands out even ids").allMatch(id -> id % 2 == 0);
      acknowledged.addAll(first);
      acknowledged.addAll(second);
    }
    awaitSameTransactions("shop-0", "shop-1", "shop-2");

    servers.server("shop-0").kill();
    try (var survivor = new ContinuousWriter(() -> servers.server("shop-1").endpoint(), true)) {
      var afterLoss = engine.pass();
      assertThat(afterLoss.plan().masters()).containsExactly("shop-1");
      assertThat(afterLoss.plan().findings()).anySatisfy(finding -> assertThat(finding.message()).contains("without semi-sync"));
      survivor.awaitMoreWrites(150);
      engine.settle(Duration.ofSeconds(20));
      assertThat(engine.server("shop-2").replication().orElseThrow().replicatesFrom(servers.server("shop-1").endpoint())).isTrue();
      acknowledged.addAll(survivor.stop());
    }

    servers.server("shop-0").restart();
    engine.converge(Duration.ofSeconds(30));
    assertThat(engine.server("shop-0").readOnly()).as("the returning master takes writes again").isFalse();
    assertThat(engine.server("shop-0").semiSync().sourceEnabled()).isTrue();
    awaitSameTransactions("shop-0", "shop-1", "shop-2");
    for (String name : new String[] {"shop-0", "shop-1", "shop-2"}) {
      assertThat(ContinuousWriter.rows(servers.server(name).endpoint())).as(name).containsAll(acknowledged);
    }
  }

  @Test
  void aConflictBetweenTheMastersIsReportedWithTheFailingGtidAndNeverSkipped() throws Exception {
    bootstrap(2);
    try (var first = DriverManager.getConnection("jdbc:mysql://" + servers.server("shop-0").endpoint() + "/",
            ContinuousWriter.APP.user(), ContinuousWriter.APP.password());
        var second = DriverManager.getConnection("jdbc:mysql://" + servers.server("shop-1").endpoint() + "/",
            ContinuousWriter.APP.user(), ContinuousWriter.APP.password());
        var operator = DriverManager.getConnection("jdbc:mysql://" + servers.server("shop-1").endpoint() + "/",
            LocalMariaDb.OPERATOR.user(), LocalMariaDb.OPERATOR.password())) {
      awaitSameTransactions("shop-0", "shop-1");
      // Only the applier stops: the receiver keeps acknowledging, so semi-sync lets both commit.
      operator.createStatement().execute("STOP SLAVE SQL_THREAD");
      first.createStatement().executeUpdate("INSERT INTO " + ContinuousWriter.TABLE + " (id) VALUES (1000)");
      second.createStatement().executeUpdate("INSERT INTO " + ContinuousWriter.TABLE + " (id) VALUES (1000)");
      operator.createStatement().execute("START SLAVE SQL_THREAD");
    }

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(engine.plan().findings())
        .filteredOn(Finding.ReplicationBroken.class::isInstance)
        .map(Finding.ReplicationBroken.class::cast)
        .anySatisfy(broken -> {
          assertThat(broken.error().number()).isEqualTo(1062);
          assertThat(broken.error().failingGtid()).hasValueSatisfying(gtid -> assertThat(gtid).matches("0-1000-\\d+"));
          assertThat(broken.instance()).isEqualTo("shop-1");
        }));
    var plan = engine.plan();
    assertThat(plan.actions()).noneMatch(action -> action.instance().equals("shop-1") && action instanceof Action.StartReplication);
    engine.pass();
    assertThat(engine.server("shop-1").replication().orElseThrow().sqlThreadRunning()).as("never skipped").isFalse();
  }
}
