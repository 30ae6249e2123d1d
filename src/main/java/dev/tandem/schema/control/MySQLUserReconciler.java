package dev.tandem.schema.control;

import dev.tandem.api.CleanupPolicy;
import dev.tandem.api.MySQLUser;
import dev.tandem.api.MySQLUserSpec;
import dev.tandem.api.SchemaNames;
import dev.tandem.api.SchemaObjectStatus;
import dev.tandem.failover.InstanceSessions;
import dev.tandem.kubernetes.ClusterEvents;
import dev.tandem.kubernetes.CredentialsSecret;
import dev.tandem.schema.Limits;
import dev.tandem.schema.SchemaObjects;
import dev.tandem.schema.User;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A MySQLUser: the account created on the master with its Secret's password and its limits; another
 * password in the Secret than status records (by digest) is set in place.
 */
@ControllerConfiguration(name = MySQLUserReconciler.NAME)
public class MySQLUserReconciler extends SchemaResourceReconciler<MySQLUserSpec, MySQLUser> implements Reconciler<MySQLUser>, Cleaner<MySQLUser> {

  public static final String NAME = "mysqluser";

  public MySQLUserReconciler(KubernetesClient client, ClusterEvents events, InstanceSessions sessions,
      @ConfigProperty(name = MySQLDatabaseReconciler.CHECK_INTERVAL, defaultValue = "30s") Duration checkInterval) {
    super(client, events, sessions, checkInterval);
  }

  @Override
  Class<MySQLUser> kind() {
    return MySQLUser.class;
  }

  @Override
  Supplier<MySQLUser> empty() {
    return MySQLUser::new;
  }

  @Override
  String clusterName(MySQLUser user) {
    return user.getSpec().getClusterRef().getName();
  }

  @Override
  CleanupPolicy cleanupPolicy(MySQLUser user) {
    return user.getSpec().getCleanupPolicy();
  }

  @Override
  String identity(MySQLUser user) {
    return "user '" + user.userName() + "'@'" + user.getSpec().getHost() + "'";
  }

  @Override
  Optional<String> refusal(MySQLUser user) {
    return userRefusal(user.userName(), user.getSpec().getHost());
  }

  static Optional<String> userRefusal(String name, String host) {
    if (!name.matches(SchemaNames.USER_NAME_PATTERN) || name.length() > 32) {
      return Optional.of("'" + name + "' is not a user name Tandem creates: at most 32 letters, digits, '_', '.' or '-'");
    }
    if (SchemaNames.RESERVED_USERS.contains(name)) {
      return Optional.of("the account " + name + " belongs to Tandem or the server");
    }
    if (!host.matches(SchemaNames.HOST_PATTERN)) {
      return Optional.of("'" + host + "' is not a host pattern: a name, an address or a pattern with % and _");
    }
    return Optional.empty();
  }

  @Override
  Applied apply(Master master, MySQLUser user, SchemaObjectStatus status) throws SQLException, Wait {
    var spec = user.getSpec();
    var ref = spec.getPasswordSecretKeyRef();
    String namespace = user.getMetadata().getNamespace();
    var secret = client.secrets().inNamespace(namespace).withName(ref.getName()).get();
    if (secret == null) {
      throw new Wait("the password Secret " + ref.getName() + " does not exist in namespace " + namespace);
    }
    var password = CredentialsSecret.value(secret, ref.getKey())
        .orElseThrow(() -> new Wait("the password Secret " + ref.getName() + " has no key " + ref.getKey() + ", or it is empty"));
    String version = passwordDigest(master.digestKey(), password);
    boolean newPassword = !Objects.equals(version, status.getPasswordVersion());
    var limits = new Limits(orNone(spec.getMaxQueriesPerHour()), orNone(spec.getMaxUpdatesPerHour()),
        orNone(spec.getMaxConnectionsPerHour()), orNone(spec.getMaxUserConnections()));
    var outcome = SchemaObjects.user(master.connection(), new User(user.userName(), spec.getHost(), limits), password, newPassword);
    status.setPasswordVersion(version);
    boolean newSpec = !Objects.equals(status.getObservedGeneration(), user.getMetadata().getGeneration());
    return new Applied(outcome, newSpec || newPassword);
  }

  @Override
  boolean remove(Connection master, MySQLUser user) throws SQLException {
    return SchemaObjects.dropUser(master, user.userName(), user.getSpec().getHost());
  }

  /**
   * Which password the account was last given, as status can keep it: an HMAC keyed with the
   * administrator's password, so it tells one password from another without letting a reader of
   * the status test guesses against it. Anything else in the Secret may change without effect.
   */
  static String passwordDigest(String key, String password) {
    try {
      var hmac = Mac.getInstance("HmacSHA256");
      hmac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return "hmac-sha256:" + HexFormat.of().formatHex(hmac.doFinal(password.getBytes(StandardCharsets.UTF_8)), 0, 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
    }
  }

  private static long orNone(Long limit) {
    return limit == null ? 0 : limit;
  }
}
