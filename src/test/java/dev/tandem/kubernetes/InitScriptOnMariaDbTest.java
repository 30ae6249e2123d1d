package dev.tandem.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.api.MySQLCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ConfigMap's init.sh and my.cnf, run for real: a MariaDB instance initialized the way the
 * init container does it, then started the way the mysqld container does, must boot read-only
 * with the per-instance settings and the accounts the operator needs, and no GTID of its own.
 */
class InitScriptOnMariaDbTest {

  static final String HOST = "127.0.0.31";
  static final Map<String, String> PASSWORDS =
      Map.of("ROOT_PASSWORD", "r00t'pw\\x", "OPERATOR_PASSWORD", "op-pw", "REPLICATION_PASSWORD", "repl-pw");

  @TempDir Path dir;
  final List<Process> servers = new ArrayList<>();

  @BeforeEach
  void mariaDbIsInstalled() {
    assertThat(onPath("mariadbd")).as("mariadbd is missing: run 'make deps' (apt-get install -y mariadb-server)").isTrue();
  }

  @AfterEach
  void stopServers() throws InterruptedException {
    for (var server : servers) {
      server.destroy();
      if (!server.waitFor(30, TimeUnit.SECONDS)) {
        server.destroyForcibly().waitFor();
      }
    }
  }

  static boolean onPath(String command) {
    return System.getenv("PATH").lines().flatMap(p -> List.of(p.split(":")).stream()).anyMatch(p -> Files.isExecutable(Path.of(p, command)));
  }

  void runInit(MySQLCluster cluster, String pod) throws IOException, InterruptedException {
    var config = ConfigMapDependent.desiredFor(cluster).getData();
    Files.writeString(dir.resolve("my.cnf"), config.get(ConfigMapDependent.MY_CNF));
    Files.writeString(dir.resolve("init.sh"), config.get(ConfigMapDependent.INIT_SCRIPT));
    Files.createDirectories(dir.resolve("data"));
    var init = new ProcessBuilder("bash", dir.resolve("init.sh").toString()).redirectErrorStream(true);
    init.environment().putAll(PASSWORDS);
    init.environment().putAll(Map.of(
        "POD_NAME", pod, "TANDEM_FLAVOR", "MariaDB", "TANDEM_TOPOLOGY", cluster.getSpec().getTopology().name(),
        "DATADIR", dir.resolve("data").toString(), "RUN_DIR", dir.resolve("run").toString(),
        "SHARED_CNF", dir.resolve("my.cnf").toString(), "FINAL_CNF", dir.resolve("final/my.cnf").toString(),
        "REPORT_HOST", HOST));
    var process = init.start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor()).as(output).isZero();
  }

  Connection startMysqld(String user, String password) throws IOException {
    var server = new ProcessBuilder("mariadbd", "--defaults-file=" + dir.resolve("final/my.cnf"), "--user=root",
        "--datadir=" + dir.resolve("data"), "--socket=" + dir.resolve("run/mysqld.sock"),
        "--pid-file=" + dir.resolve("run/mysqld.pid"), "--bind-address=" + HOST, "--port=3306",
        "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M")
        .redirectErrorStream(true).redirectOutput(dir.resolve("mysqld.log").toFile()).start();
    servers.add(server);
    var connection = new Connection[1];
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
      assertThat(server.isAlive()).as(Files.readString(dir.resolve("mysqld.log"))).isTrue();
      connection[0] = DriverManager.getConnection("jdbc:mysql://" + HOST + ":3306/?connectTimeout=2000", user, password);
      return true;
    });
    return connection[0];
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
    runInit(cluster, "shop-1");

    try (var operator = startMysqld("tandem", "op-pw")) {
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
  }

  @Test
  void aRestartKeepsTheDataAndAMasterReplicaInstanceHasNoOffsets() throws Exception {
    var cluster = ClusterFixture.named("shop").mariaDb().build();
    var written = new String[1];
    runInit(cluster, "shop-0");
    try (var operator = startMysqld("tandem", "op-pw")) {
      assertThat(value(operator, "SELECT @@auto_increment_increment")).isEqualTo("1");
      assertThat(value(operator, "SELECT @@server_id")).isEqualTo("1000");
      operator.createStatement().execute("CREATE USER kept@'%'");
      written[0] = value(operator, "SELECT @@gtid_binlog_pos");
    }
    stopServers();
    servers.clear();

    runInit(cluster, "shop-0");

    try (var operator = startMysqld("tandem", "op-pw")) {
      assertThat(written[0]).isNotEmpty();
      assertThat(value(operator, "SELECT @@gtid_binlog_pos")).as("the transaction written before the restart").isEqualTo(written[0]);
    }
  }
}
