package dev.tandem.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.api.MySQLCluster;
import dev.tandem.kubernetes.ClusterFixture;
import dev.tandem.kubernetes.ConfigMapDependent;
import dev.tandem.kubernetes.MyCnf;
import dev.tandem.replication.Account;
import dev.tandem.replication.Endpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Real mariadbd processes on loopback addresses (127.0.0.41, .42, …, port 3306), each
 * initialized and configured exactly as a Pod is: the cluster's my.cnf and init.sh from the
 * operator's ConfigMap. The data directory is made once per JVM by init.sh and copied, which
 * saves a second per server. Servers can be stopped, killed, frozen and thawed.
 */
public final class LocalMariaDb implements AutoCloseable {

  public static final Account OPERATOR = new Account("tandem", "op-pw");
  public static final Account REPLICATION = new Account("repl", "repl'pw\\x");
  public static final Account BACKUP = new Account("backup", "backup-pw");
  public static final Account ADMIN = new Account("tandem_admin", "admin'pw\\x");
  public static final Account EXPORTER = new Account("tandem_exporter", "exp'rt-pw");
  private static final String ROOT_PASSWORD = "root-pw";
  public static final Map<String, String> PASSWORDS = Map.of("ROOT_PASSWORD", ROOT_PASSWORD, "OPERATOR_PASSWORD",
      OPERATOR.password(), "REPLICATION_PASSWORD", REPLICATION.password(), "BACKUP_PASSWORD", BACKUP.password(),
      "ADMIN_PASSWORD", ADMIN.password(), "EXPORTER_PASSWORD", EXPORTER.password());
  private static Path template;

  private final MySQLCluster cluster;
  private final Path dir;
  private final Map<String, Server> servers = new LinkedHashMap<>();

  private LocalMariaDb(MySQLCluster cluster, Path dir) {
    this.cluster = cluster;
    this.dir = dir;
  }

  /** Starts {@code spec.instances} servers named {@code <cluster>-<ordinal>}. */
  public static LocalMariaDb start(MySQLCluster cluster, Path dir) throws Exception {
    var servers = new LocalMariaDb(cluster, dir);
    for (int ordinal = 0; ordinal < cluster.getSpec().getInstances(); ordinal++) {
      String name = cluster.getMetadata().getName() + "-" + ordinal;
      var server = new Server(name, "127.0.0." + (41 + ordinal), dir.resolve(name));
      servers.servers.put(name, server);
      servers.prepare(server);
    }
    for (var server : servers.servers.values()) {
      server.start();
    }
    for (var server : servers.servers.values()) {
      server.awaitReady();
    }
    return servers;
  }

  /** Where servers started in {@code dir} read tls.crt, tls.key and ca.crt, when the cluster has TLS on. */
  public static Path tlsDir(Path dir) {
    return dir.resolve("tls");
  }

  public Server server(String name) {
    return servers.get(name);
  }

  public Map<String, Endpoint> endpoints() {
    var endpoints = new LinkedHashMap<String, Endpoint>();
    servers.forEach((name, server) -> endpoints.put(name, server.endpoint()));
    return endpoints;
  }

  private void prepare(Server server) throws Exception {
    Files.createDirectories(server.dir);
    Commands.run("cp", "-a", template().toString(), server.dir.resolve("data").toString());
    runInitScript(server.dir, cluster, server.name, server.host, PASSWORDS);
  }

  private static synchronized Path template() throws Exception {
    if (template == null) {
      Path dir = Files.createTempDirectory("tandem-template");
      runInitScript(dir, ClusterFixture.named("template").mariaDb().build(), "template-0", "127.0.0.1", PASSWORDS);
      template = dir.resolve("data");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> Commands.run("rm", "-rf", dir.toString())));
    }
    return template;
  }

  /**
   * Runs the cluster's init.sh as the init container does, for Pod {@code pod}, in {@code dir}:
   * it writes {@code dir/final/my.cnf} and, when {@code dir/data} is empty, initializes it.
   * Returns what it printed.
   */
  public static String runInitScript(Path dir, MySQLCluster cluster, String pod, String host, Map<String, String> passwords)
      throws IOException, InterruptedException {
    var process = initScript(dir, cluster, pod, host, passwords).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor()).as(output).isZero();
    return output;
  }

  /** init.sh with {@code arguments} (receive: the seed init container), ready to start, as {@link #runInitScript} runs it. */
  public static ProcessBuilder initScript(Path dir, MySQLCluster cluster, String pod, String host, Map<String, String> environment,
      String... arguments) throws IOException {
    assertThat(Commands.onPath("mariadbd") && Commands.onPath("mariadb-install-db"))
        .as("mariadbd is missing: run 'make deps' (apt-get install -y mariadb-server mariadb-client)").isTrue();
    var config = ConfigMapDependent.desiredFor(cluster).getData();
    Files.createDirectories(dir.resolve("data"));
    // The servers of one LocalMariaDb share a TLS directory beside theirs, as a cluster's Pods mount one Secret.
    Files.writeString(dir.resolve("my.cnf"), config.get(ConfigMapDependent.MY_CNF).replace(MyCnf.TLS_DIR, tlsDir(dir.getParent()).toString()));
    Files.writeString(dir.resolve("init.sh"), config.get(ConfigMapDependent.INIT_SCRIPT));
    var command = new java.util.ArrayList<>(List.of("bash", dir.resolve("init.sh").toString()));
    command.addAll(List.of(arguments));
    var init = new ProcessBuilder(command).redirectErrorStream(true);
    init.environment().putAll(environment);
    init.environment().putAll(Map.of(
        "POD_NAME", pod, "TANDEM_FLAVOR", "MariaDB", "TANDEM_TOPOLOGY", cluster.getSpec().getTopology().name(),
        "DATADIR", dir.resolve("data").toString(), "RUN_DIR", dir.resolve("run").toString(),
        "SHARED_CNF", dir.resolve("my.cnf").toString(), "FINAL_CNF", dir.resolve("final/my.cnf").toString(),
        "REPORT_HOST", host));
    return init;
  }

  @Override
  public void close() {
    servers.values().forEach(Server::stopQuietly);
  }

  /** One mariadbd, started the way the mysqld container starts it. */
  public static final class Server {
    public final String name;
    public final String host;
    public final Path dir;
    private Process process;

    public Server(String name, String host, Path dir) {
      this.name = name;
      this.host = host;
      this.dir = dir;
    }

    public Endpoint endpoint() {
      return new Endpoint(host, 3306);
    }

    public void start() throws IOException {
      process = new ProcessBuilder("mariadbd", "--defaults-file=" + dir.resolve("final/my.cnf"), "--user=root",
          "--datadir=" + dir.resolve("data"), "--socket=" + dir.resolve("run/mysqld.sock"),
          "--pid-file=" + dir.resolve("run/mysqld.pid"), "--bind-address=" + host, "--port=3306",
          "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mysqld.log").toFile())).start();
    }

    /** The running mariadbd's process id: the same id before and after an operation proves nothing restarted it in between. */
    public long pid() {
      assertThat(process.isAlive()).as("%s is not running: %s", name, log()).isTrue();
      return process.pid();
    }

    public void awaitReady() throws Exception {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (true) {
        assertThat(process.isAlive()).as("%s exited: %s", name, log()).isTrue();
        try (var connection = DriverManager.getConnection("jdbc:mysql://" + host + ":3306/?connectTimeout=1000",
            OPERATOR.user(), OPERATOR.password())) {
          return;
        } catch (SQLException notYet) {
          if (System.nanoTime() > deadline) {
            throw new AssertionError(name + " did not accept connections within 60 s: " + log(), notYet);
          }
          Thread.sleep(50);
        }
      }
    }

    /** Restarts a stopped or killed server, like the kubelet restarting the container. */
    public void restart() throws Exception {
      assertThat(process.isAlive()).as(name + " is still running").isFalse();
      start();
      awaitReady();
    }

    public void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor();
    }

    /** SIGKILL without waiting: several servers killed within the same millisecond, as a power cut would. */
    public void destroyForcibly() {
      process.destroyForcibly();
    }

    public void awaitExit() throws InterruptedException {
      process.waitFor();
    }

    public void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        kill();
      }
    }

    /**
     * Runs SQL as root over the server's socket, as a DBA would: the operator's account has no
     * data privileges, and root cannot log in over TCP.
     */
    public void asRoot(String sql) throws IOException, InterruptedException {
      var client = new ProcessBuilder("mariadb", "--no-defaults", "--socket=" + dir.resolve("run/mysqld.sock"), "-uroot", "-e", sql)
          .redirectErrorStream(true);
      client.environment().put("MYSQL_PWD", ROOT_PASSWORD);
      var process = client.start();
      String output = new String(process.getInputStream().readAllBytes());
      assertThat(process.waitFor()).as("%s as root on %s: %s", sql, name, output).isZero();
    }

    /**
     * SIGSTOP; returns once every thread of mariadbd has stopped, so that nothing sent to it from
     * then on is read before {@link #thaw}.
     */
    public void freeze() {
      signal("STOP");
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1)).until(this::everyThreadStopped);
    }

    private boolean everyThreadStopped() throws IOException {
      try (var threads = Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
        return threads.allMatch(Server::stopped);
      }
    }

    private static boolean stopped(Path thread) {
      try {
        String stat = Files.readString(thread.resolve("stat"));
        // "tid (comm) state …"; comm may hold spaces and parentheses, the state follows the last ')'.
        return stat.charAt(stat.lastIndexOf(')') + 2) == 'T';
      } catch (IOException exited) {
        return true;
      }
    }

    public void thaw() {
      signal("CONT");
    }

    private void signal(String signal) {
      Commands.run("kill", "-" + signal, Long.toString(process.pid()));
    }

    public String log() {
      try {
        var lines = Files.readAllLines(dir.resolve("mysqld.log"));
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
      } catch (IOException e) {
        return "(no log: " + e.getMessage() + ")";
      }
    }

    public void stopQuietly() {
      try {
        if (process != null && process.isAlive()) {
          thaw();
          stop();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
