package dev.tandem.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.kubernetes.ClusterFixture;
import dev.tandem.testing.LocalMariaDb;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the server itself says can change at runtime, on real mariadbd. */
class RuntimeSettingsTest {

  @TempDir Path dir;
  LocalMariaDb servers;
  Sessions sessions;
  RuntimeSettings settings;
  Endpoint server;

  @BeforeEach
  void startServer() throws Exception {
    servers = LocalMariaDb.start(ClusterFixture.named("shop").mariaDb().async().instances(1).build(), dir);
    sessions = new Sessions(LocalMariaDb.OPERATOR, Duration.ofMillis(500), Duration.ofSeconds(2), Sessions.Route.DIRECT);
    settings = new RuntimeSettings(sessions);
    server = servers.server("shop-0").endpoint();
  }

  @AfterEach
  void stopServer() {
    servers.close();
  }

  @Test
  void dynamicSettingsAreAppliedStaticOnesNeedARestartAndBadValuesAreRefused() throws Exception {
    var wanted = new LinkedHashMap<String, Optional<String>>();
    wanted.put("max_connections", Optional.of("200"));
    wanted.put("max-allowed-packet", Optional.of("32M"));
    wanted.put("loose_long_query_time", Optional.of("0.5"));
    wanted.put("performance_schema", Optional.of("ON"));
    wanted.put("no_such_setting", Optional.of("1"));
    wanted.put("table_open_cache", Optional.of("many"));
    wanted.put("hot_cache.key_buffer_size", Optional.of("1M"));

    var results = settings.apply(server, wanted);

    assertThat(results).as(results.toString()).extracting(RuntimeSettings.Result::setting, RuntimeSettings.Result::outcome).containsExactly(
        org.assertj.core.groups.Tuple.tuple("max_connections", RuntimeSettings.Outcome.APPLIED),
        org.assertj.core.groups.Tuple.tuple("max-allowed-packet", RuntimeSettings.Outcome.APPLIED),
        org.assertj.core.groups.Tuple.tuple("loose_long_query_time", RuntimeSettings.Outcome.APPLIED),
        org.assertj.core.groups.Tuple.tuple("performance_schema", RuntimeSettings.Outcome.NEEDS_RESTART),
        org.assertj.core.groups.Tuple.tuple("no_such_setting", RuntimeSettings.Outcome.NEEDS_RESTART),
        org.assertj.core.groups.Tuple.tuple("table_open_cache", RuntimeSettings.Outcome.REFUSED),
        org.assertj.core.groups.Tuple.tuple("hot_cache.key_buffer_size", RuntimeSettings.Outcome.NEEDS_RESTART));
    assertThat(results.get(3).detail()).contains("1238");
    assertThat(results.get(5).detail()).contains("table_open_cache");
    assertThat(global("max_connections")).isEqualTo("200");
    assertThat(global("max_allowed_packet")).isEqualTo(String.valueOf(32 * 1024 * 1024));
    assertThat(global("long_query_time")).isEqualTo("0.5");
  }

  @Test
  void backslashesArriveAsWrittenWhateverTheGlobalSqlMode() throws Exception {
    settings.apply(server, Map.of("sql_mode", Optional.of("NO_BACKSLASH_ESCAPES")));

    var results = settings.apply(server, Map.of("init_connect", Optional.of("SET @path = 'C:\\tmp'")));

    assertThat(results).extracting(RuntimeSettings.Result::outcome).containsExactly(RuntimeSettings.Outcome.APPLIED);
    assertThat(global("init_connect")).isEqualTo("SET @path = 'C:\\tmp'");
  }

  @Test
  void aRemovedSettingGoesBackToTheServersDefault() throws Exception {
    settings.apply(server, Map.of("max_connections", Optional.of("200")));

    var results = settings.apply(server, Map.of("max_connections", Optional.empty()));

    assertThat(results).extracting(RuntimeSettings.Result::outcome).containsExactly(RuntimeSettings.Outcome.APPLIED);
    assertThat(global("max_connections")).isEqualTo("151");
  }

  @Test
  void aSettingTheOperatorsAccountMayNotChangeWaitsForARestart() throws Exception {
    servers.server("shop-0").asRoot("REVOKE SUPER ON *.* FROM '" + LocalMariaDb.OPERATOR.user() + "'@'%'");

    var results = settings.apply(server, Map.of("max_allowed_packet", Optional.of("32M")));

    assertThat(results).extracting(RuntimeSettings.Result::outcome).containsExactly(RuntimeSettings.Outcome.NOT_PERMITTED);
    assertThat(results.get(0).detail()).contains("1227");
    assertThat(global("max_allowed_packet")).isNotEqualTo(String.valueOf(32 * 1024 * 1024));
  }

  @Test
  void valuesAreWrittenAsSetGlobalTakesThem() {
    assertThat(RuntimeSettings.literal("64M")).isEqualTo("67108864");
    assertThat(RuntimeSettings.literal("1g")).isEqualTo("1073741824");
    assertThat(RuntimeSettings.literal("off")).isEqualTo("off");
    assertThat(RuntimeSettings.literal("STRICT_TRANS_TABLES,NO_ZERO_DATE")).isEqualTo("'STRICT_TRANS_TABLES,NO_ZERO_DATE'");
    assertThat(RuntimeSettings.literal("it's")).isEqualTo("'it''s'");
    assertThat(RuntimeSettings.variableName("loose-rpl-semi-sync")).isEqualTo("rpl_semi_sync");
  }

  private String global(String variable) throws SQLException {
    try (var connection = sessions.open(server); var statement = connection.createStatement();
        var rows = statement.executeQuery("SELECT @@GLOBAL." + variable)) {
      rows.next();
      return rows.getString(1);
    }
  }
}
