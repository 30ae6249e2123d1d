package dev.tandem.replication;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/** Reads one instance into a snapshot. Never throws for a server that is down or slow. */
public final class Observer {

  /**
   * The connect timeout of a probe of a suspect (the master after it missed one): long enough for
   * a live server on a busy node, short enough that the looks confirming a failure, and the
   * replicas' silence they read, come every few tenths of a second instead of every timeout.
   */
  public static final Duration SUSPECT_CONNECT_TIMEOUT = Duration.ofMillis(150);

  private static final String REFUSED = "connection refused";

  private final Sessions sessions;
  private final Sessions suspectSessions;

  public Observer(Sessions sessions) {
    this.sessions = sessions;
    this.suspectSessions = sessions.withConnectTimeout(SUSPECT_CONNECT_TIMEOUT);
  }

  public InstanceSnapshot observe(String name, Endpoint endpoint) {
    return observe(name, endpoint, sessions);
  }

  private static InstanceSnapshot observe(String name, Endpoint endpoint, Sessions sessions) {
    long started = System.nanoTime();
    try (var connection = sessions.open(endpoint)) {
      var state = read(connection);
      return InstanceSnapshot.reachable(name, endpoint, state, Duration.ofNanos(System.nanoTime() - started));
    } catch (SQLException | RuntimeException e) {
      return InstanceSnapshot.unreachable(name, endpoint, describe(e), Duration.ofNanos(System.nanoTime() - started));
    }
  }

  /**
   * Every member at once, each in its own task, so one frozen server costs the time of its
   * timeout and not the sum of them.
   */
  public Map<String, InstanceSnapshot> observeAll(Map<String, Endpoint> members, Executor tasks) {
    return observeAll(members, Set.of(), tasks);
  }

  /** The same, {@code suspects} with {@link #SUSPECT_CONNECT_TIMEOUT}. */
  public Map<String, InstanceSnapshot> observeAll(Map<String, Endpoint> members, Set<String> suspects, Executor tasks) {
    var futures = new LinkedHashMap<String, CompletableFuture<InstanceSnapshot>>();
    members.forEach((name, endpoint) -> futures.put(name, CompletableFuture.supplyAsync(
        () -> observe(name, endpoint, suspects.contains(name) ? suspectSessions : sessions), tasks)));
    var snapshots = new LinkedHashMap<String, InstanceSnapshot>();
    futures.forEach((name, future) -> snapshots.put(name, future.join()));
    return snapshots;
  }

  /** The server state over an open session; the executor uses it to re-check mid-step. */
  static InstanceSnapshot.ServerState read(Connection connection) throws SQLException {
    String version = singleRow(connection, "SELECT VERSION() AS version").get("version");
    Dialect dialect = Dialect.forVersion(version);
    // Before the GTID sets: a replica not fed now cannot hold what is written after this read.
    var feeding = new java.util.HashSet<String>();
    for (var dump : rows(connection, dialect.binlogDumpsQuery())) {
      String host = dump.get("host");
      feeding.add(host.contains(":") ? host.substring(0, host.lastIndexOf(':')) : host);
    }
    var instance = singleRow(connection, dialect.instanceQuery());
    var replicaRows = rows(connection, dialect.replicaStatusQuery());
    var variables = nameValues(connection, dialect.semiSyncVariablesQuery());
    var status = nameValues(connection, dialect.semiSyncStatusQuery());
    var semiSync = new InstanceSnapshot.SemiSync(
        "ON".equalsIgnoreCase(variables.get(dialect.semiSyncSourceEnabledVariable())),
        "ON".equalsIgnoreCase(variables.get(dialect.semiSyncReplicaEnabledVariable())),
        "ON".equalsIgnoreCase(status.get(dialect.semiSyncSourceActiveStatus())),
        Integer.parseInt(status.getOrDefault(dialect.semiSyncSourceClientsStatus(), "0")));
    return new InstanceSnapshot.ServerState(
        dialect,
        version,
        Long.parseLong(instance.get("server_id")),
        Optional.ofNullable(instance.get("server_uuid")),
        "1".equals(instance.get("read_only")) || "1".equals(instance.get("super_read_only")),
        dialect.parseGtidSet(instance.get("executed")),
        replicaRows.isEmpty() ? Optional.empty() : replicationStatus(connection, dialect, replicaRows.get(0)),
        semiSync,
        feeding,
        Duration.ofSeconds(Long.parseLong(status.getOrDefault("Uptime", "0"))));
  }

  private static Optional<ReplicationStatus> replicationStatus(Connection connection, Dialect dialect, Map<String, String> row)
      throws SQLException {
    var status = dialect.replicationStatus(row);
    if (status.isPresent()) {
      status = Optional.of(status.get().withHeartbeats(receivedHeartbeats(connection, dialect)));
    }
    var unnamed = status.flatMap(ReplicationStatus::lastSqlError).filter(error -> error.failingGtid().isEmpty());
    if (unnamed.isPresent() && !status.get().sqlThreadRunning()) {
      var query = dialect.failedTransactionQuery(row);
      if (query.isPresent()) {
        var events = rows(connection, query.get());
        var gtid = events.isEmpty() ? Optional.<String>empty() : dialect.eventGtid(events.get(0));
        if (gtid.isPresent()) {
          return Optional.of(status.get().withFailedTransaction(gtid.get()));
        }
      }
    }
    return status;
  }

  /** Empty when the server does not say (MySQL without performance_schema, or not readable). */
  private static Optional<String> receivedHeartbeats(Connection connection, Dialect dialect) {
    try {
      var rows = rows(connection, dialect.receivedHeartbeatsQuery());
      return rows.isEmpty() ? Optional.empty() : Optional.ofNullable(rows.get(0).get("heartbeats"));
    } catch (SQLException unreadable) {
      return Optional.empty();
    }
  }

  static String describe(Exception e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int newline = message.indexOf('\n');
    String first = newline < 0 ? message : message.substring(0, newline);
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof java.net.ConnectException && String.valueOf(cause.getMessage()).toLowerCase().contains("refused")) {
        return first + ": " + REFUSED;
      }
    }
    return first;
  }

  /** The probe reached the address and nothing listened on the port: mysqld is not running there. */
  public static boolean refused(InstanceSnapshot snapshot) {
    return snapshot.failure().filter(failure -> failure.endsWith(REFUSED)).isPresent();
  }

  private static Map<String, String> singleRow(Connection connection, String sql) throws SQLException {
    var rows = rows(connection, sql);
    if (rows.size() != 1) {
      throw new SQLException("expected one row from " + sql + ", got " + rows.size());
    }
    return rows.get(0);
  }

  private static List<Map<String, String>> rows(Connection connection, String sql) throws SQLException {
    try (var statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
      var meta = result.getMetaData();
      var rows = new ArrayList<Map<String, String>>();
      while (result.next()) {
        var row = new HashMap<String, String>();
        for (int column = 1; column <= meta.getColumnCount(); column++) {
          row.put(meta.getColumnLabel(column), result.getString(column));
        }
        rows.add(row);
      }
      return rows;
    }
  }

  private static Map<String, String> nameValues(Connection connection, String sql) throws SQLException {
    var values = new HashMap<String, String>();
    for (var row : rows(connection, sql)) {
      values.put(row.get("Variable_name"), row.get("Value"));
    }
    return values;
  }
}
