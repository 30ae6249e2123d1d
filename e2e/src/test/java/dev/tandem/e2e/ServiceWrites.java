package dev.tandem.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * An application outside the cluster writing unique ids through a port-forward of a Service,
 * one INSERT at a time, and remembering every acknowledged id. A port-forward of a Service is
 * bound to one Pod when it opens, so after any failure it is reopened, as a client reconnects.
 */
final class ServiceWrites implements AutoCloseable {

  static final String USER = "app";
  static final String PASSWORD = "app-password";
  private static final int PORT = 3306;

  private final KubernetesClient client;
  private final String namespace;
  private final String service;
  private final Set<Long> acknowledged = new ConcurrentSkipListSet<>();
  private volatile boolean running;
  private volatile Instant lastGapEnd = Instant.EPOCH;
  private Thread thread;

  ServiceWrites(KubernetesClient client, String namespace, String service) {
    this.client = client;
    this.namespace = namespace;
    this.service = service;
  }

  void start() {
    running = true;
    thread = new Thread(this::run, "writes-" + service);
    thread.start();
  }

  void stop() throws InterruptedException {
    running = false;
    if (thread != null) {
      thread.join();
    }
  }

  int acknowledged() {
    return acknowledged.size();
  }

  Set<Long> ids() {
    return Set.copyOf(acknowledged);
  }

  /** When the last interruption of writes ended: the first acknowledgement after a failure. */
  Instant lastGapEnd() {
    return lastGapEnd;
  }

  /** The ids stored on one instance, read through a port-forward of its Pod. */
  Set<Long> rowsOn(String pod) {
    try (var forward = client.pods().inNamespace(namespace).withName(pod).portForward(PORT);
        var connection = connect(forward);
        var rows = connection.createStatement().executeQuery("SELECT id FROM app.writes")) {
      var ids = new HashSet<Long>();
      while (rows.next()) {
        ids.add(rows.getLong(1));
      }
      return ids;
    } catch (SQLException | IOException e) {
      return Set.of();
    }
  }

  private void run() {
    long next = 1;
    boolean failing = false;
    while (running) {
      try (var forward = client.services().inNamespace(namespace).withName(service).portForward(PORT);
          var connection = connect(forward);
          var insert = connection.prepareStatement("INSERT INTO app.writes (id) VALUES (?)")) {
        while (running) {
          insert.setLong(1, next);
          insert.executeUpdate();
          acknowledged.add(next++);
          if (failing) {
            lastGapEnd = Instant.now();
            failing = false;
          }
        }
      } catch (SQLException | IOException | RuntimeException e) {
        // The id whose INSERT failed may or may not be stored: it is never reused, never counted.
        next++;
        failing = true;
        pause();
      }
    }
  }

  private static Connection connect(LocalPortForward forward) throws SQLException {
    return DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + forward.getLocalPort() + "/app?connectTimeout=3000&socketTimeout=5000"
        + "&allowPublicKeyRetrieval=true", USER, PASSWORD);
  }

  private void pause() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
