package dev.tandem.api;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The mysqld settings Tandem sets itself: replication, GTIDs, durability, read-only boot,
 * networking and TLS (spec.tls). A user who overrides one of them breaks failover or loses writes, so
 * {@code spec.mysqld} refuses them. The same list feeds the CRD's CEL rule and the reconciler's
 * check of spellings the CEL rule cannot see (dashes, {@code loose_}/{@code skip_} prefixes).
 */
public final class OwnedMysqldSettings {

  /** A CEL list literal, so the CRD rule and the Java check share one definition. */
  public static final String CEL_LIST =
      "['server_id', 'server_uuid', 'gtid_mode', 'enforce_gtid_consistency', 'gtid_strict_mode',"
          + " 'gtid_domain_id', 'gtid_ignore_duplicates', 'log_bin', 'log_bin_index',"
          + " 'skip_log_bin', 'disable_log_bin', 'binlog_format', 'log_slave_updates',"
          + " 'log_replica_updates', 'sync_binlog', 'innodb_flush_log_at_trx_commit',"
          + " 'read_only', 'super_read_only', 'skip_slave_start', 'skip_replica_start',"
          + " 'report_host', 'report_port', 'relay_log', 'relay_log_index', 'relay_log_recovery',"
          + " 'auto_increment_increment', 'auto_increment_offset', 'slave_net_timeout',"
          + " 'replica_net_timeout', 'init_rpl_role', 'plugin_load', 'plugin_load_add',"
          + " 'rpl_semi_sync_master_enabled', 'rpl_semi_sync_master_timeout',"
          + " 'rpl_semi_sync_master_wait_point', 'rpl_semi_sync_master_wait_no_slave',"
          + " 'rpl_semi_sync_slave_enabled', 'rpl_semi_sync_source_enabled',"
          + " 'rpl_semi_sync_source_timeout', 'rpl_semi_sync_source_wait_point',"
          + " 'rpl_semi_sync_source_wait_no_replica', 'rpl_semi_sync_source_wait_for_replica_count',"
          + " 'rpl_semi_sync_replica_enabled', 'bind_address', 'port', 'socket', 'datadir',"
          + " 'user', 'skip_networking', 'pid_file', 'log_error', 'skip_grant_tables', 'init_file',"
          + " 'ssl', 'ssl_cert', 'ssl_key', 'ssl_ca', 'ssl_capath', 'require_secure_transport']";

  public static final List<String> KEYS =
      Arrays.stream(CEL_LIST.substring(1, CEL_LIST.length() - 1).split(","))
          .map(key -> key.trim().replace("'", ""))
          .toList();

  private static final List<String> OPTION_PREFIXES = List.of("loose_", "skip_", "disable_", "enable_");

  private OwnedMysqldSettings() {}

  /**
   * The owned setting a user-written key would change, seen the way mysqld reads option names:
   * dashes and underscores are the same, and loose_/skip_/disable_/enable_ prefixes name the
   * same variable.
   */
  public static Optional<String> ownedSettingChangedBy(String key) {
    String normalized = key.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    if (KEYS.contains(normalized)) {
      return Optional.of(normalized);
    }
    for (String prefix : OPTION_PREFIXES) {
      if (normalized.startsWith(prefix)) {
        String rest = normalized.substring(prefix.length());
        if (KEYS.contains(rest)) {
          return Optional.of(rest);
        }
      }
    }
    return Optional.empty();
  }
}
