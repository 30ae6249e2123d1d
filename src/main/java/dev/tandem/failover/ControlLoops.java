package dev.tandem.failover;

import dev.tandem.api.MySQLCluster;
import dev.tandem.kubernetes.ClusterControl;
import dev.tandem.kubernetes.ClusterEvents;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One {@link ClusterMonitor} per MySQLCluster, started on its first reconcile. Built at start-up,
 * so that a bad setting stops the operator at once rather than at the first cluster.
 */
@Startup
@ApplicationScoped
public class ControlLoops implements ClusterControl {

  private static final Logger LOG = Logger.getLogger(ControlLoops.class);

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

  private final InstanceAccess access;

  public ControlLoops(KubernetesClient client, ClusterEvents events, FailoverMetrics metrics,
      @ConfigProperty(name = InstanceAccess.SETTING, defaultValue = "auto") String access) {
    this.client = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(client.getConfiguration()).withRequestTimeout(REQUEST_TIMEOUT_MILLIS).build()).build();
    this.events = events;
    this.metrics = metrics;
    this.access = InstanceAccess.configured(access);
    LOG.infof("instances are reached by %s (%s=%s)", this.access == InstanceAccess.POD_IP ? "Pod IP" : "port-forward",
        InstanceAccess.SETTING, access);
  }

  @Override
  public void reconciled(MySQLCluster cluster, Reconciled reconciled) {
    var id = ResourceID.fromResource(cluster);
    monitors.values().removeIf(ClusterMonitor::isStopped);
    monitors.compute(id, (key, monitor) -> {
      if (monitor != null && !monitor.isStopped() && monitor.controls(cluster)) {
        monitor.update(reconciled);
        return monitor;
      }
      if (monitor != null) {
        // The loop of a deleted cluster, or one ending: its state (master, a change under way) is not this cluster's.
        monitor.stopAndWait();
      }
      var started = new ClusterMonitor(id, cluster.getMetadata().getUid(), client, events, metrics, probes, access, reconciled);
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
