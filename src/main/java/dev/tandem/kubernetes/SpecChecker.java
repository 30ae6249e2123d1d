package dev.tandem.kubernetes;

import dev.tandem.api.MySQLCluster;
import dev.tandem.api.OwnedMysqldSettings;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The checks the CRD schema cannot express, because they need the live cluster or because CEL
 * would be too costly for the API server. Each problem says what is wrong and how to fix it.
 */
public final class SpecChecker {

  private static final Pattern OPTION_NAME = Pattern.compile("^[A-Za-z][A-Za-z0-9_.-]{0,127}$");
  private static final List<String> RESERVED_LABEL_PREFIXES =
      List.of("app.kubernetes.io/", "mysql.tandem.dev/");

  /**
   * What the checks need to know of the live cluster.
   *
   * @param restore where spec.bootstrap would restore from, or why it cannot yet
   * @param created whether the cluster's StatefulSet exists: bootstrap is read only before that
   * @param credentials the credentials Secret, user's or generated, once it exists
   * @param tlsSecret the Secret spec.tls.secretName names, if it exists
   * @param tlsSecretMounted whether the instances already mount that Secret: then a problem with it
   *     is a failed rotation, which the control loop reports (CertificateValid), not a spec to refuse
   */
  public record LiveState(Optional<Secret> userSecret, Optional<Restores.Resolution> restore, boolean created,
      Optional<Secret> credentials, Optional<Secret> tlsSecret, boolean tlsSecretMounted) {

    public LiveState(Optional<Secret> userSecret, Optional<Restores.Resolution> restore, boolean created,
        Optional<Secret> credentials) {
      this(userSecret, restore, created, credentials, Optional.empty(), false);
    }
  }

  private SpecChecker() {}

  public static List<String> problems(MySQLCluster cluster, LiveState live) {
    var problems = new ArrayList<String>();
    var spec = cluster.getSpec();
    checkUserSecret(cluster, live, problems);
    checkTlsSecret(cluster, live, problems);
    checkRestoreSource(cluster, live, problems);
    checkExporterAccount(cluster, live, problems);
    spec.getMysqld().forEach((key, value) -> checkMysqldSetting(key, value, problems));
    checkReservedLabels(spec.getPod().getLabels(), problems);
    return problems;
  }

  private static void checkUserSecret(MySQLCluster cluster, LiveState live, List<String> problems) {
    var credentials = cluster.getSpec().getCredentials();
    if (credentials == null || credentials.getSecretName() == null) {
      return;
    }
    String name = credentials.getSecretName();
    live.userSecret()
        .ifPresentOrElse(
            secret -> {
              var missing = CredentialsSecret.missingKeys(secret);
              if (!missing.isEmpty()) {
                problems.add(
                    "Secret " + name + " (spec.credentials.secretName) lacks the key(s) "
                        + String.join(", ", missing) + ": add them with non-empty passwords");
              }
            },
            () ->
                problems.add(
                    "Secret " + name + " (spec.credentials.secretName) does not exist in namespace "
                        + cluster.getMetadata().getNamespace() + ": create it with the keys "
                        + String.join(", ", CredentialsSecret.REQUIRED_KEYS)
                        + ", or remove spec.credentials to let Tandem generate one"));
  }

  /** Before the instances mount it: Pods would wait for a missing Secret, and mysqld refuse a bad certificate, without a word. */
  private static void checkTlsSecret(MySQLCluster cluster, LiveState live, List<String> problems) {
    var tls = cluster.getSpec().getTls();
    if (!tls.isEnabled() || tls.getSecretName() == null || live.tlsSecretMounted()) {
      return;
    }
    String name = tls.getSecretName();
    live.tlsSecret().ifPresentOrElse(
        secret -> ClusterCertificates.problem(secret, Instant.now())
            .ifPresent(problem -> problems.add("Secret " + name + " (spec.tls.secretName): " + problem)),
        () -> problems.add("Secret " + name + " (spec.tls.secretName) does not exist in namespace "
            + cluster.getMetadata().getNamespace() + ": create it with tls.crt, tls.key and ca.crt (a cert-manager"
            + " Certificate writes them), or remove spec.tls.secretName to let Tandem generate the certificates"));
  }

  /**
   * A Secret without exporter-password (made before the exporter existed) means instances
   * without its account: the key alone does not create it in data directories that exist.
   */
  private static void checkExporterAccount(MySQLCluster cluster, LiveState live, List<String> problems) {
    if (!cluster.getSpec().getMonitoring().getExporter().isEnabled()) {
      return;
    }
    live.credentials()
        .filter(secret -> !CredentialsSecret.missingKeys(secret, List.of(CredentialsSecret.EXPORTER_PASSWORD)).isEmpty())
        .ifPresent(secret -> problems.add("spec.monitoring.exporter.enabled: Secret " + secret.getMetadata().getName()
            + " has no " + CredentialsSecret.EXPORTER_PASSWORD + ", so the instances have no " + StatefulSetDependent.EXPORTER_USER
            + " account: add the key and create the account on every instance (docs/monitoring.md), or turn the exporter off"));
  }

  private static void checkRestoreSource(MySQLCluster cluster, LiveState live, List<String> problems) {
    if (cluster.getSpec().getBootstrap() != null && !live.created()) {
      live.restore().flatMap(Restores.Resolution::problem).ifPresent(problems::add);
    }
  }

  private static void checkMysqldSetting(String key, String value, List<String> problems) {
    if (!OPTION_NAME.matcher(key).matches()) {
      problems.add(
          "spec.mysqld key '" + key + "' is not a mysqld option name (letters, digits, '_', '-'"
              + " and '.', starting with a letter)");
      return;
    }
    OwnedMysqldSettings.ownedSettingChangedBy(key)
        .ifPresent(
            owned ->
                problems.add(
                    "spec.mysqld." + key + " changes " + owned + ", which Tandem sets itself"
                        + " (replication, GTID, durability, read-only and network settings):"
                        + " remove it"));
    if (value == null || value.contains("\n") || value.contains("\r")) {
      problems.add("spec.mysqld." + key + " must be a single-line value");
    }
  }

  private static void checkReservedLabels(Map<String, String> labels, List<String> problems) {
    labels.keySet().stream()
        .filter(key -> RESERVED_LABEL_PREFIXES.stream().anyMatch(key::startsWith))
        .forEach(
            key ->
                problems.add(
                    "spec.pod.labels." + key + " uses a prefix Tandem reserves for its selectors"
                        + " (app.kubernetes.io/, mysql.tandem.dev/): choose another key"));
  }
}
