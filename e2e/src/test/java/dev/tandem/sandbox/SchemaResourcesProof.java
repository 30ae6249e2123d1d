package dev.tandem.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.api.MySQLCluster;
import dev.tandem.api.MySQLDatabase;
import dev.tandem.api.MySQLGrant;
import dev.tandem.api.MySQLUser;
import dev.tandem.api.SchemaObjectStatus;
import dev.tandem.kubernetes.ClusterLabels;
import dev.tandem.kubernetes.ClusterNames;
import dev.tandem.kubernetes.CredentialsSecret;
import dev.tandem.replication.Endpoint;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * What an example with a MySQLUser, its MySQLGrant and MySQLDatabase promises, proven on its
 * running cluster with the operator: all three Ready; the account writes through the writer
 * Service into its database and its rows reach every replica; a privilege revoked by hand comes
 * back, with a DriftReverted Event; a changed password Secret changes the password in place;
 * deleting the grant revokes it and deleting the user drops the account on every instance,
 * while deleting the database (cleanupPolicy Retain) leaves it and its rows.
 */
final class SchemaResourcesProof {

  /** A few check intervals of the sandbox's operator (OperatorChart.SCHEMA_CHECK_INTERVAL). */
  static final Duration CHECKED = Duration.ofSeconds(30);

  private final Sandbox sandbox;
  private final KubernetesClient client;
  private final String namespace;

  SchemaResourcesProof(Sandbox sandbox, String namespace) {
    this.sandbox = sandbox;
    this.client = sandbox.api().client();
    this.namespace = namespace;
  }

  static boolean applies(List<? extends JsonNode> objects) {
    return objects.stream().anyMatch(object -> object.path("kind").asText().equals("MySQLUser"));
  }

  String prove() throws Exception {
    var notes = new ArrayList<String>();
    var user = client.resources(MySQLUser.class).inNamespace(namespace).list().getItems().get(0);
    var grant = client.resources(MySQLGrant.class).inNamespace(namespace).list().getItems().stream()
        .filter(g -> g.getSpec().getUser().equals(user.userName())).findFirst().orElseThrow();
    var database = client.resources(MySQLDatabase.class).inNamespace(namespace).list().getItems().stream()
        .filter(d -> d.databaseName().equals(grant.getSpec().getDatabase())).findFirst().orElseThrow();
    for (var resource : List.<CustomResource<?, SchemaObjectStatus>>of(database, user, grant)) {
      awaitReady(resource);
    }
    var cluster = client.resources(MySQLCluster.class).inNamespace(namespace).withName(user.getSpec().getClusterRef().getName()).get();
    String db = database.databaseName();
    String account = user.userName();
    String password = password(user);

    var writer = new ServiceProxy(client).connectTo(namespace, ClusterNames.writerService(cluster))
        .orElseThrow(() -> new AssertionError("the writer Service selects no Pod"));
    try (var app = connect(writer, account, password); var statement = app.createStatement()) {
      statement.execute("CREATE TABLE `" + db + "`.example_check (id INT PRIMARY KEY)");
      statement.execute("INSERT INTO `" + db + "`.example_check VALUES (1), (2), (3)");
    }
    for (var pod : instances(cluster)) {
      await(Duration.ofSeconds(20), () -> count(pod, "SELECT COUNT(*) FROM `" + db + "`.example_check").equals("3"),
          "the account's 3 rows on " + pod);
    }
    notes.add(account + " wrote 3 rows through the writer Service, on every instance");

    String master = cluster(cluster).getStatus().getMaster();
    sql(master, cluster, "REVOKE INSERT ON `" + db.replace("_", "\\_") + "`.* FROM '" + account + "'@'" + user.getSpec().getHost() + "'");
    await(CHECKED, () -> held(master, cluster, account, db).contains("INSERT") && driftEvents(grant) > 0,
        "INSERT, revoked by hand, granted again with a DriftReverted Event");
    sql(master, cluster, "ALTER USER '" + account + "'@'" + user.getSpec().getHost() + "' WITH MAX_USER_CONNECTIONS 1");
    String limit = String.valueOf(user.getSpec().getMaxUserConnections());
    await(CHECKED, () -> count(master, "SELECT max_user_connections FROM mysql.user WHERE User = '" + account + "'").equals(limit)
        && driftEvents(user) > 0, "the account's connection limit, changed by hand, back at " + limit + " with a DriftReverted Event");
    notes.add("a revoked INSERT and a connection limit changed by hand came back, each with a DriftReverted Event");

    var secret = client.secrets().inNamespace(namespace).withName(user.getSpec().getPasswordSecretKeyRef().getName()).get();
    String rotated = "rotated-" + password;
    secret.setStringData(Map.of(user.getSpec().getPasswordSecretKeyRef().getKey(), rotated));
    secret.setData(null);
    client.resource(secret).update();
    await(CHECKED, () -> logsIn(writer, account, rotated), "the rotated password to log in");
    if (logsIn(writer, account, password)) {
      throw new AssertionError("the old password still logs in after the rotation");
    }
    notes.add("a rotated Secret's password logs in, the old one no longer");

    client.resource(grant).delete();
    await(CHECKED, () -> held(master, cluster, account, db).isEmpty() && gone(MySQLGrant.class, grant), "the grant revoked and gone");
    client.resource(user).delete();
    for (var pod : instances(cluster)) {
      await(CHECKED, () -> count(pod, "SELECT COUNT(*) FROM mysql.user WHERE User = '" + account + "'").equals("0"),
          "the account dropped on " + pod);
    }
    client.resource(database).delete();
    await(CHECKED, () -> gone(MySQLDatabase.class, database), "the MySQLDatabase gone");
    for (var pod : instances(cluster)) {
      String rows = count(pod, "SELECT COUNT(*) FROM `" + db + "`.example_check");
      if (!rows.equals("3")) {
        throw new AssertionError("database " + db + " on " + pod + " holds " + rows + " rows after its MySQLDatabase (Retain) was deleted");
      }
    }
    notes.add("deleting the grant revoked it, deleting the user dropped it on every instance, deleting the database"
        + " (Retain) kept it and its rows");
    return String.join("; ", notes);
  }

  private void awaitReady(CustomResource<?, SchemaObjectStatus> resource) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      var status = status(resource);
      if (status.flatMap(SchemaObjectStatus::ready).filter(c -> c.getStatus().equals("True")).isPresent()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(resource.getKind() + " " + resource.getMetadata().getName() + " not Ready in 60 s: "
            + status.map(SchemaObjectStatus::getMessage).orElse("no status"));
      }
      Thread.sleep(250);
    }
  }

  @SuppressWarnings("unchecked")
  private Optional<SchemaObjectStatus> status(CustomResource<?, SchemaObjectStatus> resource) {
    var current = (CustomResource<?, SchemaObjectStatus>) client.resources(resource.getClass()).inNamespace(namespace)
        .withName(resource.getMetadata().getName()).get();
    return Optional.ofNullable(current).map(CustomResource::getStatus);
  }

  private String password(MySQLUser user) {
    var ref = user.getSpec().getPasswordSecretKeyRef();
    return CredentialsSecret.value(client.secrets().inNamespace(namespace).withName(ref.getName()).get(), ref.getKey()).orElseThrow();
  }

  private MySQLCluster cluster(MySQLCluster cluster) {
    return client.resource(cluster).get();
  }

  private List<String> instances(MySQLCluster cluster) {
    return client.pods().inNamespace(namespace).withLabel(ClusterLabels.INSTANCE, cluster.getMetadata().getName())
        .list().getItems().stream().map(pod -> pod.getMetadata().getName()).sorted().toList();
  }

  private String sql(String pod, MySQLCluster cluster, String statement) {
    try {
      String root = CredentialsSecret.value(client.secrets().inNamespace(namespace).withName(ClusterNames.credentialsSecret(cluster)).get(),
          CredentialsSecret.ROOT_PASSWORD).orElseThrow();
      return sandbox.kubelet().runtime(namespace, pod).sqlAsRoot(root, statement).strip();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private String count(String pod, String query) {
    var cluster = client.resources(MySQLCluster.class).inNamespace(namespace).list().getItems().stream()
        .filter(c -> pod.startsWith(c.getMetadata().getName() + "-")).findFirst().orElseThrow();
    try {
      return sql(pod, cluster, query);
    } catch (IllegalStateException e) {
      return "error: " + e.getMessage();
    }
  }

  private String held(String master, MySQLCluster cluster, String account, String db) {
    return sql(master, cluster, "SELECT GROUP_CONCAT(PRIVILEGE_TYPE ORDER BY PRIVILEGE_TYPE) FROM information_schema.SCHEMA_PRIVILEGES"
        + " WHERE GRANTEE = \"'" + account + "'@'%'\" AND TABLE_SCHEMA = '" + db.replace("_", "\\\\_") + "'").replace("NULL", "");
  }

  private long driftEvents(HasMetadata object) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(event -> event.getInvolvedObject() != null && object.getKind().equals(event.getInvolvedObject().getKind())
            && object.getMetadata().getName().equals(event.getInvolvedObject().getName()))
        .filter(event -> "DriftReverted".equals(event.getReason())).count();
  }

  private <T extends HasMetadata> boolean gone(Class<T> kind, T object) {
    return client.resources(kind).inNamespace(namespace).withName(object.getMetadata().getName()).get() == null;
  }

  private static boolean logsIn(Endpoint endpoint, String user, String password) {
    try (var connection = connect(endpoint, user, password)) {
      return connection.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  private static Connection connect(Endpoint endpoint, String user, String password) throws SQLException {
    return DriverManager.getConnection("jdbc:mysql://" + endpoint.host() + ":" + endpoint.port() + "/?connectTimeout=2000",
        user, password);
  }

  private static void await(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("waited " + timeout.toSeconds() + " s for " + what);
      }
      Thread.sleep(250);
    }
  }
}
