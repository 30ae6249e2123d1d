package dev.tandem.schema.control;

import dev.tandem.api.CleanupPolicy;
import dev.tandem.api.MySQLDatabase;
import dev.tandem.api.MySQLDatabaseSpec;
import dev.tandem.api.SchemaNames;
import dev.tandem.api.SchemaObjectStatus;
import dev.tandem.failover.InstanceSessions;
import dev.tandem.kubernetes.ClusterEvents;
import dev.tandem.schema.Database;
import dev.tandem.schema.SchemaObjects;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** A MySQLDatabase: the database created on the master, its character set and collation kept as asked. */
@ControllerConfiguration(name = MySQLDatabaseReconciler.NAME)
public class MySQLDatabaseReconciler extends SchemaResourceReconciler<MySQLDatabaseSpec, MySQLDatabase>
    implements Reconciler<MySQLDatabase>, Cleaner<MySQLDatabase> {

  public static final String NAME = "mysqldatabase";
  /** How often every MySQLDatabase, MySQLUser and MySQLGrant is checked against its server. */
  public static final String CHECK_INTERVAL = "tandem.schema.check-interval";

  public MySQLDatabaseReconciler(KubernetesClient client, ClusterEvents events, InstanceSessions sessions,
      @ConfigProperty(name = CHECK_INTERVAL, defaultValue = "30s") Duration checkInterval) {
    super(client, events, sessions, checkInterval);
  }

  @Override
  Class<MySQLDatabase> kind() {
    return MySQLDatabase.class;
  }

  @Override
  Supplier<MySQLDatabase> empty() {
    return MySQLDatabase::new;
  }

  @Override
  String clusterName(MySQLDatabase database) {
    return database.getSpec().getClusterRef().getName();
  }

  @Override
  CleanupPolicy cleanupPolicy(MySQLDatabase database) {
    return database.getSpec().getCleanupPolicy();
  }

  @Override
  String identity(MySQLDatabase database) {
    return "database `" + database.databaseName() + "`";
  }

  @Override
  Optional<String> refusal(MySQLDatabase database) {
    String name = database.databaseName();
    if (!name.matches(SchemaNames.OBJECT_NAME_PATTERN) || name.length() > 64) {
      return Optional.of("'" + name + "' is not a database name Tandem creates: at most 64 letters, digits, '_', '$' or '-'");
    }
    if (SchemaNames.isSystemSchema(name)) {
      return Optional.of(name + " is one of the server's own schemas");
    }
    return Stream.of(database.getSpec().getCharacterSet(), database.getSpec().getCollation()).filter(Objects::nonNull)
        .filter(setting -> setting.equalsIgnoreCase("utf8") || setting.toLowerCase(Locale.ROOT).startsWith("utf8_")).findFirst()
        .map(alias -> alias + " is an alias the server stores as utf8mb3: name utf8mb4 or utf8mb3 and their collations");
  }

  @Override
  Applied apply(Master master, MySQLDatabase database, SchemaObjectStatus status) throws SQLException {
    var spec = database.getSpec();
    var outcome = SchemaObjects.database(master.connection(),
        new Database(database.databaseName(), Optional.ofNullable(spec.getCharacterSet()), Optional.ofNullable(spec.getCollation())));
    return new Applied(outcome, !Objects.equals(status.getObservedGeneration(), database.getMetadata().getGeneration()));
  }

  @Override
  boolean remove(Connection master, MySQLDatabase database) throws SQLException {
    return SchemaObjects.dropDatabase(master, database.databaseName());
  }
}
