package dev.tandem.schema.control;

import dev.tandem.api.CleanupPolicy;
import dev.tandem.api.MySQLGrant;
import dev.tandem.api.MySQLGrantSpec;
import dev.tandem.api.SchemaNames;
import dev.tandem.api.SchemaObjectStatus;
import dev.tandem.failover.InstanceSessions;
import dev.tandem.kubernetes.ClusterEvents;
import dev.tandem.schema.Grant;
import dev.tandem.schema.SchemaObjects;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A MySQLGrant: the account holds exactly the listed privileges on the database or table, no
 * more. It waits for its account (a MySQLUser, usually applied alongside) and, on a table, for
 * the table.
 */
@ControllerConfiguration(name = MySQLGrantReconciler.NAME)
public class MySQLGrantReconciler extends SchemaResourceReconciler<MySQLGrantSpec, MySQLGrant> implements Reconciler<MySQLGrant>, Cleaner<MySQLGrant> {

  public static final String NAME = "mysqlgrant";
  private static final int NO_SUCH_TABLE = 1146;

  public MySQLGrantReconciler(KubernetesClient client, ClusterEvents events, InstanceSessions sessions,
      @ConfigProperty(name = MySQLDatabaseReconciler.CHECK_INTERVAL, defaultValue = "30s") Duration checkInterval) {
    super(client, events, sessions, checkInterval);
  }

  @Override
  Class<MySQLGrant> kind() {
    return MySQLGrant.class;
  }

  @Override
  Supplier<MySQLGrant> empty() {
    return MySQLGrant::new;
  }

  @Override
  String clusterName(MySQLGrant grant) {
    return grant.getSpec().getClusterRef().getName();
  }

  @Override
  CleanupPolicy cleanupPolicy(MySQLGrant grant) {
    return grant.getSpec().getCleanupPolicy();
  }

  @Override
  String identity(MySQLGrant grant) {
    var spec = grant.getSpec();
    return "privileges of '" + spec.getUser() + "'@'" + spec.getHost() + "' on `" + spec.getDatabase() + "`."
        + (spec.getTable().equals("*") ? "*" : "`" + spec.getTable() + "`");
  }

  @Override
  Optional<String> refusal(MySQLGrant grant) {
    var spec = grant.getSpec();
    if (SchemaNames.isSystemSchema(spec.getDatabase())) {
      return Optional.of("privileges on " + spec.getDatabase() + " would let the account change the server's own accounts and state");
    }
    if (!spec.getDatabase().matches(SchemaNames.OBJECT_NAME_PATTERN)) {
      return Optional.of("'" + spec.getDatabase() + "' is not a database name: letters, digits, '_', '$' or '-'");
    }
    var allowed = spec.getTable().equals("*") ? SchemaNames.DATABASE_PRIVILEGES : SchemaNames.TABLE_PRIVILEGES;
    var unknown = new TreeSet<>(spec.getPrivileges());
    allowed.forEach(unknown::remove);
    if (spec.getPrivileges().isEmpty() || !unknown.isEmpty()) {
      return Optional.of("privileges " + unknown + " are not among those granted " + (spec.getTable().equals("*")
          ? "on a database" : "on a table") + ": " + allowed);
    }
    return MySQLUserReconciler.userRefusal(spec.getUser(), spec.getHost());
  }

  @Override
  Applied apply(Master master, MySQLGrant resource, SchemaObjectStatus status) throws SQLException, Wait {
    var spec = resource.getSpec();
    if (!SchemaObjects.userExists(master.connection(), spec.getUser(), spec.getHost())) {
      throw new Wait("user '" + spec.getUser() + "'@'" + spec.getHost() + "' does not exist yet (a MySQLUser creates it)");
    }
    boolean newSpec = !Objects.equals(status.getObservedGeneration(), resource.getMetadata().getGeneration());
    // What the server listed for ALL PRIVILEGES is known only for the spec it was granted for.
    Optional<Set<String>> allAsListed = newSpec || status.getPrivileges() == null
        ? Optional.empty() : Optional.of(Set.copyOf(status.getPrivileges()));
    try {
      var result = SchemaObjects.grant(master.connection(), grant(resource), allAsListed);
      status.setPrivileges(List.copyOf(result.held()));
      return new Applied(result.outcome(), newSpec);
    } catch (SQLException e) {
      if (e.getErrorCode() == NO_SUCH_TABLE) {
        throw new Wait("table `" + spec.getDatabase() + "`.`" + spec.getTable() + "` does not exist yet");
      }
      throw e;
    }
  }

  @Override
  boolean remove(Connection master, MySQLGrant resource) throws SQLException {
    return SchemaObjects.revoke(master, grant(resource));
  }

  private static Grant grant(MySQLGrant resource) {
    var spec = resource.getSpec();
    return new Grant(spec.getUser(), spec.getHost(), spec.getDatabase(), spec.getTable(), Set.copyOf(spec.getPrivileges()),
        spec.isGrantOption());
  }
}
