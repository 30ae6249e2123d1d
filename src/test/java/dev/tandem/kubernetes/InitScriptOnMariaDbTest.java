package dev.tandem.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testing.LocalMariaDb;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ConfigMap's init.sh and my.cnf, run for real: a MariaDB instance initialized the way the
 * init container does it, then started the way the mysqld container does, must boot read-only
 * with the per-instance settings and the accounts the operator needs, and no GTID of its own.
 */
class InitScriptOnMariaDbTest {

  static final String HOST = "127.0.0.31";
  static final Map<String, String> PASSWORDS = Map.of("ROOT_PASSWORD", "r00t'pw\\x",
      "OPERATOR_PASSWORD", LocalMariaDb.OPERATOR.password(), "REPLICATION_PASSWORD", "repl-pw",
      "BACKUP_PASSWORD", "backup-pw");

  @TempDir Path dir;
  LocalMariaDb.Server server;

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.stopQuietly();
    }
  }

  Connection startAndConnectAsOperator(String pod) throws Exception {
    server = new LocalMariaDb.Server(pod, HOST, dir);
    server.start();
    server.awaitReady();
    return DriverManager.getConnection("jdbc:mysql://" + HOST + ":3306/", LocalMariaDb.OPERATOR.user(), LocalMariaDb.OPERATOR.password());
  }

  static String value(Connection c, String sql) throws SQLException {
    try (var rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void aDualMasterSecondMasterBootsReadOnlyInItsOwnDomainWithTheOperatorsAccounts() throws Exception {
    var cluster = ClusterFixture.named("shop").mariaDb().dualMaster().build();
    LocalMariaDb.runInitScript(dir, cluster, "shop-1", HOST, PASSWORDS);

    try (var operator = startAndConnectAsOperator("shop-1")) {
      assertThat(value(operator, "SELECT @@read_only")).isEqualTo("1");
      assertThat(value(operator, "SELECT @@server_id")).isEqualTo("1001");
      assertThat(value(operator, "SELECT @@gtid_domain_id")).isEqualTo("1");
      assertThat(value(operator, "SELECT @@auto_increment_increment")).isEqualTo("2");
      assertThat(value(operator, "SELECT @@auto_increment_offset")).isEqualTo("2");
      assertThat(value(operator, "SELECT @@gtid_strict_mode")).isEqualTo("1");
      assertThat(value(operator, "SELECT @@log_bin")).isEqualTo("1");
      assertThat(value(operator, "SELECT @@report_host")).isEqualTo(HOST);
      assertThat(value(operator, "SELECT @@rpl_semi_sync_slave_enabled")).isEqualTo("1");
      assertThat(value(operator, "SELECT @@rpl_semi_sync_master_enabled")).isEqualTo("0");
      assertThat(value(operator, "SELECT @@gtid_binlog_pos")).as("no GTID of its own from initialization").isEmpty();
      assertThat(value(operator, "SHOW GRANTS")).as("no data privileges").doesNotContain("ALL PRIVILEGES", "INSERT", "SELECT")
          .contains("READ_ONLY ADMIN", "REPLICATION SLAVE ADMIN", "WITH GRANT OPTION");
    }
    try (var replication = DriverManager.getConnection("jdbc:mysql://" + HOST + ":3306/", "repl", "repl-pw")) {
      assertThat(value(replication, "SELECT CURRENT_USER()")).isEqualTo("repl@%");
      assertThat(value(replication, "SHOW GRANTS")).isEqualTo("GRANT REPLICATION SLAVE ON *.* TO `repl`@`%` IDENTIFIED BY PASSWORD '"
          + value(replication, "SELECT PASSWORD('repl-pw')") + "'");
    }
    try (var backup = DriverManager.getConnection("jdbc:mysql://" + HOST + ":3306/", "backup", "backup-pw")) {
      assertThat(value(backup, "SHOW GRANTS")).as("reads for a consistent dump, no writes")
          .contains("SELECT", "LOCK TABLES", "BINLOG MONITOR").doesNotContain("INSERT", "ALL PRIVILEGES", "SUPER");
    }
  }

  @Test
  void theAdministratorIsMadeOnlyWithItsPasswordAndHoldsEveryDataPrivilegeButNoneThatWritesPastReadOnly() throws Exception {
    var cluster = ClusterFixture.named("shop").mariaDb().build();
    var withAdmin = new java.util.HashMap<>(PASSWORDS);
    withAdmin.put("ADMIN_PASSWORD", "adm'n-pw");
    LocalMariaDb.runInitScript(dir, cluster, "shop-0", HOST, withAdmin);

    startAndConnectAsOperator("shop-0").close();
    try (var admin = DriverManager.getConnection("jdbc:mysql://" + HOST + ":3306/", "tandem_admin", "adm'n-pw")) {
      assertThat(value(admin, "SHOW GRANTS")).contains("INSERT", "DROP", "CREATE USER", "WITH GRANT OPTION")
          .doesNotContain("SUPER", "READ_ONLY ADMIN", "CONNECTION ADMIN", "REPLICATION", "ALL PRIVILEGES");
    }
  }

  @Test
  void aDualMasterReadReplicaNeverAcknowledgesSoEveryAcknowledgedWriteIsOnThePeerMaster() throws Exception {
    var cluster = ClusterFixture.named("shop").mariaDb().dualMaster().instances(3).build();
    LocalMariaDb.runInitScript(dir, cluster, "shop-2", HOST, PASSWORDS);

    try (var operator = startAndConnectAsOperator("shop-2")) {
      assertThat(value(operator, "SELECT @@rpl_semi_sync_slave_enabled")).isEqualTo("0");
      assertThat(value(operator, "SELECT @@auto_increment_increment")).as("no master offsets").isEqualTo("1");
      assertThat(value(operator, "SELECT @@read_only")).isEqualTo("1");
    }
  }

  @Test
  void aRestartKeepsTheDataAndAMasterReplicaInstanceHasNoOffsets() throws Exception {
    var cluster = ClusterFixture.named("shop").mariaDb().build();
    String written;
    LocalMariaDb.runInitScript(dir, cluster, "shop-0", HOST, PASSWORDS);
    try (var operator = startAndConnectAsOperator("shop-0")) {
      assertThat(value(operator, "SELECT @@auto_increment_increment")).isEqualTo("1");
      assertThat(value(operator, "SELECT @@server_id")).isEqualTo("1000");
      operator.createStatement().execute("CREATE USER kept@'%'");
      written = value(operator, "SELECT @@gtid_binlog_pos");
    }
    server.stop();

    LocalMariaDb.runInitScript(dir, cluster, "shop-0", HOST, PASSWORDS);

    try (var operator = startAndConnectAsOperator("shop-0")) {
      assertThat(written).isNotEmpty();
      assertThat(value(operator, "SELECT @@gtid_binlog_pos")).as("the transaction written before the restart").isEqualTo(written);
    }
  }

  /**
   * Only one MariaDB release exists here, so the data directory is made to say it was last
   * upgraded by 10.6: what is proven is that init.sh notices a change of release series, runs
   * mariadb-upgrade to its end once, and not again, and that the instance then starts with its data.
   */
  @Test
  void aDataDirectoryFromAnOlderReleaseSeriesIsUpgradedOnce() throws Exception {
    var cluster = ClusterFixture.named("shop").mariaDb().build();
    LocalMariaDb.runInitScript(dir, cluster, "shop-0", HOST, PASSWORDS);
    String before;
    try (var operator = startAndConnectAsOperator("shop-0")) {
      before = value(operator, "SELECT @@gtid_binlog_pos");
    }
    server.stop();
    var info = dir.resolve("data/mysql_upgrade_info");
    java.nio.file.Files.writeString(info, "10.6.16-MariaDB");

    String upgraded = LocalMariaDb.runInitScript(dir, cluster, "shop-0", HOST, PASSWORDS);
    String again = LocalMariaDb.runInitScript(dir, cluster, "shop-0", HOST, PASSWORDS);

    assertThat(upgraded).contains("last upgraded by MariaDB 10.6.16-MariaDB; running mariadb-upgrade for 10.11")
        .contains("Phase 8/8").contains("data directory upgraded to MariaDB 10.11");
    assertThat(java.nio.file.Files.readString(info)).startsWith("10.11.");
    assertThat(again).doesNotContain("mariadb-upgrade");
    try (var operator = startAndConnectAsOperator("shop-0")) {
      assertThat(value(operator, "SELECT @@gtid_binlog_pos")).as("the data written before the upgrade").isEqualTo(before);
    }
  }
}
