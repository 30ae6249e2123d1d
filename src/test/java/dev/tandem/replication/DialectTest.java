package dev.tandem.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The SQL each flavor emits. MariaDB's is also run for real by the engine tests; MySQL's is
 * covered here and by the K3s suite, since no MySQL server package exists on the build machines.
 */
class DialectTest {

  static final Endpoint SOURCE = new Endpoint("shop-0.shop-headless.prod.svc", 3306);
  static final Account REPLICATION = new Account("repl", "it's\\secret");

  @ParameterizedTest
  @CsvSource({
      "8.4.3, MySQL 8.4",
      "8.0.36, MySQL 8.0",
      "8.0.26, MySQL 8.0",
      "9.1.0, MySQL 9.1",
      "5.5.5-10.11.6-MariaDB-0+deb12u1-log, MariaDB 10.11",
      "10.11.19-MariaDB, MariaDB 10.11",
      "11.4.2-MariaDB-ubu2404, MariaDB 11.4"})
  void choosesTheDialectFromTheVersionString(String version, String label) {
    assertThat(Dialect.forVersion(version).label()).isEqualTo(label);
  }

  @ParameterizedTest
  @CsvSource({
      "8.0.25, 'MySQL 8.0.25 is not supported: Tandem needs MySQL 8.0.26 or later'",
      "5.7.44-log, 'MySQL 5.7.44-log is not supported'",
      "5.5.5-10.6.16-MariaDB, 'MariaDB 5.5.5-10.6.16-MariaDB is not supported: Tandem needs MariaDB 10.11 or 11.x'",
      "PostgreSQL 16, 'cannot tell the server flavor from version'"})
  void refusesUnsupportedServersWithTheVersionsItSupports(String version, String message) {
    assertThatThrownBy(() -> Dialect.forVersion(version)).isInstanceOf(UnsupportedServerException.class).hasMessageContaining(message);
  }

  @Test
  void quotesStringsSoNoValueEndsTheLiteral() {
    assertThat(Dialect.quote("it's\\x")).isEqualTo("'it''s\\\\x'");
  }

  @Nested
  class MySql {
    final Dialect dialect = new MySqlDialect("8.4");

    @Test
    void pointsAReplicaAtItsSourceByGtidAutoPositionWithFastDeadSourceDetection() {
      assertThat(dialect.changeSource(SOURCE, REPLICATION, Optional.empty())).isEqualTo(
          "CHANGE REPLICATION SOURCE TO SOURCE_HOST = 'shop-0.shop-headless.prod.svc', SOURCE_PORT = 3306,"
              + " SOURCE_USER = 'repl', SOURCE_PASSWORD = 'it''s\\\\secret', SOURCE_AUTO_POSITION = 1, SOURCE_CONNECT_RETRY = 1,"
              + " SOURCE_RETRY_COUNT = 86400, SOURCE_HEARTBEAT_PERIOD = 0.1, GET_SOURCE_PUBLIC_KEY = 1,"
              + " SOURCE_SSL = 0, SOURCE_SSL_CA = '', SOURCE_SSL_VERIFY_SERVER_CERT = 0");
    }

    @Test
    void overTlsVerifiesTheSourcesCertificateWithTheClustersCaButNotItsNameSinceSourcesAreDialledByIp() {
      assertThat(dialect.changeSource(SOURCE, REPLICATION, Optional.of("/etc/mysql/tls/ca.crt")))
          .endsWith(", SOURCE_SSL = 1, SOURCE_SSL_CA = '/etc/mysql/tls/ca.crt', SOURCE_SSL_VERIFY_SERVER_CERT = 0");
    }

    @Test
    void readsWhetherTheReceiverConnectsOverTlsAndWithWhichCa() {
      var row = new java.util.HashMap<>(Map.of("Source_Host", "10.0.0.10", "Source_Port", "3306", "Replica_IO_Running", "Yes",
          "Replica_SQL_Running", "Yes", "Auto_Position", "1", "Retrieved_Gtid_Set", "", "Source_SSL_Allowed", "Yes",
          "Source_SSL_CA_File", "/etc/mysql/tls/ca.crt"));
      assertThat(dialect.replicationStatus(row).orElseThrow().sourceAuthorities()).contains("/etc/mysql/tls/ca.crt");
      row.put("Source_SSL_Allowed", "No");
      assertThat(dialect.replicationStatus(row).orElseThrow().sourceAuthorities()).isEmpty();
    }

    @Test
    void leavesWhereToResumeToAutoPosition() {
      var replica = View.of(2).mySql().standalone("shop-1", View.uuid(0) + ":1-10").build().reachableServer("shop-1");

      assertThat(dialect.resumeFrom(replica, replica.executed())).isEmpty();
    }

    @Test
    void usesTheSourceReplicaStatements() {
      assertThat(List.of(dialect.startReplica(), dialect.stopReplica(), dialect.stopReceiver(), dialect.startApplier(),
          dialect.resetReplicaAll(), dialect.replicaStatusQuery()))
          .containsExactly("START REPLICA", "STOP REPLICA", "STOP REPLICA IO_THREAD", "START REPLICA SQL_THREAD",
              "RESET REPLICA ALL", "SHOW REPLICA STATUS");
    }

    @Test
    void findsTheReceiverThreadThroughPerformanceSchema() {
      assertThat(dialect.receiverThreadQuery()).contains("performance_schema.replication_connection_status")
          .contains("PROCESSLIST_ID");
    }

    @Test
    void fencesWithSuperReadOnlyAndOpensWithBoth() {
      assertThat(dialect.makeReadOnly()).containsExactly("SET GLOBAL super_read_only = ON");
      assertThat(dialect.makeWritable()).containsExactly("SET GLOBAL super_read_only = OFF", "SET GLOBAL read_only = OFF");
    }

    @Test
    void switchesTheSemiSyncSourcePlugin() {
      assertThat(dialect.setSemiSyncSource(true)).isEqualTo("SET GLOBAL rpl_semi_sync_source_enabled = ON");
      assertThat(dialect.semiSyncVariablesQuery()).contains("'rpl_semi_sync_source_enabled'", "'rpl_semi_sync_replica_enabled'");
      assertThat(dialect.semiSyncStatusQuery()).contains("'Rpl_semi_sync_source_status'", "'Rpl_semi_sync_source_clients'");
    }

    @Test
    void waitsForAGtidSetWithABoundedTimeout() {
      var missing = UuidGtidSet.parse(GtidSetTest.A + ":11-12");

      assertThat(dialect.waitForExecuted(missing, Duration.ofMillis(2500)))
          .isEqualTo("SELECT WAIT_FOR_EXECUTED_GTID_SET('" + GtidSetTest.A + ":11-12', 2.500)");
    }

    @Test
    void readsTheReplicaStatusColumnsOf8023AndLater() {
      var status = dialect.replicationStatus(Map.ofEntries(
          Map.entry("Source_Host", "10.0.0.10"), Map.entry("Source_Port", "3306"), Map.entry("Replica_IO_Running", "Connecting"),
          Map.entry("Replica_SQL_Running", "No"), Map.entry("Last_IO_Errno", "2003"), Map.entry("Last_IO_Error", "can't connect"),
          Map.entry("Last_SQL_Errno", "1062"),
          Map.entry("Last_SQL_Error", "Worker 1 failed executing transaction '" + GtidSetTest.A + ":23' at source log"),
          Map.entry("Seconds_Behind_Source", ""), Map.entry("Retrieved_Gtid_Set", GtidSetTest.A + ":1-23"), Map.entry("Auto_Position", "1")))
          .orElseThrow();

      assertThat(status.replicatesFrom(new Endpoint("10.0.0.10", 3306))).isTrue();
      assertThat(status.ioThread()).isEqualTo(ReplicationStatus.IoThread.CONNECTING);
      assertThat(status.sqlThreadRunning()).isFalse();
      assertThat(status.lastIoError()).hasValueSatisfying(error -> assertThat(error.number()).isEqualTo(2003));
      assertThat(status.lastSqlError()).hasValueSatisfying(error -> assertThat(error.failingGtid()).contains(GtidSetTest.A + ":23"));
      assertThat(status.secondsBehindSource()).isEmpty();
      assertThat(status.received()).hasToString(GtidSetTest.A + ":1-23");
      assertThat(status.usesGtidAutoPosition()).isTrue();
      assertThat(dialect.failedTransactionQuery(Map.of())).isEmpty();
    }

    @Test
    void anEmptyStatusRowMeansNoSource() {
      assertThat(dialect.replicationStatus(Map.of("Source_Host", ""))).isEmpty();
    }

    @Test
    void readsGtidExecutedAndSuperReadOnly() {
      assertThat(dialect.instanceQuery()).contains("@@global.gtid_executed AS executed", "@@global.super_read_only",
          "@@global.server_uuid");
    }
  }

  @Nested
  class MariaDb {
    final Dialect dialect = new MariaDbDialect("10.11");

    @Test
    void pointsAReplicaAtItsSourceFromThePositionResumeFromSets() {
      assertThat(dialect.changeSource(SOURCE, REPLICATION, Optional.empty())).isEqualTo(
          "CHANGE MASTER TO MASTER_HOST = 'shop-0.shop-headless.prod.svc', MASTER_PORT = 3306, MASTER_USER = 'repl',"
              + " MASTER_PASSWORD = 'it''s\\\\secret', MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1,"
              + " MASTER_HEARTBEAT_PERIOD = 0.1, MASTER_SSL = 0, MASTER_SSL_CA = '', MASTER_SSL_VERIFY_SERVER_CERT = 0");
    }

    @Test
    void resumesFromTheBinlogPositionNotFromWhatTheReceiverLastMarked() {
      var returningMaster = View.of(2).dualMaster().standalone("shop-0", "0-1000-786,0-1001-3,1-1001-40").build().reachableServer("shop-0");

      assertThat(dialect.resumeFrom(returningMaster, DomainGtidSet.parse("0-1000-787,1-1001-40")))
          .containsExactly("SET GLOBAL gtid_slave_pos = '0-1000-786,1-1001-40'");
    }

    @Test
    void leavesTheReplicatedPositionAloneWhenTheSourceLacksOnlyTheServersOwnWrites() {
      var aheadInItsDomain = View.of(2).dualMaster().standalone("shop-1", "0-1000-50,1-1001-60").build().reachableServer("shop-1");

      assertThat(dialect.resumeFrom(aheadInItsDomain, DomainGtidSet.parse("0-1000-50,1-1001-55"))).isEmpty();
    }

    @Test
    void waitsForTheLastMissingTransactionOfEachDomain() {
      var missing = DomainGtidSet.parse("0-1000-12,0-1002-3,1-1001-7");

      assertThat(dialect.waitForExecuted(missing, Duration.ofSeconds(10))).isEqualTo("SELECT MASTER_GTID_WAIT('0-1000-12,1-1001-7', 10.000)");
    }

    @Test
    void executedIsTheBinlogStateAloneNotTheReplicatedPosition() {
      assertThat(dialect.instanceQuery()).contains("@@global.gtid_binlog_state AS executed").doesNotContain("gtid_slave_pos");
    }

    @Test
    void namesTheFailedTransactionFromTheRelayLog() {
      var row = Map.of("Relay_Log_File", "relay-bin.000002", "Relay_Log_Pos", "1234");

      assertThat(dialect.failedTransactionQuery(row)).contains("SHOW RELAYLOG EVENTS IN 'relay-bin.000002' FROM 1234 LIMIT 1");
      assertThat(dialect.eventGtid(Map.of("Info", "BEGIN GTID 1-1001-5"))).contains("1-1001-5");
    }

    @Test
    void readsTheSlaveColumnsOf1011() {
      var status = dialect.replicationStatus(Map.of("Master_Host", "10.0.0.10", "Master_Port", "3306", "Slave_IO_Running", "Yes",
          "Slave_SQL_Running", "Yes", "Last_IO_Errno", "0", "Last_SQL_Errno", "0", "Seconds_Behind_Master", "3",
          "Gtid_IO_Pos", "0-1000-12", "Using_Gtid", "Current_Pos")).orElseThrow();

      assertThat(status.threadsRunning()).isTrue();
      assertThat(status.lastSqlError()).isEmpty();
      assertThat(status.secondsBehindSource()).contains(3L);
      assertThat(status.received()).hasToString("0-1000-12");
      assertThat(status.usesGtidAutoPosition()).isTrue();
    }

    @Test
    void grantsTheReplicationAccountOnlyWhatReplicationNeeds() {
      assertThat(dialect.ensureReplicationAccount(REPLICATION)).containsExactly(
          "CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY 'it''s\\\\secret'",
          "ALTER USER 'repl'@'%' IDENTIFIED BY 'it''s\\\\secret'",
          "GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%'");
    }

    @Test
    void fenceKillsEveryClientButReplicationAndTheOperator() {
      assertThat(dialect.clientSessionsQuery(List.of("tandem", "repl"))).isEqualTo(
          "SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND USER NOT IN ('system user',"
              + " 'event_scheduler', 'tandem', 'repl') AND COMMAND NOT IN ('Binlog Dump', 'Binlog Dump GTID', 'Daemon', 'Killed')");
    }
  }

  @Test
  void anAccountNeverShowsItsPassword() {
    assertThat(REPLICATION.toString()).doesNotContain("secret");
    assertThatThrownBy(() -> new Account("bad name", "x")).hasMessageContaining("bad account name 'bad name'");
  }
}
