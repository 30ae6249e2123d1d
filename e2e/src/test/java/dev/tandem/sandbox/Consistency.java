package dev.tandem.sandbox;

import dev.tandem.kubernetes.ClusterLabels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The scenario runner's {@code consistent} expectation: every instance of the cluster that is
 * neither errant nor offline holds the same rows of the application's table. The verdict is
 * taken on what was read from each of them; an instance that cannot be read (no Pod, no
 * address, a failed query) is retried until the bound, then makes the verdict a failure that
 * names it.
 */
final class Consistency {

  private static final Duration RETRY_AFTER = Duration.ofMillis(500);

  /**
   * @param readings per instance: its row count and checksum, why it could not be read, or why
   *     it was not compared
   */
  record Verdict(boolean consistent, Map<String, String> readings) {}

  private Consistency() {}

  /**
   * Reads every instance until all were read and agree, or the bound passes.
   *
   * @param instances every instance the cluster's spec asks for, with its Pod if there is one
   */
  static Verdict await(Duration bound, Supplier<Map<String, Optional<Pod>>> instances) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (true) {
      var verdict = readAll(instances.get());
      if (verdict.consistent() || System.nanoTime() > deadline) {
        return verdict;
      }
      Thread.sleep(RETRY_AFTER.toMillis());
    }
  }

  private static Verdict readAll(Map<String, Optional<Pod>> instances) {
    var readings = new LinkedHashMap<String, String>();
    var checksums = new HashSet<String>();
    boolean everyOneRead = true;
    for (var instance : instances.entrySet()) {
      var pod = instance.getValue();
      String role = pod.map(p -> p.getMetadata().getLabels().get(ClusterLabels.ROLE)).orElse("");
      if (ClusterLabels.ROLE_ERRANT.equals(role) || ClusterLabels.ROLE_OFFLINE.equals(role)) {
        readings.put(instance.getKey(), role + ", not compared");
        continue;
      }
      var ip = pod.map(Pod::getStatus).map(PodStatus::getPodIP);
      if (ip.isEmpty()) {
        readings.put(instance.getKey(), "unreadable: " + (pod.isEmpty() ? "it has no Pod" : "its Pod has no IP"));
        everyOneRead = false;
        continue;
      }
      try {
        String checksum = checksum(ip.get());
        readings.put(instance.getKey(), checksum);
        checksums.add(checksum);
      } catch (SQLException e) {
        readings.put(instance.getKey(), "unreadable: " + e.getMessage());
        everyOneRead = false;
      }
    }
    return new Verdict(everyOneRead && checksums.size() == 1, readings);
  }

  private static String checksum(String ip) throws SQLException {
    try (var connection = DriverManager.getConnection(ScenarioRunner.url(ip), ScenarioRunner.APP_USER, ScenarioRunner.APP_PASSWORD);
        var rows = connection.createStatement()
            .executeQuery("SELECT COUNT(*), COALESCE(BIT_XOR(CRC32(id)), 0) FROM " + ScenarioRunner.APP_TABLE)) {
      rows.next();
      return rows.getLong(1) + " rows, checksum " + rows.getLong(2);
    }
  }
}
