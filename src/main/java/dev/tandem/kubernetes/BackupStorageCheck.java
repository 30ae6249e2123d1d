package dev.tandem.kubernetes;

import dev.tandem.api.MySQLBackupSpec.BackupStorage;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Optional;

/**
 * What is missing in Kubernetes for a backup's storage: the volume claim, or the Secret with the
 * bucket's keys. Said before any Pod needs it, which would otherwise wait without a word. (A
 * bucket's reachability is the Pods' to find: the operator may not reach what they reach.)
 */
public final class BackupStorageCheck {

  private BackupStorageCheck() {}

  /** @param field where the storage is in the object, for the message, e.g. "spec.storage" */
  public static Optional<String> problem(KubernetesClient client, String namespace, BackupStorage storage, String field) {
    if (storage.getPvc() != null) {
      String claim = storage.getPvc().getClaimName();
      return client.persistentVolumeClaims().inNamespace(namespace).withName(claim).get() != null ? Optional.empty()
          : Optional.of("PersistentVolumeClaim " + claim + " (" + field + ".pvc.claimName) not found in namespace " + namespace);
    }
    String secretName = storage.getS3().getCredentialsSecret();
    if (secretName == null) {
      return Optional.empty();
    }
    var secret = client.secrets().inNamespace(namespace).withName(secretName).get();
    if (secret == null) {
      return Optional.of("Secret " + secretName + " (" + field + ".s3.credentialsSecret) not found in namespace " + namespace);
    }
    var missing = CredentialsSecret.missingKeys(secret, List.of(S3Transfer.ACCESS_KEY_ID, S3Transfer.SECRET_ACCESS_KEY));
    return missing.isEmpty() ? Optional.empty()
        : Optional.of("Secret " + secretName + " (" + field + ".s3.credentialsSecret) has no key " + String.join(" nor ", missing));
  }
}
