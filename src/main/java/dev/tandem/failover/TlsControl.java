package dev.tandem.failover;

import dev.tandem.api.MySQLCluster;
import dev.tandem.kubernetes.ClusterCertificates;
import dev.tandem.kubernetes.ClusterEvents;
import dev.tandem.kubernetes.MyCnf;
import dev.tandem.kubernetes.StatefulSetDependent;
import dev.tandem.replication.Endpoint;
import dev.tandem.replication.ServedCertificates;
import dev.tandem.tls.ServingCertificate;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * TLS of one cluster's instances, from the control loop: the generated certificates renewed
 * before they expire, the instances made to load a renewed certificate in place, and the CAs
 * the operator's own sessions verify the instances with. It decides from the Secret and what
 * each instance serves now, so a certificate renewed while the operator was down is loaded on
 * its first look.
 */
final class TlsControl {

  private static final Logger LOG = Logger.getLogger(TlsControl.class);
  /** Renewal is due weeks ahead; a renewed Secret reaches the Pods' files within a minute or two. */
  private static final Duration CHECK_INTERVAL = Duration.ofSeconds(10);

  private final String id;
  private final KubernetesClient client;
  private final ClusterEvents events;
  private Instant nextCheck = Instant.EPOCH;
  private Optional<ServingCertificate> serving = Optional.empty();
  private String reportedProblem = "";
  private boolean checkedNow;

  TlsControl(String id, KubernetesClient client, ClusterEvents events) {
    this.id = id;
    this.client = client;
    this.events = events;
  }

  /** Whether any instance's Pod has its certificate: replication and the operator may use TLS with it. */
  static Set<String> servingTls(List<Pod> pods) {
    return pods.stream().filter(StatefulSetDependent::mountsTlsSecret).map(pod -> pod.getMetadata().getName())
        .collect(Collectors.toSet());
  }

  /**
   * The CA file replicas verify their source with: while TLS is on, or while an instance still
   * has its certificate (a rollout turning TLS off), since such a source may still refuse plaintext.
   */
  static Optional<String> sourceAuthorities(MySQLCluster cluster, Set<String> servingTls) {
    return cluster.getSpec().getTls().isEnabled() || !servingTls.isEmpty() ? Optional.of(MyCnf.TLS_AUTHORITIES) : Optional.empty();
  }

  /**
   * Reads the Secret when due: renews generated certificates first. Keeps the last certificate
   * that could be served when the Secret cannot be, and says so once in an Event.
   */
  void refresh(MySQLCluster cluster, Set<String> servingTls, Instant now) {
    if (now.isBefore(nextCheck)) {
      return;
    }
    nextCheck = now.plus(CHECK_INTERVAL);
    checkedNow = true;
    if (!cluster.getSpec().getTls().isEnabled() && servingTls.isEmpty()) {
      serving = Optional.empty();
      return;
    }
    try {
      Secret secret = ClusterCertificates.generated(cluster) ? ClusterCertificates.apply(client, cluster, now)
          : client.secrets().inNamespace(cluster.getMetadata().getNamespace()).withName(ClusterCertificates.servingSecret(cluster)).get();
      String problem = secret == null ? "does not exist" : ClusterCertificates.problem(secret, now).orElse("");
      if (problem.isEmpty()) {
        serving = Optional.of(ClusterCertificates.serving(secret));
        reportedProblem = "";
      } else if (!problem.equals(reportedProblem)) {
        reportedProblem = problem;
        String line = "TLS Secret " + ClusterCertificates.servingSecret(cluster) + " " + problem
            + "; the instances keep serving the certificate they loaded";
        LOG.warnf("cluster %s: %s", id, line);
        events.warning(cluster, ClusterEvents.Reason.CertificateInvalid, line);
      }
    } catch (RuntimeException e) {
      LOG.warnf("cluster %s: could not read or renew the TLS Secret: %s", id, e.getMessage());
    }
  }

  /** The CAs to verify instances with; empty when no instance serves TLS or none could be read yet. */
  List<X509Certificate> authorities() {
    return serving.map(ServingCertificate::authorities).orElse(List.of());
  }

  /**
   * Has every reachable instance that serves TLS load the Secret's certificate when it serves
   * another, once per check: right after {@link #refresh} read the Secret.
   */
  void reload(MySQLCluster cluster, Map<String, Endpoint> instances, ServedCertificates certificates) {
    if (serving.isEmpty() || !checkedNow) {
      return;
    }
    checkedNow = false;
    var leaf = serving.get().leaf();
    var wanted = new ServedCertificates.Validity(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
    instances.forEach((name, endpoint) -> {
      try {
        var before = certificates.served(endpoint);
        // None: it has no certificate until its restart in the rollout that turns TLS on.
        if (before.isEmpty() || before.get().equals(wanted)) {
          return;
        }
        if (certificates.reload(endpoint).filter(wanted::equals).isPresent()) {
          String line = name + " serves the renewed certificate (valid until " + wanted.notAfter() + "), loaded without a restart";
          LOG.infof("cluster %s: %s", id, line);
          events.normal(cluster, ClusterEvents.Reason.CertificateReloaded, line);
        }
        // Else its files are not updated yet (the kubelet's sync): the next check loads them.
      } catch (SQLException unreachable) {
        // The control loop reports an unreachable instance; its certificate waits for the next check.
      }
    });
  }
}
