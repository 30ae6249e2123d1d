package dev.tandem.replication;

import dev.tandem.testing.LocalMariaDb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.kubernetes.ClusterFixture;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A write made directly on a replica is found, reported, and keeps that replica out. */
class ErrantTest {

  @TempDir Path dir;
  LocalMariaDb servers;
  Engine engine;

  @BeforeEach
  void bootstrapAndWriteOnAReplica() throws Exception {
    servers = LocalMariaDb.start(ClusterFixture.named("shop").mariaDb().instances(3).build(), dir);
    engine = new Engine(Engine.masterReplica(servers)).convergedWithSchema(servers);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> engine.server("shop-2").executed().equals(engine.server("shop-0").executed()));
    // Someone opens a replica for writes behind the operator's back, and an application writes.
    var replica = "jdbc:mysql://" + servers.server("shop-2").endpoint() + "/";
    try (var admin = DriverManager.getConnection(replica, LocalMariaDb.OPERATOR.user(), LocalMariaDb.OPERATOR.password());
        var app = DriverManager.getConnection(replica, ContinuousWriter.APP.user(), ContinuousWriter.APP.password())) {
      admin.createStatement().execute("SET GLOBAL read_only = OFF");
      app.createStatement().executeUpdate("INSERT INTO " + ContinuousWriter.TABLE + " (id) VALUES (-7)");
      admin.createStatement().execute("SET GLOBAL read_only = ON");
    }
  }

  @AfterEach
  void stopServers() {
    engine.close();
    servers.close();
  }

  @Test
  void aReplicaWithItsOwnWritesIsReportedErrantAndLeftAlone() {
    var plan = engine.plan();

    assertThat(plan.state()).isEqualTo(Plan.State.DEGRADED);
    assertThat(plan.findings()).singleElement().isInstanceOfSatisfying(Finding.Errant.class, errant -> {
      assertThat(errant.instance()).isEqualTo("shop-2");
      assertThat(errant.transactions().toString()).startsWith("0-1002-");
    });
    assertThat(plan.actions()).isEmpty();
  }

  @Test
  void noSwitchoverToAnErrantReplica() {
    engine.desired = engine.withPreferredMaster("shop-2");

    var plan = engine.plan();

    assertThat(plan.state()).isEqualTo(Plan.State.DEGRADED);
    assertThat(plan.master()).contains("shop-0");
    assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains("shop-2 has errant transactions"));
  }

  @Test
  void anErrantReplicaIsNeverTheFailoverCandidateEvenWhenPreferred() throws Exception {
    engine.desired = new DesiredCluster(DesiredCluster.Layout.MASTER_REPLICA, servers.endpoints(), java.util.Optional.empty(),
        java.util.List.of("shop-2", "shop-1"), java.util.Set.of(), true, true);
    servers.server("shop-0").kill();

    var failover = engine.pass();

    assertThat(failover.plan().state()).isEqualTo(Plan.State.FAILOVER);
    assertThat(failover.plan().master()).contains("shop-1");
    assertThat(failover.plan().findings()).anySatisfy(finding -> assertThat(finding).isInstanceOf(Finding.Errant.class)
        .extracting(Finding::instance).isEqualTo("shop-2"));
    assertThat(failover.plan().actions()).noneMatch(action -> action.equals(new Action.Replicate("shop-2", "shop-1")));
    assertThat(engine.server("shop-1").readOnly()).isFalse();
    assertThat(ContinuousWriter.rows(servers.server("shop-2").endpoint())).contains(-7L);
  }
}
