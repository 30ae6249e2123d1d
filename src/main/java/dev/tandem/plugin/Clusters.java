package dev.tandem.plugin;

import dev.tandem.api.MySQLCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/** Reading clusters and waiting on them, for the commands. */
final class Clusters {

  private Clusters() {}

  static MySQLCluster get(KubernetesClient client, String namespace, String name) {
    return Optional.ofNullable(client.resources(MySQLCluster.class).inNamespace(namespace).withName(name).get())
        .orElseThrow(() -> new TandemPlugin.Refused("no MySQLCluster " + name + " in namespace " + namespace));
  }

  /** Polls until {@code done} gives a value, or fails saying what it waited for. */
  static <T> T await(Duration timeout, Duration poll, Supplier<Optional<T>> done, Supplier<String> waitingFor) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      var value = done.get();
      if (value.isPresent()) {
        return value.get();
      }
      if (System.nanoTime() > deadline) {
        throw new TandemPlugin.Refused("gave up after " + timeout.toSeconds() + " s waiting for " + waitingFor.get());
      }
      try {
        Thread.sleep(poll.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TandemPlugin.Refused("interrupted while waiting for " + waitingFor.get());
      }
    }
  }
}
