package dev.tandem.failover;

import dev.tandem.api.MySQLCluster;
import dev.tandem.kubernetes.ClusterCertificates;
import dev.tandem.kubernetes.ClusterEvents;
import dev.tandem.kubernetes.ClusterNames;
import dev.tandem.kubernetes.MyCnf;
import dev.tandem.kubernetes.StatefulSetDependent;
import dev.tandem.replication.Endpoint;
import dev.tandem.replication.ServedCertificates;
import dev.tandem.replication.Sessions;
import dev.tandem.tls.ServingCertificate;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * TLS of one cluster's instances, from the control loop: the generated certificates renewed
 * before they expire, the instances made to load a renewed certificate in place, and the CAs
 * the operator's own sessions verify the instances with. It decides from the Secret and what
 * each instance serves now, so a certificate renewed while the operator was down is loaded on
 * its first look.
 *
 * <p>A CA the operator trusted stays trusted until every instance serves the Secret's
 * certificate: a Secret whose CA was replaced outright, not chained, would otherwise leave the
 * instances that still serve the old certificate unverifiable, and so never told to load the new.
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
  private List<X509Certificate> trusted = List.of();
  private Optional<String> secretProblem = Optional.empty();
  /** Why an instance did not load the Secret's certificate, by instance, as last reported. */
  private final Map<String, String> reloadProblems = new LinkedHashMap<>();
  private boolean checkedNow;
  /** Instances with a certificate not yet seen serving the Secret's: why CAs beyond the Secret's stay trusted. */
  private List<String> notYetServing = List.of();

  TlsControl(String id, KubernetesClient client, ClusterEvents events) {
    this.id = id;
    this.client = client;
    this.events = events;
  }

  /**
   * The instances whose Pod has its certificate, with the Secret it mounts: replication and the
   * operator may use TLS with them, and the operator verifies them with that Secret's CAs.
   */
  static Map<String, String> mountedSecrets(List<Pod> pods) {
    var mounted = new LinkedHashMap<String, String>();
    pods.forEach(pod -> StatefulSetDependent.mountedTlsSecret(pod).ifPresent(secret -> mounted.put(pod.getMetadata().getName(), secret)));
    return Map.copyOf(mounted);
  }

  /** Whether the operator must verify the instances: TLS is on, or an instance still serves it. */
  static boolean inPlay(MySQLCluster cluster, Set<String> servingTls) {
    return cluster.getSpec().getTls().isEnabled() || !servingTls.isEmpty();
  }

  /**
   * Every address an instance the operator may speak plaintext to is dialled by (its Pod IP and
   * DNS name): one whose Pod has no certificate, or any while TLS is being turned off (a Pod may
   * still mount its certificate while its mysqld, restarted, read a my.cnf without TLS). An
   * address no Pod answers for now is never among them.
   */
  static Set<String> plaintextHosts(MySQLCluster cluster, List<Pod> pods, Set<String> servingTls) {
    boolean turningOff = !cluster.getSpec().getTls().isEnabled();
    return pods.stream().filter(pod -> turningOff || !servingTls.contains(pod.getMetadata().getName()))
        .flatMap(pod -> Stream.of(pod.getStatus() == null ? null : pod.getStatus().getPodIP(),
            pod.getMetadata().getName() + "." + ClusterNames.headlessService(cluster)))
        .filter(host -> host != null)
        .collect(Collectors.toUnmodifiableSet());
  }

  /**
   * The CA file replicas verify their source with: while TLS is on, or while an instance still
   * has its certificate (a rollout turning TLS off), since such a source may still refuse plaintext.
   */
  static Optional<String> sourceAuthorities(MySQLCluster cluster, Set<String> servingTls) {
    return inPlay(cluster, servingTls) ? Optional.of(MyCnf.TLS_AUTHORITIES) : Optional.empty();
  }

  /**
   * Reads the Secrets when due: the spec's, renewing generated certificates first, and those the
   * Pods mount, whose CAs are trusted too (after an operator restart, a spec may name a Secret
   * the instances do not serve yet). Keeps the last certificate that could be served when the
   * spec's Secret cannot be, and says so once in an Event and, for as long as it lasts, in
   * {@link #problem}.
   */
  void refresh(MySQLCluster cluster, Map<String, String> mounted, Instant now) {
    if (now.isBefore(nextCheck)) {
      return;
    }
    nextCheck = now.plus(CHECK_INTERVAL);
    checkedNow = true;
    if (!inPlay(cluster, mounted.keySet())) {
      serving = Optional.empty();
      trusted = List.of();
      secretProblem = Optional.empty();
      reloadProblems.clear();
      notYetServing = List.of();
      return;
    }
    var secrets = client.secrets().inNamespace(cluster.getMetadata().getNamespace());
    Optional<String> named = cluster.getSpec().getTls().isEnabled() ? Optional.of(ClusterCertificates.servingSecret(cluster))
        : Optional.empty();
    try {
      if (named.isPresent()) {
        Secret secret = ClusterCertificates.generated(cluster) ? ClusterCertificates.apply(client, cluster, now)
            : secrets.withName(named.get()).get();
        if (secret != null) {
          trust(ClusterCertificates.authorities(secret));
        }
        var problem = secret == null ? Optional.of("does not exist") : ClusterCertificates.problem(secret, now);
        if (problem.isEmpty()) {
          serving = Optional.of(ClusterCertificates.serving(secret));
          secretProblem = Optional.empty();
        } else if (!problem.equals(secretProblem)) {
          secretProblem = problem;
          String line = "TLS Secret " + named.get() + " " + problem.get() + "; the instances keep serving the certificate they loaded";
          LOG.warnf("cluster %s: %s", id, line);
          events.warning(cluster, ClusterEvents.Reason.CertificateInvalid, line);
        }
      } else {
        // Being turned off: nothing to load, only instances to keep verifying until they restart.
        serving = Optional.empty();
        secretProblem = Optional.empty();
      }
      mounted.values().stream().distinct().filter(name -> !named.equals(Optional.of(name)))
          .map(name -> secrets.withName(name).get()).filter(secret -> secret != null)
          .forEach(secret -> trust(ClusterCertificates.authorities(secret)));
    } catch (RuntimeException e) {
      // Looked at again next pass: until then, an operator just started knows no CA to verify with.
      nextCheck = now;
      LOG.warnf("cluster %s: could not read or renew the TLS Secrets: %s", id, e.getMessage());
    }
  }

  /** Adds the Secret's CAs to those trusted, keeping the ones an instance may still serve a certificate of. */
  private void trust(List<X509Certificate> authorities) {
    var union = new ArrayList<>(trusted);
    authorities.stream().filter(authority -> !union.contains(authority)).forEach(union::add);
    trusted = List.copyOf(union);
  }

  /** The CAs to verify instances with; empty when none could be read yet. */
  List<X509Certificate> authorities() {
    return trusted;
  }

  /** What keeps the instances from serving the Secret's certificate, if anything: for status. */
  Optional<String> problem() {
    var problems = new ArrayList<String>();
    secretProblem.ifPresent(problem -> problems.add("the TLS Secret " + problem + "; the instances keep serving the certificate"
        + " they loaded"));
    reloadProblems.forEach((instance, problem) -> problems.add(instance + " could not load the Secret's certificate: " + problem));
    return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
  }

  /**
   * Which CAs beyond the Secret's are still trusted, and which instances they wait for, if any:
   * for status. An instance that stays unreachable keeps a replaced CA trusted for as long.
   */
  Optional<String> previousAuthoritiesTrusted(MySQLCluster cluster) {
    if (serving.isEmpty() || serving.get().authorities().containsAll(trusted)) {
      return Optional.empty();
    }
    int extra = (int) trusted.stream().filter(authority -> !serving.get().authorities().contains(authority)).count();
    return Optional.of((extra == 1 ? "1 CA" : extra + " CAs") + " not in TLS Secret " + ClusterCertificates.servingSecret(cluster)
        + (extra == 1 ? " stays" : " stay") + " trusted until " + (notYetServing.isEmpty() ? "every instance with a certificate" : String.join(", ", notYetServing))
        + " is seen serving the Secret's certificate");
  }

  /**
   * Has every reachable instance that serves TLS load the Secret's certificate when it serves
   * another, once per check: right after {@link #refresh} read the Secret. Once every instance
   * with a certificate serves the Secret's, only the Secret's CAs stay trusted.
   */
  void reload(MySQLCluster cluster, Map<String, Endpoint> reachable, Set<String> servingTls, ServedCertificates certificates) {
    if (serving.isEmpty() || !checkedNow) {
      return;
    }
    checkedNow = false;
    var leaf = serving.get().leaf();
    var wanted = new ServedCertificates.Validity(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
    var current = new HashSet<String>();
    reachable.forEach((name, endpoint) -> {
      Optional<ServedCertificates.Validity> before;
      try {
        before = certificates.served(endpoint);
      } catch (SQLException unreachable) {
        // The control loop reports an unreachable instance; its certificate waits for the next check.
        return;
      }
      // None: it has no certificate until its restart in the rollout that turns TLS on.
      if (before.isEmpty() || before.get().equals(wanted)) {
        current.add(name);
        reloadProblems.remove(name);
        return;
      }
      try {
        if (certificates.reload(endpoint).filter(wanted::equals).isPresent()) {
          current.add(name);
          reloadProblems.remove(name);
          String line = name + " serves the renewed certificate (valid until " + wanted.notAfter() + "), loaded without a restart";
          LOG.infof("cluster %s: %s", id, line);
          events.normal(cluster, ClusterEvents.Reason.CertificateReloaded, line);
        }
        // Else its files are not updated yet (the kubelet's sync): the next check loads them.
      } catch (SQLException failed) {
        if (Sessions.connectionFailed(failed)) {
          // The connection failed, not the statement: unreachable again, it is looked at next check.
          reloadProblems.remove(name);
          return;
        }
        // The server refused the files (a key that does not match, say), and keeps its certificate.
        String problem = failed.getMessage();
        if (!problem.equals(reloadProblems.put(name, problem))) {
          String line = name + " could not load the certificate of TLS Secret " + ClusterCertificates.servingSecret(cluster) + ": "
              + problem + "; it keeps serving the one it loaded";
          LOG.warnf("cluster %s: %s", id, line);
          events.warning(cluster, ClusterEvents.Reason.CertificateInvalid, line);
        }
      }
    });
    // What an instance no longer reachable refused is not known to stand: the control loop reports it unreachable.
    reloadProblems.keySet().retainAll(reachable.keySet());
    notYetServing = servingTls.stream().filter(name -> !current.contains(name)).sorted().toList();
    if (secretProblem.isEmpty() && notYetServing.isEmpty()) {
      trusted = serving.get().authorities();
    }
  }
}
