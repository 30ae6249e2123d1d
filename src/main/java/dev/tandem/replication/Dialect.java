package dev.tandem.replication;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SQL of one server flavor. Pure: it writes statements and reads result rows, and never
 * talks to a server, so every statement is unit-tested without one.
 */
public sealed interface Dialect permits MySqlDialect, MariaDbDialect {

  Pattern MARIADB_VERSION = Pattern.compile("(?:5\\.5\\.5-)?(\\d+)\\.(\\d+)\\.(\\d+).*-MariaDB.*", Pattern.CASE_INSENSITIVE);
  Pattern MYSQL_VERSION = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+).*");
  /** A GTID in SHOW RELAYLOG EVENTS' Info column, in either format. */
  Pattern EVENT_GTID = Pattern.compile("GTID (\\d+-\\d+-\\d+|[0-9a-f-]{36}(?::[a-z_0-9]+)?:\\d+)");

  /**
   * Picks the dialect from {@code SELECT VERSION()}. Connector/J reports MariaDB as MySQL 5.5.5,
   * so only the version string tells them apart.
   */
  static Dialect forVersion(String version) {
    Matcher mariaDb = MARIADB_VERSION.matcher(version);
    if (mariaDb.matches()) {
      int major = Integer.parseInt(mariaDb.group(1));
      int minor = Integer.parseInt(mariaDb.group(2));
      if (major < 10 || (major == 10 && minor < 11)) {
        throw new UnsupportedServerException("MariaDB " + version + " is not supported: Tandem needs MariaDB 10.11 or 11.x");
      }
      return new MariaDbDialect(major + "." + minor);
    }
    Matcher mySql = MYSQL_VERSION.matcher(version);
    if (mySql.matches()) {
      int major = Integer.parseInt(mySql.group(1));
      int minor = Integer.parseInt(mySql.group(2));
      int patch = Integer.parseInt(mySql.group(3));
      if (major < 8 || (major == 8 && minor == 0 && patch < 26)) {
        throw new UnsupportedServerException("MySQL " + version + " is not supported: Tandem needs MySQL 8.0.26 or later (8.0, 8.4)");
      }
      return new MySqlDialect(major + "." + minor);
    }
    throw new UnsupportedServerException("cannot tell the server flavor from version '" + version + "'");
  }

  /** "MariaDB 10.11", "MySQL 8.4". */
  String label();

  GtidSet parseGtidSet(String text);

  GtidSet emptyGtidSet();

  /**
   * One row: {@code server_id}, {@code server_uuid} (null on MariaDB), {@code read_only},
   * {@code super_read_only} (the same as read_only on MariaDB), {@code executed}.
   */
  String instanceQuery();

  String replicaStatusQuery();

  /** Empty when the row says no source is configured. */
  Optional<ReplicationStatus> replicationStatus(Map<String, String> row);

  /**
   * Where a stopped applier's error does not name the transaction it failed on, a query for the
   * relay log event it stopped at: its first row names the GTID (see {@link #eventGtid}).
   */
  Optional<String> failedTransactionQuery(Map<String, String> replicaStatusRow);

  /** The GTID an event row of {@link #failedTransactionQuery} names. */
  default Optional<String> eventGtid(Map<String, String> eventRow) {
    var gtid = EVENT_GTID.matcher(eventRow.getOrDefault("Info", ""));
    return gtid.find() ? Optional.of(gtid.group(1)) : Optional.empty();
  }

  String semiSyncSourceEnabledVariable();

  String semiSyncReplicaEnabledVariable();

  /** The status variable that is ON while the source really waits for acknowledgements. */
  String semiSyncSourceActiveStatus();

  String semiSyncSourceClientsStatus();

  default String semiSyncVariablesQuery() {
    return "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('" + semiSyncSourceEnabledVariable() + "', '"
        + semiSyncReplicaEnabledVariable() + "')";
  }

  /** The semi-sync status variables, and Uptime. */
  default String semiSyncStatusQuery() {
    return "SHOW GLOBAL STATUS WHERE Variable_name IN ('" + semiSyncSourceActiveStatus() + "', '"
        + semiSyncSourceClientsStatus() + "', 'Uptime')";
  }

  /**
   * Seconds between the source's heartbeats while it has no event to send. Far below the failure
   * detection window (failover.failureThreshold x probeIntervalMillis, 800 ms by default): a
   * replica that heard nothing for the window heard no heartbeat either, while a 0.5 s stall of
   * the source leaves at most 0.6 s of silence.
   */
  Duration HEARTBEAT_PERIOD = Duration.ofMillis(100);

  /** {@link #HEARTBEAT_PERIOD} as the seconds CHANGE MASTER / CHANGE REPLICATION SOURCE take. */
  static String heartbeatSeconds() {
    return String.valueOf(HEARTBEAT_PERIOD.toMillis() / 1000.0);
  }

  /**
   * Points this instance at a source with GTID auto-position and fast dead-source detection: a
   * {@link #HEARTBEAT_PERIOD} heartbeat and a one-second connect retry (the net timeout is in my.cnf).
   */
  /** Has the server read its certificate, key and CA files again, for new connections; no restart. */
  String reloadTlsStatement();

  /**
   * Points replication at {@code source}. Over TLS when {@code sourceAuthorities} names a CA file:
   * the receiver then refuses a source whose certificate no CA in it signed. The name in the
   * certificate is not checked, since sources are dialled by Pod IP.
   */
  String changeSource(Endpoint source, Account replication, Optional<String> sourceAuthorities);

  /**
   * One row, column {@code heartbeats}: how many heartbeats the receiver has counted. With the
   * binlog coordinates it has read, it tells whether it heard anything from its source between
   * two looks.
   */
  String receivedHeartbeatsQuery();

  /**
   * What sets where the receiver starts on a source holding {@code sourceExecuted}, run while
   * replication is stopped, before {@link #changeSource}; nothing where the server works it out
   * itself.
   */
  List<String> resumeFrom(InstanceSnapshot.ServerState state, GtidSet sourceExecuted);

  String startReplica();

  String stopReplica();

  String stopReceiver();

  /** Starts only the applier, so a detached candidate applies what it already received. */
  String startApplier();

  String resetReplicaAll();

  List<String> makeReadOnly();

  List<String> makeWritable();

  String setSemiSyncSource(boolean enabled);

  /**
   * A query that returns one number once the instance has executed {@code missing} (0), or when
   * the timeout passed first (anything else).
   */
  String waitForExecuted(GtidSet missing, Duration timeout);

  /** The replication account: created if absent, its password set, least privilege. */
  default List<String> ensureReplicationAccount(Account replication) {
    String account = quote(replication.user()) + "@'%'";
    return List.of(
        "CREATE USER IF NOT EXISTS " + account + " IDENTIFIED BY " + quote(replication.password()),
        "ALTER USER " + account + " IDENTIFIED BY " + quote(replication.password()),
        "GRANT " + replicationPrivileges() + " ON *.* TO " + account);
  }

  String replicationPrivileges();

  /**
   * The client sessions a fence kills: everyone but replication dump threads, the server's own
   * threads and the accounts named (the operator's).
   */
  default String clientSessionsQuery(List<String> keptUsers) {
    var kept = new StringBuilder("'system user', 'event_scheduler'");
    keptUsers.forEach(user -> kept.append(", ").append(quote(user)));
    return "SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND USER NOT IN (" + kept
        + ") AND COMMAND NOT IN ('Binlog Dump', 'Binlog Dump GTID', 'Daemon', 'Killed')";
  }

  /** The binlog dump threads this server runs: the replicas it streams to, by address. */
  default String binlogDumpsQuery() {
    return "SELECT ID AS id, HOST AS host FROM information_schema.PROCESSLIST WHERE COMMAND IN ('Binlog Dump', 'Binlog Dump GTID')";
  }

  /**
   * A locked account for {@code user} at one address: the server matches the most specific host
   * first, so that address is refused while every other one still logs in through '%'.
   */
  default String refuseAccount(String user, String host) {
    return "CREATE USER IF NOT EXISTS " + quote(user) + "@" + quote(host) + " ACCOUNT LOCK";
  }

  default String readmitAccount(String user, String host) {
    return "DROP USER IF EXISTS " + quote(user) + "@" + quote(host);
  }

  /**
   * The receiver thread's id, for KILL: a receiver still connected to a source that went silent
   * is blocked reading its socket, and the kill shuts that socket, so it stops in milliseconds.
   * One that already timed out and reconnects does not: on MariaDB with semi-sync its stop waits
   * 1-2 s for an attempt to connect to the dead source (measured, killed first or not), which is
   * why the net timeout in my.cnf outlasts the failure detection window.
   */
  String receiverThreadQuery();

  default String killConnection(long id) {
    return "KILL CONNECTION " + id;
  }

  /**
   * A SQL string literal with backslashes and quotes escaped. {@link Sessions} clears
   * NO_BACKSLASH_ESCAPES, the one sql_mode in which this escaping would be read differently.
   */
  static String quote(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
  }

  static Optional<ReplicationStatus.ReplicationError> error(String number, String message, Pattern failingGtid) {
    if (number == null || number.isBlank() || "0".equals(number.trim())) {
      return Optional.empty();
    }
    Matcher gtid = failingGtid.matcher(message == null ? "" : message);
    return Optional.of(new ReplicationStatus.ReplicationError(Integer.parseInt(number.trim()), message == null ? "" : message,
        gtid.find() ? Optional.of(gtid.group(1)) : Optional.empty()));
  }

  /** The CA file of a receiver that connects over TLS ("Ignored": allowed, but this server has no TLS); empty in plaintext. */
  static Optional<String> sourceAuthorities(String sslAllowed, String caFile) {
    return "Yes".equals(sslAllowed) || "Ignored".equals(sslAllowed) ? Optional.of(caFile == null ? "" : caFile) : Optional.empty();
  }

  static Optional<Long> seconds(String value) {
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(Long.parseLong(value.trim()));
  }

  static ReplicationStatus.IoThread ioThread(String value) {
    return switch (value == null ? "" : value) {
      case "Yes" -> ReplicationStatus.IoThread.RUNNING;
      case "Connecting", "Preparing" -> ReplicationStatus.IoThread.CONNECTING;
      default -> ReplicationStatus.IoThread.STOPPED;
    };
  }
}
