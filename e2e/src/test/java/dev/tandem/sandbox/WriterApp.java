package dev.tandem.sandbox;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * The application of the sandbox, run as a Pod of its own by {@link ClientPod}: it writes unique
 * ids as fast as it can through a Service, resolved as kube-proxy would at every (re)connect,
 * and prints {@code ack <id> <address> <sent> <committed>} once each commit has returned, naming
 * the instance that acknowledged it, and {@code error <at> <message>} for a write or connect that
 * failed. Times are System.nanoTime, CLOCK_MONOTONIC on Linux: the same clock in every process of
 * the machine, so the test compares them with its own without the delay of reading the pipe.
 * The password comes from the
 * environment ({@code APP_PASSWORD}), never from the command line.
 *
 * <p>Arguments: namespace, Service, database user, table, first id (or {@link #STANDBY}).
 */
public final class WriterApp {

  static final int CONNECTION_LIFETIME_WRITES = 200;
  /** In place of the first id: wait on standard input for "go <first id>". */
  static final String STANDBY = "standby";

  public static void main(String[] args) throws Exception {
    String namespace = args[0];
    String service = args[1];
    String user = args[2];
    String table = args[3];
    String password = System.getenv("APP_PASSWORD");
    var config = Config.fromKubeconfig(Files.readString(Path.of(System.getenv("KUBECONFIG"))));
    try (var client = new KubernetesClientBuilder().withConfig(config).build()) {
      var proxy = new ServiceProxy(client);
      long next;
      if (STANDBY.equals(args[4])) {
        // Started ahead, while the cluster starts: the first write waits only for "go <first id>".
        Class.forName("com.mysql.cj.jdbc.Driver");
        client.getKubernetesVersion();
        String go = new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
        if (go == null || !go.startsWith("go ")) {
          return;
        }
        next = Long.parseLong(go.substring(3).trim());
      } else {
        next = Long.parseLong(args[4]);
      }
      Connection connection = null;
      String address = null;
      while (true) {
        try {
          if (connection == null) {
            var endpoint = proxy.connectTo(namespace, service);
            if (endpoint.isEmpty()) {
              System.out.println("error " + System.nanoTime() + " no ready endpoint behind " + service);
              Thread.sleep(100);
              continue;
            }
            address = endpoint.get().host();
            connection = DriverManager.getConnection("jdbc:mysql://" + endpoint.get() + "/?connectTimeout=1000&socketTimeout=3000",
                user, password);
          }
          long id = next++;
          long sent = System.nanoTime();
          try (var statement = connection.createStatement()) {
            statement.executeUpdate("INSERT INTO " + table + " (id) VALUES (" + id + ")");
          }
          System.out.println("ack " + id + " " + address + " " + sent + " " + System.nanoTime());
          if (id % CONNECTION_LIFETIME_WRITES == 0) {
            // Like a pool's maximum connection lifetime: the next write resolves the Service again.
            connection.close();
            connection = null;
          }
        } catch (SQLException | RuntimeException e) {
          System.out.println("error " + System.nanoTime() + " " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
          if (connection != null) {
            try {
              connection.close();
            } catch (SQLException ignored) {
              // Already broken.
            }
          }
          connection = null;
          Thread.sleep(50);
        }
      }
    }
  }
}
