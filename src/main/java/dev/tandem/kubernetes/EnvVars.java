package dev.tandem.kubernetes;

import dev.tandem.api.MySQLCluster;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;

/** Environment variables of Tandem's containers; passwords only ever by reference to the Secret. */
public final class EnvVars {

  private EnvVars() {}

  public static EnvVar plain(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }

  static EnvVar field(String name, String fieldPath) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewFieldRef()
        .withFieldPath(fieldPath)
        .endFieldRef()
        .endValueFrom()
        .build();
  }

  /** A key of the cluster's credentials Secret. */
  public static EnvVar credential(MySQLCluster cluster, String name, String key) {
    return credential(cluster, name, key, null);
  }

  /** A key the cluster's credentials Secret may lack: the variable is then unset. */
  public static EnvVar optionalCredential(MySQLCluster cluster, String name, String key) {
    return credential(cluster, name, key, true);
  }

  private static EnvVar credential(MySQLCluster cluster, String name, String key, Boolean optional) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewSecretKeyRef()
        .withName(ClusterNames.credentialsSecret(cluster))
        .withKey(key)
        .withOptional(optional)
        .endSecretKeyRef()
        .endValueFrom()
        .build();
  }
}
