package dev.tandem.replication;

import dev.tandem.testing.LocalMariaDb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.kubernetes.ClusterFixture;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Optional;
import java.util.Set;
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

  void assertEveryRowOnEveryInstance(Set<Long> acknowledged) throws Exception {
    var master = engine.server(engine.recordedMaster.orElseThrow()).executed();
    for (String name : engine.desired.names()) {
      await().atMost(Duration.ofSeconds(10)).until(() -> engine.server(name).executed().contains(master));
      assertThat(ContinuousWriter.rows(servers.server(name).endpoint())).as(name).containsAll(acknowledged);
    }
  }

  @Test
  void aKilledMasterIsReplacedByTheMostAdvancedReplicaWithEveryAcknowledgedWrite() throws Exception {
    try (var writer = new ContinuousWriter(writerService::get)) {
      writer.awaitMoreWrites(100);
      // shop-1 stops receiving, so shop-2 (which semi-sync still waits for) ends strictly ahead: a
      // tie would go to shop-1, the lower ordinal, so only position can make shop-2 win.
      engine.executor.run(new Action.StopReceiver("shop-1"), engine.desired);
      writer.awaitMoreWrites(200);
      long killedAt = System.nanoTime();
      servers.server("shop-0").kill();
      var behind = engine.server("shop-1").received();
      var ahead = engine.server("shop-2").received();
      assertThat(ahead.contains(behind) && !behind.contains(ahead)).as("shop-2 (%s) received strictly more than shop-1 (%s)", ahead, behind).isTrue();

      long failoverMillis = failOverAndMoveTheWriterService(killedAt);
      writer.awaitMoreWrites(100);
      var acknowledged = writer.stop();

      assertThat(engine.recordedMaster).hasValue("shop-2");
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
      // Killed only once the INSERT is committed to shop-0's binlog and waits for the ACK no
      // replica can send: the case where a crash leaves a transaction nobody acknowledged.
      await().atMost(Duration.ofSeconds(10)).until(() -> awaitingSemiSyncAck(servers.server("shop-0").endpoint()) == 1);
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

  static int awaitingSemiSyncAck(Endpoint server) throws java.sql.SQLException {
    try (var connection = DriverManager.getConnection("jdbc:mysql://" + server + "/", LocalMariaDb.OPERATOR.user(), LocalMariaDb.OPERATOR.password());
        var rows = connection.createStatement().executeQuery("SELECT COUNT(*) FROM information_schema.processlist"
            + " WHERE state = 'Waiting for semi-sync ACK from slave' AND info LIKE 'INSERT INTO " + ContinuousWriter.TABLE + "%'")) {
      rows.next();
      return rows.getInt(1);
    }
  }

  /** Whether the INSERT of row {@code id} waits on {@code server} for a semi-sync acknowledgement. */
  static boolean awaitingSemiSyncAck(LocalMariaDb.Server server, long id) throws java.sql.SQLException {
    try (var connection = DriverManager.getConnection("jdbc:mysql://" + server.endpoint() + "/",
            LocalMariaDb.OPERATOR.user(), LocalMariaDb.OPERATOR.password());
        var statement = connection.prepareStatement("SELECT COUNT(*) FROM information_schema.processlist"
            + " WHERE state = 'Waiting for semi-sync ACK from slave' AND info = ?")) {
      statement.setString(1, insertOf(id));
      try (var rows = statement.executeQuery()) {
        rows.next();
        return rows.getInt(1) == 1;
      }
    }
  }

  /**
   * The GTID {@code server} gave the INSERT of row {@code id}, once that is in its binlog: the
   * Gtid event before the INSERT's Annotate_rows event.
   */
  static Optional<GtidSet> gtidOfInsert(LocalMariaDb.Server server, long id) throws java.sql.SQLException {
    try (var connection = DriverManager.getConnection("jdbc:mysql://" + server.endpoint() + "/",
            LocalMariaDb.OPERATOR.user(), LocalMariaDb.OPERATOR.password());
        var statement = connection.createStatement()) {
      var logs = new java.util.ArrayList<String>();
      try (var rows = statement.executeQuery("SHOW BINARY LOGS")) {
        while (rows.next()) {
          logs.add(rows.getString(1));
        }
      }
      String gtid = null;
      for (String log : logs) {
        try (var events = statement.executeQuery("SHOW BINLOG EVENTS IN '" + log + "'")) {
          while (events.next()) {
            String info = events.getString("Info");
            if (events.getString("Event_type").equals("Gtid")) {
              gtid = info.replace("BEGIN GTID ", "").replaceAll(" .*", "");
            } else if (events.getString("Event_type").equals("Annotate_rows") && info.equals(insertOf(id))) {
              return Optional.of(DomainGtidSet.parse(gtid));
            }
          }
        }
      }
      return Optional.empty();
    }
  }

  static String insertOf(long id) {
    return "INSERT INTO " + ContinuousWriter.TABLE + " (id) VALUES (" + id + ")";
  }

  /**
   * A power cut while the replicas hold the acknowledged tail in their relay logs only (their
   * appliers are held by a read lock, as a busy applier would lag): every mysqld killed at once.
   * The replicas discard that relay log when they restart, so the tail is on the master alone,
   * whose crash recovery (init_rpl_role=SLAVE) must not roll back a commit the client was told
   * of. With innodb_flush_log_at_trx_commit=1 it did (make chaos, seed 2): MariaDB leaves that
   * commit to be recovered from the binlog, which this recovery truncates instead.
   */
  @Test
  void everyInstanceKilledAtOnceWhileTheReplicasHoldTheTailUnappliedKeepsEveryAcknowledgedWrite() throws Exception {
    Set<Long> acknowledged;
    var holds = new ArrayList<java.sql.Connection>();
    try (var writer = new ContinuousWriter(writerService::get)) {
      writer.awaitMoreWrites(100);
      for (String replica : java.util.List.of("shop-1", "shop-2")) {
        var session = DriverManager.getConnection("jdbc:mysql://" + servers.server(replica).endpoint() + "/",
            ContinuousWriter.APP.user(), ContinuousWriter.APP.password());
        session.createStatement().execute("LOCK TABLES " + ContinuousWriter.TABLE + " READ");
        holds.add(session);
      }
      writer.awaitMoreWrites(200);
      var processes = java.util.stream.Stream.of("shop-0", "shop-1", "shop-2").map(servers::server).toList();
      processes.forEach(LocalMariaDb.Server::destroyForcibly);
      acknowledged = writer.stop();
    } finally {
      for (var session : holds) {
        try {
          session.close();
        } catch (java.sql.SQLException gone) {
          // Its server was killed: the lock went with it.
        }
      }
    }
    for (String name : java.util.List.of("shop-0", "shop-1", "shop-2")) {
      servers.server(name).awaitExit();
      servers.server(name).restart();
    }
    engine.converge(Duration.ofSeconds(30));

    assertThat(engine.recordedMaster).hasValue("shop-0");
    assertThat(ContinuousWriter.rows(servers.server("shop-0").endpoint())).containsAll(acknowledged);
    assertEveryRowOnEveryInstance(acknowledged);
  }

  @Test
  void observingAFrozenServerReportsItUnreachableInsteadOfHanging() {
    servers.server("shop-2").freeze();
    try {
      var snapshot = engine.observer.observe("shop-2", servers.server("shop-2").endpoint());

      assertThat(snapshot.isReachable()).isFalse();
      assertThat(snapshot.failure()).isPresent();
      // A frozen server still accepts the TCP connection: only a dead one refuses it.
      assertThat(Observer.refused(snapshot)).isFalse();
      // Bounded by the 500 ms connect timeout, which also caps the handshake a frozen server never sends.
      assertThat(snapshot.probeLatency()).isLessThan(Duration.ofSeconds(3));
    } finally {
      servers.server("shop-2").thaw();
    }
  }

  /**
   * The race of a master that thaws between the look and the stop of the receivers: some replicas
   * got (and acknowledged) its last commits, the chosen candidate did not. Built here by holding
   * shop-1's receiver while shop-2 receives writes, then running the failover planned from a look
   * that ranked shop-1 first: it must not promote shop-1 over what shop-2 holds.
   */
  @Test
  void aFailoverWhoseCandidateLacksWhatAnotherReplicaReceivedAfterTheLookPromotesNothing() throws Exception {
    servers.server("shop-1").asRoot("STOP SLAVE IO_THREAD");
    try (var writer = new ContinuousWriter(writerService::get)) {
      writer.awaitMoreWrites(50);
      writer.stop();
    }
    var plan = new Plan(Plan.State.FAILOVER, java.util.List.of("shop-1"), java.util.List.of(new Action.StopReceiver("shop-1"),
        new Action.StopReceiver("shop-2"), new Action.Fence("shop-0"), new Action.Detach("shop-1"), new Action.Replicate("shop-2", "shop-1"),
        new Action.Promote("shop-1", true)), java.util.List.of());

    var results = engine.executor.execute(plan, engine.desired);

    assertThat(results).last().satisfies(result -> {
      assertThat(result.action()).isEqualTo(new Action.Detach("shop-1"));
      assertThat(result.failed()).isTrue();
      assertThat(result.detail()).contains("shop-2 received").contains("that shop-1 lacks");
    });
    assertThat(engine.server("shop-1").readOnly()).isTrue();
    assertThat(engine.server("shop-2").replication()).hasValueSatisfying(status ->
        assertThat(status.replicatesFrom(servers.server("shop-0").endpoint())).isTrue());
  }

  @Test
  void observingAnAddressWhereNothingListensSaysTheConnectionWasRefused() throws Exception {
    int closedPort;
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    var snapshot = engine.observer.observe("gone", new Endpoint("127.0.0.1", closedPort));

    assertThat(snapshot.isReachable()).isFalse();
    assertThat(snapshot.failure()).hasValueSatisfying(failure -> assertThat(failure).endsWith("connection refused"));
    assertThat(Observer.refused(snapshot)).isTrue();
  }

  /**
   * The control loop's second witness (failover.ReceiverSilence): a replica of a live, idle master
   * hears a heartbeat every 0.1 s, so its receiver activity moves between two looks; a replica of
   * a frozen master still reports its receiver connected (the net timeout, 3 s, has not run out)
   * but its activity stands still. Killed then, the connected receiver stops at once.
   */
  @Test
  void aReplicaOfAFrozenMasterStillReportsItsReceiverConnectedButHearsNothingAndStopsAtOnce() throws Exception {
    var before = receiver("shop-1");
    Thread.sleep(300);
    var idle = receiver("shop-1");
    assertThat(idle.receiverActivity()).as("heartbeats of a live idle master").isNotEqualTo(before.receiverActivity());

    servers.server("shop-0").freeze();
    try {
      Thread.sleep(200);
      var frozen = receiver("shop-1");
      Thread.sleep(500);
      var stillFrozen = receiver("shop-1");

      assertThat(stillFrozen.ioThread()).isEqualTo(ReplicationStatus.IoThread.RUNNING);
      assertThat(stillFrozen.receiverActivity()).isEqualTo(frozen.receiverActivity());
      long stopping = System.nanoTime();
      var stopped = engine.executor.run(new Action.StopReceiver("shop-1"), engine.desired);
      assertThat(stopped.outcome()).isEqualTo(StepResult.Outcome.DONE);
      assertThat(receiver("shop-1").ioThread()).isEqualTo(ReplicationStatus.IoThread.STOPPED);
      System.out.printf("MEASURED receiver connected to a frozen source stopped in %d ms%n", (System.nanoTime() - stopping) / 1_000_000);
    } finally {
      servers.server("shop-0").thaw();
    }
  }

  private ReplicationStatus receiver(String name) {
    return engine.observer.observe(name, servers.server(name).endpoint()).replication().orElseThrow();
  }

  /**
   * A write reaches the frozen master's socket: thawed after the failover, the master runs it
   * before anything can fence it (the test fences once it waits for its ACK), so the old master
   * holds a transaction nobody else has. The fence makes it read-only and kills that session; it
   * is reported errant, never rejoined: rejoining would silently replicate or drop a write only it
   * has. The client never got an acknowledgement, so no acknowledged write is lost. The
   * application is idle when the master freezes: a write of its own still awaiting its ACK holds
   * shop-0's commit queue (seen here: the late write then stays in state "Commit", out of the
   * binlog), and what shop-0 ends with would depend on what the fence happens to interrupt.
   */
  @Test
  void aFrozenMasterIsFailedOverFencedWhenItThawsAndReportedErrantForTheWriteItRanOnThawing() throws Exception {
    Set<Long> acknowledged;
    try (var writer = new ContinuousWriter(writerService::get)) {
      writer.awaitMoreWrites(200);
      acknowledged = writer.stop();
    }
    // Connected before the freeze: a frozen server completes no handshake.
    // The socket timeout bounds the late write should the fence not kill its session: the test then
    // fails on it instead of hanging behind a read that never returns.
    var late = DriverManager.getConnection("jdbc:mysql://" + servers.server("shop-0").endpoint() + "/?socketTimeout=60000",
        ContinuousWriter.APP.user(), ContinuousWriter.APP.password());
    long frozenAt = System.nanoTime();
    servers.server("shop-0").freeze();
    var lateWrite = CompletableFuture.runAsync(() -> {
      try (late) {
        late.createStatement().executeUpdate(insertOf(-2));
      } catch (java.sql.SQLException killedByTheFence) {
        // It waited for an ACK nobody sends until the fence killed its session.
      }
    });

    long failoverMillis = failOverAndMoveTheWriterService(frozenAt);
    try (var app = DriverManager.getConnection("jdbc:mysql://" + writerService.get() + "/",
        ContinuousWriter.APP.user(), ContinuousWriter.APP.password())) {
      app.createStatement().executeUpdate(insertOf(-3));
    }
    servers.server("shop-0").thaw();
    await().atMost(Duration.ofSeconds(10)).until(() -> awaitingSemiSyncAck(servers.server("shop-0"), -2));
    var ranOnThawing = gtidOfInsert(servers.server("shop-0"), -2).orElseThrow();
    var afterThaw = engine.pass();

    assertThat(afterThaw.plan().state()).isEqualTo(Plan.State.SPLIT_BRAIN);
    assertThat(afterThaw.results()).anySatisfy(result -> {
      assertThat(result.action()).isEqualTo(new Action.Fence("shop-0"));
      assertThat(result.outcome()).isEqualTo(StepResult.Outcome.DONE);
    });
    assertThat(lateWrite).succeedsWithin(Duration.ofSeconds(10));
    assertThat(engine.server("shop-0").readOnly()).isTrue();
    var settled = engine.settle(Duration.ofSeconds(30));
    String newMaster = engine.recordedMaster.orElseThrow();
    assertThat(settled).last().satisfies(pass -> assertThat(pass.plan().findings()).anySatisfy(finding ->
        assertThat(finding).isInstanceOfSatisfying(Finding.Errant.class, errant -> {
          assertThat(errant.instance()).isEqualTo("shop-0");
          assertThat(errant.transactions().contains(ranOnThawing)).as("%s holds %s", errant, ranOnThawing).isTrue();
        })));
    assertThat(engine.server("shop-0").replication()).as("shop-0 is not rejoined").isEmpty();
    assertThat(ContinuousWriter.rows(servers.server("shop-0").endpoint())).as("shop-0").contains(-2L).doesNotContain(-3L);
    var written = engine.server(newMaster).executed();
    for (String name : new String[] {"shop-1", "shop-2"}) {
      await().atMost(Duration.ofSeconds(10)).until(() -> engine.server(name).executed().contains(written));
      assertThat(ContinuousWriter.rows(servers.server(name).endpoint())).as(name).containsAll(acknowledged).contains(-3L).doesNotContain(-2L);
    }
    System.out.printf("MEASURED failover after SIGSTOP: %d ms from freeze to promoted; the thawed old master fenced and"
        + " reported errant for %s%n", failoverMillis, ranOnThawing);
  }
}
