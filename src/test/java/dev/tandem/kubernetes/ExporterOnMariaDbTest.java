package dev.tandem.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.testing.Commands;
import dev.tandem.testing.HostExporter;
import dev.tandem.testing.LocalMariaDb;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exporter sidecar as the Pod template gives it, run by the real mysqld_exporter against
 * instances init.sh made: it scrapes a master and a replica with the tandem_exporter account,
 * which can read nothing else and change nothing.
 */
class ExporterOnMariaDbTest {

  @TempDir Path dir;
  LocalMariaDb servers;
  final List<Process> exporters = new ArrayList<>();

  @AfterEach
  void stop() {
    exporters.forEach(exporter -> Commands.stop(exporter, Duration.ofSeconds(5)));
    if (servers != null) {
      servers.close();
    }
  }

  @Test
  void theExporterScrapesMasterAndReplicaWithAnAccountThatReadsNoDataAndWritesNothing() throws Exception {
    var cluster = ClusterFixture.named("shop").mariaDb().instances(2).build();
    cluster.getSpec().getMonitoring().getExporter().setEnabled(true);
    servers = LocalMariaDb.start(cluster, dir);
    var master = servers.server("shop-0");
    var replica = servers.server("shop-1");
    master.asRoot("SET GLOBAL read_only = OFF; CREATE DATABASE orders; CREATE TABLE orders.items (id INT PRIMARY KEY);"
        + " INSERT INTO orders.items VALUES (1)");
    replica.asRoot("CHANGE MASTER TO MASTER_HOST='" + master.host + "', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD="
        + sqlString(LocalMariaDb.REPLICATION.password()) + ", MASTER_USE_GTID=slave_pos; START SLAVE");

    var sidecar = StatefulSetDependentTest.container(StatefulSetDependent.desiredFor(cluster), StatefulSetDependent.EXPORTER_CONTAINER);
    String masterMetrics = scrape(startExporter(sidecar.getArgs(), master.host), "mysql_up 1");
    String replicaMetrics = scrape(startExporter(sidecar.getArgs(), replica.host), "mysql_slave_status_slave_sql_running{");

    assertThat(masterMetrics).as("the series the chart's dashboard queries")
        .contains("mysql_global_status_threads_connected ", "mysql_global_status_queries ", "mysql_global_variables_read_only 0")
        .doesNotContain("mysql_slave_status_");
    assertThat(replicaMetrics).contains("mysql_up 1", "mysql_global_variables_read_only 1")
        .containsPattern("mysql_slave_status_slave_io_running\\{[^}]*master_host=\"" + master.host.replace(".", "\\.") + "\"[^}]*} 1")
        .containsPattern("mysql_slave_status_seconds_behind_master\\{[^}]*} 0");
    assertThat(masterMetrics + replicaMetrics).as("no collector was refused a privilege").contains("mysql_exporter_last_scrape_error 0")
        .doesNotContain("mysql_exporter_last_scrape_error 1");

    try (var exporter = DriverManager.getConnection("jdbc:mysql://" + master.host + ":3306/?connectTimeout=5000&socketTimeout=5000",
        LocalMariaDb.EXPORTER.user(), LocalMariaDb.EXPORTER.password()); var grants = exporter.createStatement().executeQuery("SHOW GRANTS")) {
      var shown = new ArrayList<String>();
      while (grants.next()) {
        shown.add(grants.getString(1).replaceFirst(" IDENTIFIED BY PASSWORD '[^']*'", ""));
      }
      assertThat(shown).containsExactlyInAnyOrder(
          "GRANT PROCESS, BINLOG MONITOR, SLAVE MONITOR ON *.* TO `tandem_exporter`@`127.0.0.1` WITH MAX_USER_CONNECTIONS 3",
          "GRANT SELECT ON `performance_schema`.* TO `tandem_exporter`@`127.0.0.1`");
      for (String refused : List.of("SELECT * FROM orders.items", "INSERT INTO orders.items VALUES (2)", "CREATE DATABASE mine",
          "SELECT * FROM mysql.user", "SET GLOBAL read_only = ON")) {
        assertThatThrownBy(() -> exporter.createStatement().execute(refused)).as(refused).isInstanceOf(SQLException.class)
            .hasMessageContaining("denied");
      }
    }
  }

  /** The sidecar's arguments, but at this server's address: these servers share the host's network. */
  private String startExporter(List<String> args, String host) throws Exception {
    var here = args.stream().map(arg -> arg.startsWith("--mysqld.address=") ? "--mysqld.address=" + host + ":3306"
        : arg.startsWith("--web.listen-address=") ? "--web.listen-address=" + host + ":" + StatefulSetDependent.METRICS_PORT : arg).toList();
    var builder = new ProcessBuilder(HostExporter.command(here)).redirectErrorStream(true)
        .redirectOutput(dir.resolve("exporter-" + host + ".log").toFile());
    builder.environment().putAll(HostExporter.environment(here, Map.of("MYSQLD_EXPORTER_PASSWORD", LocalMariaDb.EXPORTER.password())));
    exporters.add(builder.start());
    return "http://" + host + ":" + StatefulSetDependent.METRICS_PORT + "/metrics";
  }

  /** The exporter's page once it shows {@code expected}: the replica's threads take a moment to start. */
  private static String scrape(String url, String expected) throws Exception {
    var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        last = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        if (last.contains(expected)) {
          return last;
        }
      } catch (java.io.IOException notListeningYet) {
        // The exporter is still starting, or a scrape hung past its timeout: the deadline decides.
      }
      Thread.sleep(200);
    }
    throw new AssertionError(url + " never showed " + expected + "; last page:\n" + last);
  }

  private static String sqlString(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
