package dev.tandem.replication;

import dev.tandem.replication.StepResult.Outcome;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Runs the planner's actions with SQL. Each step first looks at the instance and does only what
 * is missing, so running it twice, or again after a crash at any point, is safe.
 */
public final class Executor {

  /**
   * Stopping a receiver blocked on a frozen source returns, at worst, when its read times out,
   * after the replica net timeout of my.cnf (3 s).
   */
  private static final Duration RECEIVER_STOP_TIMEOUT = Duration.ofSeconds(5);

  /** How long a receiver thread is killed again and again before STOP is left to end it. */
  private static final Duration RECEIVER_KILL_PERSISTENCE = Duration.ofSeconds(1);

  private static final Duration RECEIVER_KILL_RETRY = Duration.ofMillis(5);

  /** Long enough for a read-only switch to wait out a commit in flight, short enough to retry. */
  private static final int FENCE_LOCK_WAIT_SECONDS = 1;

  /** Two read-only attempts bounded by the lock wait, and the kills around them. */
  private static final Duration FENCE_EXTRA_TIME = Duration.ofSeconds(3);

  /**
   * The connect timeout of a fence on an instance that just did not answer: a last chance to
   * fence it in SQL, not a wait; unconfirmed, its Pod is deleted.
   */
  static final Duration UNREACHABLE_FENCE_CONNECT_TIMEOUT = Duration.ofMillis(100);

  private final Sessions sessions;
  private final Sessions unreachableFenceSessions;
  private final Account replication;
  private final Duration catchUpTimeout;

  /**
   * @param catchUpTimeout the longest a candidate may take to apply what it lacks before a
   *     promotion; past it the step fails and nothing is promoted
   */
  public Executor(Sessions sessions, Account replication, Duration catchUpTimeout) {
    this.sessions = sessions;
    this.unreachableFenceSessions = sessions.withConnectTimeout(UNREACHABLE_FENCE_CONNECT_TIMEOUT);
    this.replication = replication;
    this.catchUpTimeout = catchUpTimeout;
  }

  /**
   * Runs the plan's actions in order and stops at the first that fails. The fencing actions a
   * plan starts with run at once: each may wait seconds on a frozen peer, and they do not
   * depend on each other.
   */
  public List<StepResult> execute(Plan plan, DesiredCluster desired) {
    var actions = plan.actions();
    var results = new ArrayList<StepResult>();
    int next = 0;
    while (next < actions.size()) {
      int end = next + 1;
      if (isFencing(actions.get(next))) {
        while (end < actions.size() && isFencing(actions.get(end))) {
          end++;
        }
      }
      var batch = actions.subList(next, end).stream()
          .map(action -> CompletableFuture.supplyAsync(() -> run(action, desired), task -> new Thread(task, "tandem-fence").start()))
          .toList();
      batch.forEach(result -> results.add(result.join()));
      if (results.stream().anyMatch(StepResult::failed)) {
        break;
      }
      if (actions.subList(next, end).stream().anyMatch(Action.StopReceiver.class::isInstance)) {
        var overtaken = candidateOvertaken(actions, desired);
        if (overtaken.isPresent()) {
          results.add(overtaken.get());
          break;
        }
      }
      next = end;
    }
    return results;
  }

  /**
   * Once the receivers are stopped: does a replica to be repointed to the candidate hold a
   * transaction the candidate lacks? A master that thawed between the look and the stop may have
   * sent its last commits to some replicas only, and one that acknowledged such a commit must not
   * end below the new master. Then the candidate's Detach fails and the next look plans again
   * from what they hold now.
   */
  private Optional<StepResult> candidateOvertaken(List<Action> actions, DesiredCluster desired) {
    long started = System.nanoTime();
    var detach = actions.stream().filter(Action.Detach.class::isInstance).findFirst();
    if (detach.isEmpty()) {
      return Optional.empty();
    }
    String candidate = detach.get().instance();
    var repointed = actions.stream()
        .filter(action -> action instanceof Action.Replicate replicate && replicate.source().equals(candidate))
        .map(Action::instance)
        .toList();
    try {
      GtidSet candidateReceived;
      try (var connection = sessions.open(desired.members().get(candidate))) {
        candidateReceived = Observer.read(connection).received();
      }
      for (String name : repointed) {
        try (var connection = sessions.open(desired.members().get(name))) {
          var missing = Observer.read(connection).received().subtract(candidateReceived);
          if (!missing.isEmpty()) {
            return Optional.of(new StepResult(detach.get(), Outcome.FAILED, name + " received " + missing + " that "
                + candidate + " lacks after the receivers stopped (the old master sent more since the look); planning again",
                Duration.ofNanos(System.nanoTime() - started)));
          }
        }
      }
    } catch (SQLException e) {
      return Optional.of(new StepResult(detach.get(), Outcome.FAILED, "could not compare what the replicas received"
          + " after their receivers stopped: " + Observer.describe(e), Duration.ofNanos(System.nanoTime() - started)));
    }
    return Optional.empty();
  }

  private static boolean isFencing(Action action) {
    return action instanceof Action.StopReceiver || action instanceof Action.Fence;
  }

  public StepResult run(Action action, DesiredCluster desired) {
    long started = System.nanoTime();
    var endpoint = desired.members().get(action.instance());
    StepOutcome outcome;
    try {
      outcome = dispatch(action, endpoint, desired);
    } catch (SQLException | RuntimeException e) {
      outcome = new StepOutcome(action instanceof Action.Fence ? Outcome.UNCONFIRMED : Outcome.FAILED,
          "on " + endpoint + ": " + Observer.describe(e));
    }
    return new StepResult(action, outcome.outcome(), outcome.detail(), Duration.ofNanos(System.nanoTime() - started));
  }

  // Java 17 has no pattern switch; Action is sealed, so this chain is complete.
  private StepOutcome dispatch(Action action, Endpoint endpoint, DesiredCluster desired) throws SQLException {
    if (action instanceof Action.Fence fence) {
      return fence(endpoint, fence.unreachable() ? unreachableFenceSessions : sessions);
    } else if (action instanceof Action.StopReceiver) {
      return stopReceiver(endpoint);
    } else if (action instanceof Action.CatchUp catchUp) {
      return catchUp(endpoint, desired.members().get(catchUp.from()));
    } else if (action instanceof Action.Detach) {
      return detach(endpoint);
    } else if (action instanceof Action.Promote promote) {
      return promote(endpoint, promote.semiSyncSource());
    } else if (action instanceof Action.Replicate replicate) {
      return replicate(endpoint, desired.members().get(replicate.source()),
          desired.sourceAuthorities(replicate.instance(), replicate.source()));
    } else if (action instanceof Action.CutOff cutOff) {
      return cutOff(endpoint, cutOff.host());
    } else if (action instanceof Action.Readmit readmit) {
      return readmit(endpoint, readmit.host());
    }
    return startReplication(action.instance(), endpoint, desired);
  }

  private record StepOutcome(Outcome outcome, String detail) {
    static StepOutcome done(String detail) {
      return new StepOutcome(Outcome.DONE, detail);
    }

    static StepOutcome already(String detail) {
      return new StepOutcome(Outcome.ALREADY_DONE, detail);
    }
  }

  /**
   * Client sessions are killed before the read-only switch as well as after: a commit waiting
   * for a semi-sync acknowledgement that will never come blocks the switch until it is killed.
   */
  private StepOutcome fence(Endpoint endpoint, Sessions sessions) throws SQLException {
    try (var connection = sessions.open(endpoint, FENCE_EXTRA_TIME)) {
      var state = Observer.read(connection);
      var dialect = state.dialect();
      execute(connection, "SET SESSION lock_wait_timeout = " + FENCE_LOCK_WAIT_SECONDS);
      int killed = 0;
      if (!state.readOnly()) {
        killed += killClientSessions(connection, dialect);
        try {
          executeAll(connection, dialect.makeReadOnly());
        } catch (SQLException lockWait) {
          // A session that connected since still holds a lock: end it and try once more.
          killed += killClientSessions(connection, dialect);
          executeAll(connection, dialect.makeReadOnly());
        }
      }
      killed += killClientSessions(connection, dialect);
      String detail = "read-only; " + killed + " client session(s) killed";
      return state.readOnly() && killed == 0 ? StepOutcome.already(detail) : StepOutcome.done(detail);
    }
  }

  private int killClientSessions(Connection connection, Dialect dialect) throws SQLException {
    var ids = new ArrayList<Long>();
    try (var statement = connection.createStatement();
        var rows = statement.executeQuery(dialect.clientSessionsQuery(List.of(sessions.operatorUser(), replication.user())))) {
      while (rows.next()) {
        ids.add(rows.getLong(1));
      }
    }
    int killed = 0;
    for (long id : ids) {
      try {
        execute(connection, dialect.killConnection(id));
        killed++;
      } catch (SQLException alreadyGone) {
        // The session ended between the listing and the kill: that is what we wanted.
      }
    }
    return killed;
  }

  private StepOutcome stopReceiver(Endpoint endpoint) throws SQLException {
    try (var connection = sessions.open(endpoint, RECEIVER_STOP_TIMEOUT)) {
      var state = Observer.read(connection);
      var status = state.replication();
      if (status.isEmpty() || status.get().ioThread() == ReplicationStatus.IoThread.STOPPED) {
        return StepOutcome.already("receiver not running");
      }
      stopNow(connection, state.dialect(), state.dialect().stopReceiver());
      return StepOutcome.done("receiver stopped (was replicating from " + status.get().sourceHost() + ")");
    }
  }

  private StepOutcome catchUp(Endpoint endpoint, Endpoint from) throws SQLException {
    GtidSet target;
    try (var source = sessions.open(from)) {
      target = Observer.read(source).executed();
    }
    try (var connection = sessions.open(endpoint, catchUpTimeout)) {
      var state = Observer.read(connection);
      var missing = target.subtract(state.executed());
      if (missing.isEmpty()) {
        return StepOutcome.already("already holds every transaction of " + from);
      }
      waitForExecuted(connection, state.dialect(), missing);
      return StepOutcome.done("applied " + missing + " to match " + from);
    }
  }

  private StepOutcome detach(Endpoint endpoint) throws SQLException {
    try (var connection = sessions.open(endpoint, catchUpTimeout)) {
      var state = Observer.read(connection);
      var dialect = state.dialect();
      if (state.replication().isEmpty()) {
        return StepOutcome.already("no source configured");
      }
      var status = state.replication().get();
      if (status.ioThread() != ReplicationStatus.IoThread.STOPPED) {
        stopNow(connection, dialect, dialect.stopReceiver());
        status = Observer.read(connection).replication().orElseThrow();
      }
      var missing = status.received().subtract(state.executed());
      if (!missing.isEmpty()) {
        if (!status.sqlThreadRunning()) {
          if (status.lastSqlError().isPresent()) {
            throw new SQLException("cannot apply its relay log: " + status.lastSqlError().get());
          }
          execute(connection, dialect.startApplier());
        }
        waitForExecuted(connection, dialect, missing);
      }
      execute(connection, dialect.stopReplica());
      execute(connection, dialect.resetReplicaAll());
      return StepOutcome.done("applied its relay log" + (missing.isEmpty() ? "" : " (" + missing + ")")
          + " and left " + status.sourceHost() + ":" + status.sourcePort());
    }
  }

  private void waitForExecuted(Connection connection, Dialect dialect, GtidSet missing) throws SQLException {
    try (var statement = connection.createStatement(); var result = statement.executeQuery(dialect.waitForExecuted(missing, catchUpTimeout))) {
      result.next();
      if (result.getLong(1) != 0) {
        throw new SQLException("did not apply " + missing + " within " + catchUpTimeout.toMillis() + " ms");
      }
    }
  }

  /**
   * Writable first, then the replication account (binlogged, so replicas get it), and semi-sync
   * last: with it on and no replica connected yet, the account statements would wait forever.
   */
  private StepOutcome promote(Endpoint endpoint, boolean semiSyncSource) throws SQLException {
    try (var connection = sessions.open(endpoint)) {
      var state = Observer.read(connection);
      var dialect = state.dialect();
      if (!state.readOnly() && state.semiSync().sourceEnabled() == semiSyncSource) {
        return StepOutcome.already("already writable, semi-sync source " + (semiSyncSource ? "on" : "off"));
      }
      if (state.readOnly()) {
        executeAll(connection, dialect.makeWritable());
        executeAll(connection, dialect.ensureReplicationAccount(replication));
      }
      if (state.semiSync().sourceEnabled() != semiSyncSource) {
        execute(connection, dialect.setSemiSyncSource(semiSyncSource));
      }
      return StepOutcome.done("writable, semi-sync source " + (semiSyncSource ? "on" : "off"));
    }
  }

  private StepOutcome replicate(Endpoint endpoint, Endpoint source, Optional<String> sourceAuthorities) throws SQLException {
    try (var connection = sessions.open(endpoint)) {
      return replicate(connection, Observer.read(connection), source, sourceAuthorities);
    }
  }

  private StepOutcome replicate(Connection connection, InstanceSnapshot.ServerState state, Endpoint source,
      Optional<String> sourceAuthorities) throws SQLException {
    var dialect = state.dialect();
    var status = state.replication();
    // A read-only instance is nobody's semi-sync source; left on, it would make the applier
    // wait for acknowledgements of what it applies, and stall.
    boolean demote = state.readOnly() && state.semiSync().sourceEnabled();
    if (status.isPresent() && status.get().replicatesFrom(source) && status.get().usesGtidAutoPosition()
        && status.get().connectsAs(sourceAuthorities) && status.get().threadsRunning() && !demote) {
      return StepOutcome.already("already replicating from " + source);
    }
    if (demote) {
      execute(connection, dialect.setSemiSyncSource(false));
    }
    GtidSet sourceExecuted;
    try (var sourceConnection = sessions.open(source)) {
      sourceExecuted = Observer.read(sourceConnection).executed();
    }
    stopNow(connection, dialect, dialect.stopReplica());
    // Read again with the applier stopped: it may have applied more since the read above, and
    // resuming from there would apply that again.
    executeAll(connection, dialect.resumeFrom(Observer.read(connection), sourceExecuted));
    execute(connection, dialect.changeSource(source, replication, sourceAuthorities));
    execute(connection, dialect.startReplica());
    return StepOutcome.done("replicating from " + source + " by GTID auto-position" + (sourceAuthorities.isPresent() ? " over TLS" : "")
        + status.map(previous -> " (was " + previous.sourceHost() + ":" + previous.sourcePort() + ")").orElse(""));
  }

  /** A member source is set up again, so the receiver starts from where it should, not from where it stopped. */
  private StepOutcome startReplication(String instance, Endpoint endpoint, DesiredCluster desired) throws SQLException {
    try (var connection = sessions.open(endpoint)) {
      var state = Observer.read(connection);
      if (state.replication().map(ReplicationStatus::threadsRunning).orElse(true)) {
        return StepOutcome.already("replication threads running or no source configured");
      }
      var status = state.replication().orElseThrow();
      var memberSource = desired.members().entrySet().stream().filter(member -> status.replicatesFrom(member.getValue())).findFirst();
      if (memberSource.isPresent()) {
        return replicate(connection, state, memberSource.get().getValue(), desired.sourceAuthorities(instance, memberSource.get().getKey()));
      }
      execute(connection, state.dialect().startReplica());
      return StepOutcome.done("replication threads started");
    }
  }

  /**
   * The refusal first, committed (acknowledged by a replica under semi-sync), then the dumps
   * killed: the replica's next connect attempt, a second later, is refused.
   */
  private StepOutcome cutOff(Endpoint master, String host) throws SQLException {
    try (var connection = sessions.open(master)) {
      var dialect = Observer.read(connection).dialect();
      execute(connection, dialect.refuseAccount(replication.user(), host));
      var ids = new ArrayList<Long>();
      try (var statement = connection.createStatement(); var rows = statement.executeQuery(dialect.binlogDumpsQuery())) {
        while (rows.next()) {
          if (rows.getString("host").startsWith(host + ":")) {
            ids.add(rows.getLong("id"));
          }
        }
      }
      for (long id : ids) {
        try {
          execute(connection, dialect.killConnection(id));
        } catch (SQLException alreadyGone) {
          // The dump ended between the listing and the kill.
        }
      }
      return StepOutcome.done("replication refused from " + host + "; " + ids.size() + " binlog dump(s) to it killed");
    }
  }

  private StepOutcome readmit(Endpoint master, String host) throws SQLException {
    try (var connection = sessions.open(master)) {
      execute(connection, Observer.read(connection).dialect().readmitAccount(replication.user(), host));
      return StepOutcome.done("replication from " + host + " allowed again");
    }
  }

  /**
   * Kills the receiver thread, waits until the server lists it as a receiver no more (killed or
   * gone), then stops: see {@link Dialect#receiverThreadQuery()}. The kill alone sets the thread's
   * kill flag; STOP interrupts its read. Sent right after the kill, STOP was missed by one replica
   * in two after a freeze under writes (it signals again only after 2 s); with the receiver given
   * until it shows as killed, every stop of the bench took milliseconds. The kill is repeated every
   * {@link #RECEIVER_KILL_RETRY} while it is still listed, for {@link #RECEIVER_KILL_PERSISTENCE}.
   */
  private static void stopNow(Connection connection, Dialect dialect, String stop) throws SQLException {
    long deadline = System.nanoTime() + RECEIVER_KILL_PERSISTENCE.toNanos();
    var ids = receiverThreads(connection, dialect);
    while (!ids.isEmpty() && System.nanoTime() < deadline) {
      for (long id : ids) {
        try {
          execute(connection, dialect.killConnection(id));
        } catch (SQLException alreadyGone) {
          // The receiver ended between the listing and the kill.
        }
      }
      try {
        Thread.sleep(RECEIVER_KILL_RETRY.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      ids = receiverThreads(connection, dialect);
    }
    execute(connection, stop);
  }

  private static List<Long> receiverThreads(Connection connection, Dialect dialect) throws SQLException {
    var ids = new ArrayList<Long>();
    try (var statement = connection.createStatement(); var rows = statement.executeQuery(dialect.receiverThreadQuery())) {
      while (rows.next()) {
        ids.add(rows.getLong(1));
      }
    }
    return ids;
  }

  private static void execute(Connection connection, String sql) throws SQLException {
    try (var statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  private static void executeAll(Connection connection, List<String> statements) throws SQLException {
    for (String sql : statements) {
      execute(connection, sql);
    }
  }
}
