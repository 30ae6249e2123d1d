package dev.tandem.replication;

import dev.tandem.testing.LocalMariaDb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.kubernetes.ClusterFixture;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unplanned failures of the master of a 1 + 2 loss-less semi-sync cluster on real mariadbd:
 * kill -9, kill -9 with a write waiting for its acknowledgement, and a freeze.
 */
class FailoverTest {

  @TempDir Path dir;
  LocalMariaDb servers;
  Engine engine;
  final AtomicReference<Endpoint> writerService = new AtomicReference<>();

  @BeforeEach
  void bootstrap() throws Exception {
    servers = LocalMariaDb.start(ClusterFixture.named("shop").mariaDb().instances(3).build(), dir);
    engine = new Engine(Engine.masterReplica(servers)).convergedWithSchema(servers);
    writerService.set(servers.server("shop-0").endpoint());
  }

  @AfterEach
  void stopServers() {
    engine.close();
    servers.close();
  }

  /** Passes until one promotes a new master; the writer Service then follows it. */
  long failOverAndMoveTheWriterService(long failedAtNanos) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      var pass = engine.pass();
      if (pass.plan().state() == Plan.State.FAILOVER && pass.results().stream().noneMatch(StepResult::failed)) {
        long millis = (System.nanoTime() - failedAtNanos) / 1_000_000;
        writerService.set(servers.server(engine.recordedMaster.orElseThrow()).endpoint());
        return millis;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no failover within 30 s: " + engine.plan());
  }

  void assertEveryRowOnEveryInstance(java.util.Set<Long> acknowledged) throws Exception {
    var master = engine.server(engine.recordedMaster.orElseThrow()).executed();
    for (String name : engine.desired.names()) {
      await().atMost(Duration.ofSeconds(10)).until(() -> engine.server(name).executed().contains(master));
      assertThat(ContinuousWriter.rows(servers.server(name).endpoint())).as(name).containsAll(acknowledged);
    }
  }

  @Test
  void aKilledMasterIsReplacedByTheMostAdvancedReplicaWithEveryAcknowledgedWrite() throws Exception {
    try (var writer = new ContinuousWriter(writerService::get)) {
      writer.awaitMoreWrites(300);
      long killedAt = System.nanoTime();
      servers.server("shop-0").kill();

      long failoverMillis = failOverAndMoveTheWriterService(killedAt);
      writer.awaitMoreWrites(100);
      var acknowledged = writer.stop();

      assertThat(engine.recordedMaster).hasValueSatisfying(master -> assertThat(master).isIn("shop-1", "shop-2"));
      servers.server("shop-0").restart();
      engine.converge(Duration.ofSeconds(30));
      assertThat(engine.server("shop-0").readOnly()).isTrue();
      assertThat(engine.server("shop-0").replication().orElseThrow()
          .replicatesFrom(servers.server(engine.recordedMaster.orElseThrow()).endpoint())).isTrue();
      assertEveryRowOnEveryInstance(acknowledged);
      System.out.printf("MEASURED failover after kill -9: %d ms from kill to promoted, writes stopped for %d ms,"
          + " %d rows acknowledged, 0 lost%n", failoverMillis, writer.longestGapMillis(), acknowledged.size());
    }
  }

  @Test
  void aMasterKilledWhileAWriteAwaitsItsAcknowledgementDropsThatWriteAndRejoinsCleanly() throws Exception {
    try (var writer = new ContinuousWriter(writerService::get)) {
      writer.awaitMoreWrites(100);
      var acknowledged = writer.stop();
      for (String replica : new String[] {"shop-1", "shop-2"}) {
        engine.executor.run(new Action.StopReceiver(replica), engine.desired);
      }
      var unacknowledged = CompletableFuture.runAsync(() -> {
        try (var app = DriverManager.getConnection("jdbc:mysql://" + servers.server("shop-0").endpoint() + "/",
            ContinuousWriter.APP.user(), ContinuousWriter.APP.password())) {
          app.createStatement().executeUpdate("INSERT INTO " + ContinuousWriter.TABLE + " (id) VALUES (-1)");
        } catch (java.sql.SQLException expected) {
          // The master dies under it: the client never gets an acknowledgement.
        }
      });
      await().atMost(Duration.ofSeconds(10)).until(() -> engine.server("shop-0").executed().toString().contains("-1000-"));
      var masterBeforeCrash = engine.server("shop-0").executed();
      servers.server("shop-0").kill();
      assertThat(unacknowledged).succeedsWithin(Duration.ofSeconds(10));

      failOverAndMoveTheWriterService(System.nanoTime());
      servers.server("shop-0").restart();
      var rejoin = engine.converge(Duration.ofSeconds(30));

      assertThat(rejoin).flatExtracting(pass -> pass.plan().findings()).noneMatch(Finding.Errant.class::isInstance);
      var oldMaster = engine.server("shop-0");
      assertThat(oldMaster.executed()).as("the unacknowledged transaction was truncated").isNotEqualTo(masterBeforeCrash);
      assertThat(oldMaster.replication().orElseThrow().threadsRunning()).isTrue();
      assertThat(ContinuousWriter.rows(servers.server("shop-0").endpoint())).doesNotContain(-1L).containsAll(acknowledged);
      assertThat(servers.server("shop-0").log()).contains("truncated binlog");
      assertEveryRowOnEveryInstance(acknowledged);
    }
  }

  @Test
  void observingAFrozenServerReportsItUnreachableInsteadOfHanging() {
    servers.server("shop-2").freeze();
    try {
      var snapshot = engine.observer.observe("shop-2", servers.server("shop-2").endpoint());

      assertThat(snapshot.isReachable()).isFalse();
      assertThat(snapshot.failure()).isPresent();
      // Bounded by the 500 ms connect timeout, which also caps the handshake a frozen server never sends.
      assertThat(snapshot.probeLatency()).isLessThan(Duration.ofSeconds(3));
    } finally {
      servers.server("shop-2").thaw();
    }
  }

  @Test
  void aFrozenMasterIsFailedOverAndFencedWhenItThaws() throws Exception {
    try (var writer = new ContinuousWriter(writerService::get)) {
      writer.awaitMoreWrites(200);
      long frozenAt = System.nanoTime();
      servers.server("shop-0").freeze();

      long failoverMillis = failOverAndMoveTheWriterService(frozenAt);
      writer.awaitMoreWrites(100);
      servers.server("shop-0").thaw();
      var afterThaw = engine.pass();
      var acknowledged = writer.stop();

      assertThat(afterThaw.plan().state()).isEqualTo(Plan.State.SPLIT_BRAIN);
      assertThat(afterThaw.results()).anySatisfy(result -> {
        assertThat(result.action()).isEqualTo(new Action.Fence("shop-0"));
        assertThat(result.outcome()).isEqualTo(StepResult.Outcome.DONE);
      });
      assertThat(engine.server("shop-0").readOnly()).isTrue();
      var settled = engine.settle(Duration.ofSeconds(30));
      var newMaster = servers.server(engine.recordedMaster.orElseThrow()).endpoint();
      var oldMaster = engine.server("shop-0");
      boolean rejoined = oldMaster.replication().filter(status -> status.replicatesFrom(newMaster) && status.threadsRunning()).isPresent();
      boolean reportedErrant = settled.stream().flatMap(pass -> pass.plan().findings().stream())
          .anyMatch(finding -> finding instanceof Finding.Errant errant && errant.instance().equals("shop-0"));
      assertThat(rejoined || reportedErrant).as("rejoined or reported errant: %s", settled).isTrue();
      for (String name : new String[] {"shop-1", "shop-2"}) {
        assertThat(ContinuousWriter.rows(servers.server(name).endpoint())).as(name).containsAll(acknowledged);
      }
      System.out.printf("MEASURED failover after SIGSTOP: %d ms from freeze to promoted; old master %s after thaw%n",
          failoverMillis, rejoined ? "rejoined" : "reported errant");
    }
  }
}
