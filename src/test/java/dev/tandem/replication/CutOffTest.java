package dev.tandem.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.kubernetes.ClusterFixture;
import dev.tandem.testing.LocalMariaDb;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cutting a lost replica off the binlog, on real mariadbd. The local servers' replicas all reach
 * the master from 127.0.0.1 (mariadbd has no source address for replication), so a cut-off of
 * that address cuts off every replica: what is proven is the SQL — the refusal of one address by
 * the most specific account, the dumps killed and not coming back, the bound, the readmission.
 * One address among several is the sandbox scenario replica-lost-then-master-killed.
 */
class CutOffTest {

  static final String REPLICAS_ADDRESS = "127.0.0.1";

  @TempDir Path dir;
  LocalMariaDb servers;
  Engine engine;

  @BeforeEach
  void bootstrap() throws Exception {
    // Async: with every replica cut off, a semi-sync master would wait for ever on the write below.
    servers = LocalMariaDb.start(ClusterFixture.named("shop").mariaDb().async().instances(3).build(), dir);
    engine = new Engine(Engine.masterReplica(servers)).convergedWithSchema(servers);
  }

  @AfterEach
  void stopServers() {
    engine.close();
    servers.close();
  }

  @Test
  void aCutOffReplicaReceivesNothingMoreUntilReadmittedThenCatchesUp() throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> engine.server("shop-0").feeding().contains(REPLICAS_ADDRESS));

    var cutOff = engine.executor.run(new Action.CutOff("shop-0", "shop-2", REPLICAS_ADDRESS), engine.desired);

    assertThat(cutOff.outcome()).as(cutOff.toString()).isEqualTo(StepResult.Outcome.DONE);
    assertThat(cutOff.detail()).contains("2 binlog dump(s) to it killed");
    // Past two connect retries (1 s each), the dumps have not come back: the replicas are refused.
    Thread.sleep(3_000);
    var master = engine.server("shop-0");
    assertThat(master.feeding()).isEmpty();
    var bound = master.executed();
    servers.server("shop-0").asRoot("INSERT INTO app.writes (id) VALUES (900001)");
    Thread.sleep(1_500);
    var replica = engine.server("shop-2");
    assertThat(engine.server("shop-0").executed()).isNotEqualTo(bound);
    assertThat(bound.contains(replica.received())).as("shop-2 received %s, the bound is %s", replica.received(), bound).isTrue();
    assertThat(replica.replication().orElseThrow().lastIoError()).hasValueSatisfying(error ->
        assertThat(error.message()).contains("Access denied for user 'repl'@'127.0.0.1'"));

    var readmit = engine.executor.run(new Action.Readmit("shop-0", "shop-2", REPLICAS_ADDRESS), engine.desired);

    assertThat(readmit.outcome()).as(readmit.toString()).isEqualTo(StepResult.Outcome.DONE);
    var everything = engine.server("shop-0").executed();
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      engine.pass();
      assertThat(engine.server("shop-2").executed().contains(everything)).isTrue();
    });
  }
}
