package dev.tandem.replication;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** MariaDB 10.11 and 11.x: master/slave statements, domain-server-seq GTIDs, built-in semi-sync. */
public record MariaDbDialect(String version) implements Dialect {

  /** Some MariaDB versions name the GTID in the error text; the relay log always does. */
  private static final Pattern FAILING_GTID = Pattern.compile("Gtid (\\d+-\\d+-\\d+)");

  @Override
  public String label() {
    return "MariaDB " + version;
  }

  @Override
  public GtidSet parseGtidSet(String text) {
    return DomainGtidSet.parse(text == null ? "" : text);
  }

  @Override
  public GtidSet emptyGtidSet() {
    return DomainGtidSet.EMPTY;
  }

  /**
   * Executed = the binlog state (every origin, kept across binlog purges; every instance logs what
   * it applies, and a restore sets it). Not gtid_slave_pos: the receiver counts this server's own
   * transactions coming back round a DualMaster ring as applied without applying them, so after
   * crash recovery truncated such a tail (init_rpl_role=SLAVE) it claims transactions the server
   * no longer has.
   */
  @Override
  public String instanceQuery() {
    return "SELECT @@global.server_id AS server_id, NULL AS server_uuid, @@global.read_only AS read_only,"
        + " @@global.read_only AS super_read_only, @@global.gtid_binlog_state AS executed";
  }

  @Override
  public String replicaStatusQuery() {
    return "SHOW SLAVE STATUS";
  }

  @Override
  public Optional<ReplicationStatus> replicationStatus(Map<String, String> row) {
    String host = row.get("Master_Host");
    if (host == null || host.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(new ReplicationStatus(
        host,
        Integer.parseInt(row.getOrDefault("Master_Port", "3306")),
        Dialect.ioThread(row.get("Slave_IO_Running")),
        "Yes".equals(row.get("Slave_SQL_Running")),
        Dialect.error(row.get("Last_IO_Errno"), row.get("Last_IO_Error"), FAILING_GTID),
        Dialect.error(row.get("Last_SQL_Errno"), row.get("Last_SQL_Error"), FAILING_GTID),
        Dialect.seconds(row.get("Seconds_Behind_Master")),
        parseGtidSet(row.get("Gtid_IO_Pos")),
        !"No".equals(row.getOrDefault("Using_Gtid", "No")),
        row.get("Master_Log_File") + ":" + row.get("Read_Master_Log_Pos"),
        Dialect.sourceAuthorities(row.get("Master_SSL_Allowed"), row.get("Master_SSL_CA_File"))));
  }

  /**
   * MariaDB's applier errors give binlog coordinates, not the GTID. A failed transaction is
   * rolled back, so the applier's relay log position is the start of it: its GTID event.
   */
  @Override
  public Optional<String> failedTransactionQuery(Map<String, String> replicaStatusRow) {
    String file = replicaStatusRow.get("Relay_Log_File");
    String position = replicaStatusRow.get("Relay_Log_Pos");
    if (file == null || file.isBlank() || position == null || !position.matches("\\d+")) {
      return Optional.empty();
    }
    return Optional.of("SHOW RELAYLOG EVENTS IN " + Dialect.quote(file) + " FROM " + position + " LIMIT 1");
  }

  /** LOCAL: a FLUSH is written to the binlog otherwise, a transaction of its own, errant on a replica. */
  @Override
  public String reloadTlsStatement() {
    return "FLUSH LOCAL SSL";
  }

  @Override
  public String semiSyncSourceEnabledVariable() {
    return "rpl_semi_sync_master_enabled";
  }

  @Override
  public String semiSyncReplicaEnabledVariable() {
    return "rpl_semi_sync_slave_enabled";
  }

  @Override
  public String semiSyncSourceActiveStatus() {
    return "Rpl_semi_sync_master_status";
  }

  @Override
  public String semiSyncSourceClientsStatus() {
    return "Rpl_semi_sync_master_clients";
  }

  /**
   * {@code slave_pos}, which {@link #resumeFrom} sets first. {@code current_pos} makes a master
   * that is ahead of its peer in its own domain ask for transactions the peer does not have, and
   * is refused.
   */
  @Override
  public String changeSource(Endpoint source, Account replication, Optional<String> sourceAuthorities) {
    return "CHANGE MASTER TO MASTER_HOST = " + Dialect.quote(source.host()) + ", MASTER_PORT = " + source.port()
        + ", MASTER_USER = " + Dialect.quote(replication.user()) + ", MASTER_PASSWORD = " + Dialect.quote(replication.password())
        + ", MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1, MASTER_HEARTBEAT_PERIOD = " + Dialect.heartbeatSeconds()
        + sourceAuthorities.map(file -> ", MASTER_SSL = 1, MASTER_SSL_CA = " + Dialect.quote(file) + ", MASTER_SSL_VERIFY_SERVER_CERT = 0")
            .orElse(", MASTER_SSL = 0, MASTER_SSL_CA = '', MASTER_SSL_VERIFY_SERVER_CERT = 0");
  }

  /**
   * The server's binlog position: gtid_slave_pos cannot be trusted, as the receiver marks the
   * server's own transactions as received when they come back round a ring without applying them,
   * so after crash recovery truncated them it covers what the server no longer has. From the binlog
   * position they come back again, and a semi-sync replica (rpl_semi_sync_slave_enabled) applies
   * its own server's transactions beyond its binlog instead of skipping them (MDEV-21117).
   * Left alone when the source lacks only the server's own writes: what came back is where to
   * resume, and strict mode refuses a gtid_slave_pos below the server's own binlog anyway.
   */
  @Override
  public List<String> resumeFrom(InstanceSnapshot.ServerState state, GtidSet sourceExecuted) {
    var executed = (DomainGtidSet) state.executed();
    if (executed.aheadOnlyWithOwnWrites((DomainGtidSet) sourceExecuted, state.serverId())) {
      return List.of();
    }
    return List.of("SET GLOBAL gtid_slave_pos = " + Dialect.quote(executed.position().toString()));
  }

  @Override
  public String startReplica() {
    return "START SLAVE";
  }

  @Override
  public String stopReplica() {
    return "STOP SLAVE";
  }

  @Override
  public String receivedHeartbeatsQuery() {
    return "SELECT VARIABLE_VALUE AS heartbeats FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'SLAVE_RECEIVED_HEARTBEATS'";
  }

  @Override
  public String receiverThreadQuery() {
    return "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND = 'Slave_IO'";
  }

  @Override
  public String stopReceiver() {
    return "STOP SLAVE IO_THREAD";
  }

  @Override
  public String startApplier() {
    return "START SLAVE SQL_THREAD";
  }

  @Override
  public String resetReplicaAll() {
    return "RESET SLAVE ALL";
  }

  @Override
  public List<String> makeReadOnly() {
    return List.of("SET GLOBAL read_only = ON");
  }

  @Override
  public List<String> makeWritable() {
    return List.of("SET GLOBAL read_only = OFF");
  }

  @Override
  public String setSemiSyncSource(boolean enabled) {
    return "SET GLOBAL rpl_semi_sync_master_enabled = " + (enabled ? "ON" : "OFF");
  }

  /** MASTER_GTID_WAIT takes a position: the last missing transaction of each domain. */
  @Override
  public String waitForExecuted(GtidSet missing, Duration timeout) {
    return "SELECT MASTER_GTID_WAIT(" + Dialect.quote(((DomainGtidSet) missing).position().toString()) + ", "
        + MySqlDialect.timeoutSeconds(timeout) + ")";
  }

  @Override
  public String replicationPrivileges() {
    return "REPLICATION SLAVE";
  }
}
