package dev.tandem.failover;

import dev.tandem.kubernetes.ClusterCertificates;
import dev.tandem.kubernetes.MyCnf;
import dev.tandem.kubernetes.StatefulSetDependent;
import dev.tandem.replication.Account;
import dev.tandem.replication.Endpoint;
import dev.tandem.replication.Sessions;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Sessions to one instance for the controllers outside the control loop (users, databases and
 * grants), reaching it the way the control loop does: by Pod IP, or by port-forward when the
 * operator runs outside the cluster.
 */
@ApplicationScoped
public class InstanceSessions {

  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
  static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

  private final KubernetesClient client;
  private final InstanceAccess access;
  private final Map<String, PortForwards> forwardsByNamespace = new ConcurrentHashMap<>();
  private final Map<Trust, Sessions> verifying = new ConcurrentHashMap<>();

  public InstanceSessions(KubernetesClient client,
      @ConfigProperty(name = InstanceAccess.SETTING, defaultValue = "auto") String access) {
    this.client = client;
    this.access = InstanceAccess.configured(access);
  }

  /** A session to {@code pod}'s mysqld as {@code account}. */
  public Connection open(Pod pod, Account account) throws SQLException {
    String address = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
    if (address == null || address.isEmpty()) {
      throw new SQLNonTransientConnectionException("Pod " + pod.getMetadata().getName() + " has no IP yet");
    }
    Sessions.Route route = Sessions.Route.DIRECT;
    if (access == InstanceAccess.PORT_FORWARD) {
      var forwards = forwardsByNamespace.computeIfAbsent(pod.getMetadata().getNamespace(),
          namespace -> new PortForwards(client, namespace));
      forwards.register(address, pod.getMetadata().getName());
      route = forwards;
    }
    var sessions = new Sessions(account, CONNECT_TIMEOUT, READ_TIMEOUT, route);
    var mounted = StatefulSetDependent.mountedTlsSecret(pod);
    if (mounted.isPresent()) {
      var secret = client.secrets().inNamespace(pod.getMetadata().getNamespace()).withName(mounted.get()).get();
      List<X509Certificate> authorities = secret == null ? List.of() : ClusterCertificates.authorities(secret);
      // One key store per CA set, not per session: Connector/J reads CAs from a file only.
      var plaintext = sessions;
      sessions = verifying.computeIfAbsent(new Trust(account, route, authorities),
          trust -> plaintext.verifyingServersWith(authorities, hasItsCertificate -> false));
    }
    return sessions.open(new Endpoint(address, MyCnf.PORT));
  }

  /** The instances whose Pod has a certificate are verified with the CAs of the Secret it mounts, never spoken to unverified. */
  private record Trust(Account account, Sessions.Route route, List<X509Certificate> authorities) {}

  @PreDestroy
  void close() {
    forwardsByNamespace.values().forEach(PortForwards::close);
  }
}
