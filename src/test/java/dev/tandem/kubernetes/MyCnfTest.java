package dev.tandem.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MyCnfTest {

  static Map<String, String> settings(String cnf) {
    var settings = new LinkedHashMap<String, String>();
    cnf.lines()
        .filter(line -> line.contains(" = "))
        .forEach(line -> settings.put(line.substring(0, line.indexOf(" = ")), line.substring(line.indexOf(" = ") + 3)));
    return settings;
  }

  @Test
  void mysqlBootsReadOnlyWithGtidsAndWaitsForTheOperatorToStartReplication() {
    var cnf = settings(MyCnf.render(ClusterFixture.named("shop").build().getSpec()));

    assertThat(cnf)
        .containsEntry("read_only", "ON")
        .containsEntry("super_read_only", "ON")
        .containsEntry("gtid_mode", "ON")
        .containsEntry("enforce_gtid_consistency", "ON")
        .containsEntry("binlog_format", "ROW")
        .containsEntry("log_replica_updates", "ON")
        .containsEntry("skip_replica_start", "ON")
        .containsEntry("sync_binlog", "1")
        .containsEntry("innodb_flush_log_at_trx_commit", "1")
        .containsEntry("replica_net_timeout", "3")
        .doesNotContainKeys("gtid_strict_mode", "init_rpl_role", "server_id");
  }

  @Test
  void mysqlSemiSyncIsLosslessAndNeverFallsBackToAsync() {
    var cnf = settings(MyCnf.render(ClusterFixture.named("shop").build().getSpec()));

    assertThat(cnf)
        .containsEntry("plugin_load_add", "mysql_clone.so;semisync_source.so;semisync_replica.so")
        .containsEntry("rpl_semi_sync_source_wait_point", "AFTER_SYNC")
        .containsEntry("rpl_semi_sync_source_timeout", "4294967295")
        .containsEntry("rpl_semi_sync_source_wait_no_replica", "ON")
        .containsEntry("rpl_semi_sync_replica_enabled", "ON")
        // Switched on at promotion only: on a replica it would stall the applier.
        .containsEntry("rpl_semi_sync_source_enabled", "OFF");
  }

  @Test
  void mariaDbUsesItsOwnDialectAndTruncatesUnacknowledgedTransactionsAfterACrashButSyncsEveryCommit() {
    var cnf = settings(MyCnf.render(ClusterFixture.named("shop").mariaDb().build().getSpec()));

    assertThat(cnf)
        .containsEntry("read_only", "ON")
        .containsEntry("gtid_strict_mode", "ON")
        .containsEntry("log_slave_updates", "ON")
        .containsEntry("skip_slave_start", "ON")
        .containsEntry("slave_net_timeout", "3")
        .containsEntry("init_rpl_role", "SLAVE")
        .containsEntry("innodb_flush_log_at_trx_commit", "3")
        .containsEntry("rpl_semi_sync_master_enabled", "OFF")
        .containsEntry("rpl_semi_sync_master_wait_point", "AFTER_SYNC")
        .containsEntry("rpl_semi_sync_master_wait_no_slave", "ON")
        .containsEntry("rpl_semi_sync_slave_enabled", "ON")
        .doesNotContainKeys("super_read_only", "gtid_mode", "plugin_load_add");
  }

  @Test
  void asyncModeLeavesSemiSyncOutButAMariaDbReplicaStillTakesBackItsOwnLostTail() {
    var mysql = settings(MyCnf.render(ClusterFixture.named("shop").async().build().getSpec()));
    var mariadb = settings(MyCnf.render(ClusterFixture.named("shop").mariaDb().async().build().getSpec()));

    assertThat(mysql.keySet()).noneMatch(key -> key.contains("semi_sync"));
    assertThat(mysql).as("the clone plugin alone, for physical backups").containsEntry("plugin_load_add", "mysql_clone.so");
    assertThat(mariadb.keySet()).filteredOn(key -> key.contains("semi_sync")).containsExactly("rpl_semi_sync_slave_enabled");
    assertThat(mariadb).containsEntry("rpl_semi_sync_slave_enabled", "ON");
  }

  @Test
  void userSettingsAreAddedAndMayReplaceTandemDefaults() {
    var spec =
        ClusterFixture.named("shop").mysqld("max_connections", "500").mysqld("binlog_expire_logs_seconds", "86400").build().getSpec();

    var cnf = settings(MyCnf.render(spec));

    assertThat(cnf).containsEntry("max_connections", "500").containsEntry("binlog_expire_logs_seconds", "86400");
  }

  @Test
  void anOwnedSettingThatSlippedPastValidationNeverReachesMysqld() {
    var spec = ClusterFixture.named("shop").mysqld("read-only", "OFF").mysqld("loose_server_id", "9").build().getSpec();

    var cnf = settings(MyCnf.render(spec));

    assertThat(cnf).containsEntry("read_only", "ON").doesNotContainKeys("read-only", "loose_server_id");
  }

  @Test
  void withTlsTheServerServesTheMountedCertificateAndRefusesPlaintextOnlyWhenAsked() {
    var required = settings(MyCnf.render(ClusterFixture.named("shop").mariaDb().tls(true).build().getSpec()));
    var allowed = settings(MyCnf.render(ClusterFixture.named("shop").mariaDb().tls(false).build().getSpec()));

    assertThat(required)
        .containsEntry("ssl_cert", "/etc/mysql/tls/tls.crt")
        .containsEntry("ssl_key", "/etc/mysql/tls/tls.key")
        .containsEntry("ssl_ca", "/etc/mysql/tls/ca.crt")
        .containsEntry("require_secure_transport", "ON");
    assertThat(allowed).containsEntry("require_secure_transport", "OFF");
    assertThat(settings(MyCnf.render(ClusterFixture.named("shop").build().getSpec()))).doesNotContainKeys("ssl_cert", "require_secure_transport");
  }
}
