package dev.tandem.kubernetes;

import dev.tandem.api.MySQLCluster;
import dev.tandem.api.StorageSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The database passwords. A generated Secret is created once and never rewritten: the passwords
 * live on in the data directories, so a new random value would lock the operator out.
 */
public final class CredentialsSecret {

  public static final String ROOT_PASSWORD = "root-password";
  public static final String REPLICATION_PASSWORD = "replication-password";
  public static final String OPERATOR_PASSWORD = "operator-password";
  public static final String BACKUP_PASSWORD = "backup-password";
  /**
   * The administrator that applies MySQLDatabase, MySQLUser and MySQLGrant resources. Optional, so
   * that a Secret written before those resources existed still runs its cluster; such a cluster
   * has no administrator, and the resources say so.
   */
  public static final String ADMIN_PASSWORD = "admin-password";
  /**
   * The mysqld_exporter sidecar's account. Optional for the same reason: a cluster whose Secret
   * lacks it has no such account and cannot turn the exporter on.
   */
  public static final String EXPORTER_PASSWORD = "exporter-password";
  public static final List<String> REQUIRED_KEYS =
      List.of(ROOT_PASSWORD, REPLICATION_PASSWORD, OPERATOR_PASSWORD, BACKUP_PASSWORD);
  static final List<String> GENERATED_KEYS =
      List.of(ROOT_PASSWORD, REPLICATION_PASSWORD, OPERATOR_PASSWORD, BACKUP_PASSWORD, ADMIN_PASSWORD, EXPORTER_PASSWORD);
  static final int PASSWORD_LENGTH = 32;
  private static final String ALPHABET =
      "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private CredentialsSecret() {}

  /**
   * A new Secret with fresh passwords. It is owned by the cluster only when the data volumes go
   * with it: while retained volumes hold these passwords, a cluster re-created under the same
   * name must find the same Secret.
   */
  public static Secret generate(MySQLCluster cluster) {
    var data = new LinkedHashMap<String, String>();
    GENERATED_KEYS.forEach(
        key ->
            data.put(
                key,
                Base64.getEncoder().encodeToString(randomPassword().getBytes(StandardCharsets.US_ASCII))));
    var secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName(ClusterNames.generatedSecret(cluster))
            .withNamespace(cluster.getMetadata().getNamespace())
            .withLabels(ClusterLabels.common(cluster))
            .endMetadata()
            .withType("Opaque")
            .withData(data)
            .build();
    if (cluster.getSpec().getStorage().getRetention().getWhenDeleted()
        == StorageSpec.RetentionPolicy.Delete) {
      secret
          .getMetadata()
          .setOwnerReferences(List.of(ClusterLabels.controllerReference(cluster)));
    }
    return secret;
  }

  /** The required keys a Secret lacks or leaves empty. */
  public static List<String> missingKeys(Secret secret) {
    return missingKeys(secret, REQUIRED_KEYS);
  }

  /** The keys of {@code required} the Secret lacks or holds empty, in data or stringData. */
  public static List<String> missingKeys(Secret secret, List<String> required) {
    Map<String, String> data = new LinkedHashMap<>();
    if (secret.getData() != null) {
      data.putAll(secret.getData());
    }
    if (secret.getStringData() != null) {
      data.putAll(secret.getStringData());
    }
    return required.stream()
        .filter(key -> data.get(key) == null || data.get(key).isBlank())
        .toList();
  }

  /** A key's value, decoded, from data or stringData; empty when absent or blank. */
  public static Optional<String> value(Secret secret, String key) {
    String encoded = secret.getData() == null ? null : secret.getData().get(key);
    String value = encoded != null ? new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8)
        : secret.getStringData() == null ? null : secret.getStringData().get(key);
    return Optional.ofNullable(value).filter(v -> !v.isBlank());
  }

  static String randomPassword() {
    var password = new StringBuilder(PASSWORD_LENGTH);
    for (int i = 0; i < PASSWORD_LENGTH; i++) {
      password.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return password.toString();
  }
}
