package dev.tandem.failover;

import dev.tandem.api.MySQLCluster;
import dev.tandem.kubernetes.ClusterControl;
import dev.tandem.kubernetes.ClusterEvents;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** One {@link ClusterMonitor} per MySQLCluster, started on its first reconcile. */
@ApplicationScoped
public class ControlLoops implements ClusterControl {

  private final KubernetesClient client;
  private final ClusterEvents events;
  private final FailoverMetrics metrics;
  private final Map<ResourceID, ClusterMonitor> monitors = new ConcurrentHashMap<>();
  /** Probes of every cluster; a hung one holds a thread, never another cluster's pass. */
  private final ExecutorService probes = Executors.newCachedThreadPool(task -> {
    var thread = new Thread(task, "tandem-probe");
    thread.setDaemon(true);
    return thread;
  });

  /** The control loop's own client: the operator's configuration with a short request timeout. */
  static final int REQUEST_TIMEOUT_MILLIS = 3000;

  public ControlLoops(KubernetesClient client, ClusterEvents events, FailoverMetrics metrics) {
    this.client = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(client.getConfiguration()).withRequestTimeout(REQUEST_TIMEOUT_MILLIS).build()).build();
    this.events = events;
    this.metrics = metrics;
  }

  @Override
  public void reconciled(MySQLCluster cluster, Reconciled reconciled) {
    var id = ResourceID.fromResource(cluster);
    monitors.values().removeIf(ClusterMonitor::isStopped);
    monitors.compute(id, (key, monitor) -> {
      if (monitor != null && !monitor.isStopped()) {
        monitor.update(reconciled);
        return monitor;
      }
      var started = new ClusterMonitor(id, client, events, metrics, probes, reconciled);
      started.start();
      return started;
    });
  }

  void onStop(@Observes ShutdownEvent event) {
    monitors.values().forEach(ClusterMonitor::stop);
    probes.shutdownNow();
    client.close();
  }
}
