package dev.tandem.replication;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** MySQL 8.0.26+ and 8.4: source/replica statements, GTID sets by server_uuid, super_read_only. */
public record MySqlDialect(String version) implements Dialect {

  private static final Pattern FAILING_GTID = Pattern.compile("transaction '([^']+)'");

  @Override
  public String label() {
    return "MySQL " + version;
  }

  @Override
  public GtidSet parseGtidSet(String text) {
    return UuidGtidSet.parse(text == null ? "" : text);
  }

  @Override
  public GtidSet emptyGtidSet() {
    return UuidGtidSet.EMPTY;
  }

  @Override
  public String instanceQuery() {
    return "SELECT @@global.server_id AS server_id, @@global.server_uuid AS server_uuid, @@global.read_only AS read_only,"
        + " @@global.super_read_only AS super_read_only, @@global.gtid_executed AS executed";
  }

  @Override
  public String replicaStatusQuery() {
    return "SHOW REPLICA STATUS";
  }

  @Override
  public Optional<ReplicationStatus> replicationStatus(Map<String, String> row) {
    String host = row.get("Source_Host");
    if (host == null || host.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(new ReplicationStatus(
        host,
        Integer.parseInt(row.getOrDefault("Source_Port", "3306")),
        Dialect.ioThread(row.get("Replica_IO_Running")),
        "Yes".equals(row.get("Replica_SQL_Running")),
        Dialect.error(row.get("Last_IO_Errno"), row.get("Last_IO_Error"), FAILING_GTID),
        Dialect.error(row.get("Last_SQL_Errno"), row.get("Last_SQL_Error"), FAILING_GTID),
        Dialect.seconds(row.get("Seconds_Behind_Source")),
        parseGtidSet(row.get("Retrieved_Gtid_Set")),
        "1".equals(row.get("Auto_Position")),
        row.get("Source_Log_File") + ":" + row.get("Read_Source_Log_Pos"),
        Dialect.sourceAuthorities(row.get("Source_SSL_Allowed"), row.get("Source_SSL_CA_File"))));
  }

  /** MySQL's applier errors name the transaction: "… executing transaction 'uuid:n' …". */
  @Override
  public Optional<String> failedTransactionQuery(Map<String, String> replicaStatusRow) {
    return Optional.empty();
  }

  @Override
  public String reloadTlsStatement() {
    return "ALTER INSTANCE RELOAD TLS";
  }

  @Override
  public String semiSyncSourceEnabledVariable() {
    return "rpl_semi_sync_source_enabled";
  }

  @Override
  public String semiSyncReplicaEnabledVariable() {
    return "rpl_semi_sync_replica_enabled";
  }

  @Override
  public String semiSyncSourceActiveStatus() {
    return "Rpl_semi_sync_source_status";
  }

  @Override
  public String semiSyncSourceClientsStatus() {
    return "Rpl_semi_sync_source_clients";
  }

  @Override
  public String changeSource(Endpoint source, Account replication, Optional<String> sourceAuthorities) {
    // GET_SOURCE_PUBLIC_KEY: caching_sha2_password, the default, needs it without TLS.
    return "CHANGE REPLICATION SOURCE TO SOURCE_HOST = " + Dialect.quote(source.host()) + ", SOURCE_PORT = " + source.port()
        + ", SOURCE_USER = " + Dialect.quote(replication.user()) + ", SOURCE_PASSWORD = " + Dialect.quote(replication.password())
        + ", SOURCE_AUTO_POSITION = 1, SOURCE_CONNECT_RETRY = 1, SOURCE_RETRY_COUNT = 86400, SOURCE_HEARTBEAT_PERIOD = " + Dialect.heartbeatSeconds() + ","
        + " GET_SOURCE_PUBLIC_KEY = 1"
        + sourceAuthorities.map(file -> ", SOURCE_SSL = 1, SOURCE_SSL_CA = " + Dialect.quote(file) + ", SOURCE_SSL_VERIFY_SERVER_CERT = 0")
            .orElse(", SOURCE_SSL = 0, SOURCE_SSL_CA = '', SOURCE_SSL_VERIFY_SERVER_CERT = 0");
  }

  /** Auto-position: the replica sends what it holds and the source sends exactly what it lacks. */
  @Override
  public List<String> resumeFrom(InstanceSnapshot.ServerState state, GtidSet sourceExecuted) {
    return List.of();
  }

  @Override
  public String startReplica() {
    return "START REPLICA";
  }

  @Override
  public String stopReplica() {
    return "STOP REPLICA";
  }

  @Override
  public String receivedHeartbeatsQuery() {
    return "SELECT COUNT_RECEIVED_HEARTBEATS AS heartbeats FROM performance_schema.replication_connection_status"
        + " WHERE CHANNEL_NAME = ''";
  }

  @Override
  public String receiverThreadQuery() {
    return "SELECT t.PROCESSLIST_ID FROM performance_schema.replication_connection_status s"
        + " JOIN performance_schema.threads t ON t.THREAD_ID = s.THREAD_ID WHERE t.PROCESSLIST_ID IS NOT NULL";
  }

  @Override
  public String stopReceiver() {
    return "STOP REPLICA IO_THREAD";
  }

  @Override
  public String startApplier() {
    return "START REPLICA SQL_THREAD";
  }

  @Override
  public String resetReplicaAll() {
    return "RESET REPLICA ALL";
  }

  @Override
  public List<String> makeReadOnly() {
    // super_read_only implies read_only and also stops accounts with SUPER.
    return List.of("SET GLOBAL super_read_only = ON");
  }

  @Override
  public List<String> makeWritable() {
    return List.of("SET GLOBAL super_read_only = OFF", "SET GLOBAL read_only = OFF");
  }

  @Override
  public String setSemiSyncSource(boolean enabled) {
    return "SET GLOBAL rpl_semi_sync_source_enabled = " + (enabled ? "ON" : "OFF");
  }

  @Override
  public String waitForExecuted(GtidSet missing, Duration timeout) {
    return "SELECT WAIT_FOR_EXECUTED_GTID_SET(" + Dialect.quote(missing.toString()) + ", " + timeoutSeconds(timeout) + ")";
  }

  static String timeoutSeconds(Duration timeout) {
    return String.format(Locale.ROOT, "%.3f", timeout.toMillis() / 1000.0);
  }

  @Override
  public String replicationPrivileges() {
    return "REPLICATION SLAVE";
  }
}
