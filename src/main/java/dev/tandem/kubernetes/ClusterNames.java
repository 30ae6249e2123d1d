package dev.tandem.kubernetes;

import dev.tandem.api.MySQLCluster;

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

  public static String instance(MySQLCluster cluster, int ordinal) {
    return cluster.getMetadata().getName() + "-" + ordinal;
  }

  public static String serviceHost(String service, MySQLCluster cluster) {
    return service + "." + cluster.getMetadata().getNamespace() + ".svc";
  }
}
