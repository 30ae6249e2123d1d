package dev.tandem.replication;

import dev.tandem.testing.LocalMariaDb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.kubernetes.ClusterFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A planned switchover under a continuous writer: every acknowledged row survives. */
class SwitchoverTest {

  @TempDir Path dir;
  LocalMariaDb servers;
  Engine engine;

  @BeforeEach
  void bootstrap() throws Exception {
    servers = LocalMariaDb.start(ClusterFixture.named("shop").mariaDb().instances(3).build(), dir);
    engine = new Engine(Engine.masterReplica(servers)).convergedWithSchema(servers);
  }

  @AfterEach
  void stopServers() {
    engine.close();
    servers.close();
  }

  @Test
  void switchesOverToThePreferredMasterWithoutLosingAnAcknowledgedWrite() throws Exception {
    var writerService = new AtomicReference<>(servers.server("shop-0").endpoint());
    try (var writer = new ContinuousWriter(writerService::get)) {
      writer.awaitMoreWrites(200);
      engine.desired = engine.withPreferredMaster("shop-1");

      long started = System.nanoTime();
      var pass = engine.pass();
      long switchoverMillis = (System.nanoTime() - started) / 1_000_000;
      writerService.set(servers.server(engine.recordedMaster.orElseThrow()).endpoint());
      writer.awaitMoreWrites(200);
      var acknowledged = writer.stop();

      assertThat(pass.plan().state()).isEqualTo(Plan.State.SWITCHOVER);
      assertThat(pass.results()).noneMatch(StepResult::failed);
      assertThat(engine.recordedMaster).contains("shop-1");
      engine.converge(Duration.ofSeconds(10));
      assertThat(engine.server("shop-1").readOnly()).isFalse();
      assertThat(engine.server("shop-0").readOnly()).isTrue();
      assertThat(engine.server("shop-0").replication().orElseThrow().replicatesFrom(servers.server("shop-1").endpoint())).isTrue();
      var newMaster = engine.server("shop-1").executed();
      for (String name : new String[] {"shop-0", "shop-1", "shop-2"}) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> engine.server(name).executed().contains(newMaster));
        assertThat(ContinuousWriter.rows(servers.server(name).endpoint())).as(name).containsAll(acknowledged);
      }
      System.out.printf("MEASURED switchover: %d ms for the plan's steps, longest gap between acknowledged writes %d ms,"
          + " %d rows acknowledged, 0 lost%n", switchoverMillis, writer.longestGapMillis(), acknowledged.size());
    }
  }

  @Test
  void aSwitchoverToAnUnreachableInstanceWaitsAndKeepsTheMaster() throws Exception {
    servers.server("shop-2").kill();
    engine.desired = engine.withPreferredMaster("shop-2");

    var pass = engine.pass();

    assertThat(pass.plan().state()).isEqualTo(Plan.State.DEGRADED);
    assertThat(pass.plan().master()).contains("shop-0");
    assertThat(pass.plan().findings()).anySatisfy(finding ->
        assertThat(finding.message()).contains("switchover from shop-0 to shop-2 waits: shop-2 is unreachable"));
    assertThat(engine.server("shop-0").readOnly()).isFalse();
  }
}
