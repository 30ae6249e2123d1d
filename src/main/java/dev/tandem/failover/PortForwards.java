package dev.tandem.failover;

import dev.tandem.replication.Endpoint;
import dev.tandem.replication.Sessions;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Reaches the instances of one namespace from outside the cluster: one port-forward through the
 * API server per Pod, opened on first use and replaced when the Pod got a new IP or the forward
 * broke (a forward to a deleted Pod fails every connection through it).
 */
final class PortForwards implements Sessions.Route, AutoCloseable {

  private static final Logger LOG = Logger.getLogger(PortForwards.class);

  private record Forward(String podIp, LocalPortForward local) {
    boolean usable(String ip) {
      return podIp.equals(ip) && local.isAlive() && !local.errorOccurred();
    }
  }

  private final KubernetesClient client;
  private final String namespace;
  private final Map<String, String> podByAddress = new ConcurrentHashMap<>();
  private final Map<String, Forward> forwards = new ConcurrentHashMap<>();

  PortForwards(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /** The instance at {@code address} (what the engine and the replicas know it by) is Pod {@code pod}. */
  void register(String address, String pod) {
    podByAddress.put(address, pod);
  }

  @Override
  public Endpoint to(Endpoint instance) throws SQLException {
    String pod = podByAddress.get(instance.host());
    if (pod == null) {
      throw new SQLNonTransientConnectionException("no Pod is known at " + instance + " to port-forward to");
    }
    var forward = forwards.compute(pod, (name, existing) -> {
      if (existing != null && existing.usable(instance.host())) {
        return existing;
      }
      if (existing != null) {
        close(name, existing);
      }
      return new Forward(instance.host(), client.pods().inNamespace(namespace).withName(name).portForward(instance.port()));
    });
    return new Endpoint(forward.local().getLocalAddress().getHostAddress(), forward.local().getLocalPort());
  }

  @Override
  public void close() {
    forwards.forEach(this::close);
    forwards.clear();
  }

  private void close(String pod, Forward forward) {
    try {
      forward.local().close();
    } catch (IOException e) {
      LOG.debugf("port-forward to %s/%s: close failed: %s", namespace, pod, e.getMessage());
    }
  }
}
