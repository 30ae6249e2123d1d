package dev.tandem.kubernetes;

import dev.tandem.api.MySQLCluster;
import java.util.Optional;

/** Every name derived from a cluster's name, in one place for the code and the tests. */
public final class ClusterNames {

  private ClusterNames() {}

  public static String statefulSet(MySQLCluster cluster) {
    return cluster.getMetadata().getName();
  }

  public static String writerService(MySQLCluster cluster) {
    return cluster.getMetadata().getName();
  }

  public static String readerService(MySQLCluster cluster) {
    return cluster.getMetadata().getName() + "-replicas";
  }

  public static String headlessService(MySQLCluster cluster) {
    return cluster.getMetadata().getName() + "-headless";
  }

  public static String mastersService(MySQLCluster cluster) {
    return cluster.getMetadata().getName() + "-masters";
  }

  public static String configMap(MySQLCluster cluster) {
    return cluster.getMetadata().getName() + "-config";
  }

  public static String generatedSecret(MySQLCluster cluster) {
    return cluster.getMetadata().getName() + "-credentials";
  }

  /** The Secret the passwords come from: the user's, or the one Tandem generates. */
  public static String credentialsSecret(MySQLCluster cluster) {
    var credentials = cluster.getSpec().getCredentials();
    return credentials != null && credentials.getSecretName() != null
        ? credentials.getSecretName()
        : generatedSecret(cluster);
  }

  public static String podDisruptionBudget(MySQLCluster cluster) {
    return cluster.getMetadata().getName();
  }

  /**
   * How many ordinals the cluster spans: spec.instances, or more while the master recorded in
   * status sits above it. A master is never removed while it is one: it is switched over first.
   */
  public static int spannedOrdinals(MySQLCluster cluster) {
    return spannedOrdinals(cluster, Optional.ofNullable(cluster.getStatus()).map(status -> status.getMaster()));
  }

  /** As {@link #spannedOrdinals(MySQLCluster)}, with the master the caller knows of. */
  public static int spannedOrdinals(MySQLCluster cluster, Optional<String> master) {
    int instances = cluster.getSpec().getInstances();
    return master.flatMap(name -> ordinal(cluster, name)).map(ordinal -> Math.max(instances, ordinal + 1)).orElse(instances);
  }

  /** The ordinal of one of the cluster's instances, by name. */
  public static Optional<Integer> ordinal(MySQLCluster cluster, String instance) {
    String prefix = cluster.getMetadata().getName() + "-";
    return Optional.of(instance)
        .filter(name -> name.startsWith(prefix) && name.substring(prefix.length()).matches("\\d{1,4}"))
        .map(name -> Integer.parseInt(name.substring(prefix.length())));
  }

  public static String instance(MySQLCluster cluster, int ordinal) {
    return cluster.getMetadata().getName() + "-" + ordinal;
  }

  public static String serviceHost(String service, MySQLCluster cluster) {
    return service + "." + cluster.getMetadata().getNamespace() + ".svc";
  }
}
