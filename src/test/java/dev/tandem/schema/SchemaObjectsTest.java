package dev.tandem.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.kubernetes.ClusterFixture;
import dev.tandem.replication.Endpoint;
import dev.tandem.replication.Engine;
import dev.tandem.replication.Sessions;
import dev.tandem.schema.SchemaObjects.Change;
import dev.tandem.testing.LocalMariaDb;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Databases, accounts and grants applied as the administrator on a real master with a replica. */
class SchemaObjectsTest {

  static final String PASSWORD = "app'pw\\1";
  static final User APP = new User("app", "%", new Limits(0, 0, 0, 5));

  @TempDir static Path dir;
  static LocalMariaDb servers;
  static Engine engine;
  static Sessions admin;
  Connection master;

  /** One master and replica for every test, each test leaving them as it found them (below). */
  @BeforeAll
  static void startMasterAndReplica() throws Exception {
    servers = LocalMariaDb.start(ClusterFixture.named("shop").mariaDb().instances(2).build(), dir);
    engine = new Engine(Engine.masterReplica(servers));
    engine.converge(Duration.ofSeconds(30));
    admin = new Sessions(LocalMariaDb.ADMIN, Duration.ofSeconds(1), Duration.ofSeconds(5), Sessions.Route.DIRECT);
  }

  @BeforeEach
  void connect() throws SQLException {
    master = admin.open(endpoint("shop-0"));
  }

  /** What a test made is dropped on the master, and the replica has applied that before the next test. */
  @AfterEach
  void dropWhatTheTestMade() throws Exception {
    asRoot("DROP USER IF EXISTS 'app'@'%'; DROP DATABASE IF EXISTS shop_app; DROP DATABASE IF EXISTS shopXapp");
    String position = gtidPosition();
    master.close();
    try (var replica = admin.open(endpoint("shop-1"))) {
      assertThat(query(replica, "SELECT MASTER_GTID_WAIT('" + position + "', 10)")).as("the replica caught up").isEqualTo("0");
    }
  }

  @AfterAll
  static void stopServers() {
    engine.close();
    servers.close();
  }

  @Test
  void anAccountGivenADatabaseAndPrivilegesWritesOnTheMasterAndItsRowsReachTheReplica() throws Exception {
    var database = SchemaObjects.database(master, new Database("shop_app", Optional.of("utf8mb4"), Optional.empty()));
    var user = SchemaObjects.user(master, APP, PASSWORD, true);
    var grant = SchemaObjects.grant(master, grant("shop_app", "*", "SELECT", "INSERT", "CREATE"), Optional.empty());

    assertThat(List.of(database.change(), user.change(), grant.outcome().change())).containsOnly(Change.CREATED);
    assertThat(grant.held()).containsExactly("CREATE", "INSERT", "SELECT");
    try (var app = connectAs("app", PASSWORD, "shop-0"); var statement = app.createStatement()) {
      statement.execute("CREATE TABLE shop_app.orders (id INT PRIMARY KEY)");
      statement.execute("INSERT INTO shop_app.orders VALUES (7)");
      assertThatThrownBy(() -> statement.execute("DELETE FROM shop_app.orders"))
          .hasMessageContaining("DELETE command denied");
    }
    awaitOnReplica("SELECT COUNT(*) FROM shop_app.orders WHERE id = 7", "1");
    awaitOnReplica("SELECT max_user_connections FROM mysql.user WHERE User = 'app' AND Host = '%'", "5");
    awaitOnReplica("SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'shop_app'", "utf8mb4");
  }

  @Test
  void applyingWhatTheServerAlreadyHoldsRunsNoStatementAndWritesNothingToTheBinaryLog() throws Exception {
    var asked = grant("shop_app", "*", "SELECT", "UPDATE");
    SchemaObjects.database(master, new Database("shop_app", Optional.of("utf8mb4"), Optional.of("utf8mb4_bin")));
    SchemaObjects.user(master, APP, PASSWORD, true);
    SchemaObjects.grant(master, asked, Optional.empty());
    String before = gtidPosition();

    var database = SchemaObjects.database(master, new Database("shop_app", Optional.of("utf8mb4"), Optional.of("utf8mb4_bin")));
    var user = SchemaObjects.user(master, APP, PASSWORD, false);
    var grant = SchemaObjects.grant(master, asked, Optional.empty());

    assertThat(List.of(database, user, grant.outcome())).containsOnly(SchemaObjects.Outcome.unchanged());
    assertThat(gtidPosition()).isEqualTo(before);
  }

  @Test
  void changesMadeByHandAreRevertedAndEachIsNamed() throws Exception {
    var asked = grant("shop_app", "*", "SELECT", "INSERT");
    var database = new Database("shop_app", Optional.of("utf8mb4"), Optional.empty());
    SchemaObjects.database(master, database);
    SchemaObjects.user(master, APP, PASSWORD, true);
    SchemaObjects.grant(master, asked, Optional.empty());
    asRoot("REVOKE INSERT ON `shop\\_app`.* FROM 'app'@'%'; GRANT DELETE ON `shop\\_app`.* TO 'app'@'%' WITH GRANT OPTION;"
        + " ALTER USER 'app'@'%' WITH MAX_USER_CONNECTIONS 50; ALTER DATABASE shop_app CHARACTER SET latin1");

    var databaseOutcome = SchemaObjects.database(master, database);
    var userOutcome = SchemaObjects.user(master, APP, PASSWORD, false);
    var grantOutcome = SchemaObjects.grant(master, asked, Optional.empty());

    assertThat(databaseOutcome.change()).isEqualTo(Change.CHANGED);
    assertThat(databaseOutcome.differences()).containsExactly("character set latin1, not utf8mb4");
    assertThat(userOutcome.differences()).containsExactly("max user connections 50, not 5");
    assertThat(grantOutcome.outcome().change()).isEqualTo(Change.CHANGED);
    assertThat(grantOutcome.outcome().differences()).containsExactly("missing INSERT", "also held DELETE", "a grant option");
    assertThat(grantOutcome.held()).containsExactly("INSERT", "SELECT");
    assertThat(SchemaObjects.grant(master, asked, Optional.empty()).outcome()).isEqualTo(SchemaObjects.Outcome.unchanged());
    assertThat(query(master, "SELECT max_user_connections FROM mysql.user WHERE User = 'app'")).isEqualTo("5");
  }

  @Test
  void allPrivilegesIsWhatTheServerListsForItAndAPrivilegeRevokedFromItIsGrantedAgain() throws Exception {
    SchemaObjects.user(master, APP, PASSWORD, true);
    var all = grant("shop_app", "*", "ALL PRIVILEGES");
    var first = SchemaObjects.grant(master, all, Optional.empty());
    assertThat(first.held()).contains("SELECT", "INSERT", "DROP", "CREATE VIEW", "TRIGGER").doesNotContain("ALL PRIVILEGES");

    asRoot("REVOKE DROP ON `shop\\_app`.* FROM 'app'@'%'");
    var again = SchemaObjects.grant(master, all, Optional.of(first.held()));

    assertThat(again.outcome().differences()).containsExactly("missing DROP");
    assertThat(again.held()).isEqualTo(first.held());
  }

  @Test
  void aNewPasswordIsSetInPlaceAndTheOldOneNoLongerLogsIn() throws Exception {
    SchemaObjects.user(master, APP, PASSWORD, true);
    connectAs("app", PASSWORD, "shop-0").close();

    var outcome = SchemaObjects.user(master, APP, "rotated-pw", true);

    assertThat(outcome.differences()).containsExactly("another password than the Secret's");
    connectAs("app", "rotated-pw", "shop-0").close();
    connectAs("app", "rotated-pw", "shop-1").close();
    assertThatThrownBy(() -> connectAs("app", PASSWORD, "shop-0")).hasMessageContaining("Access denied");
  }

  @Test
  void noPasswordReachesTheBinaryLogInClearOnlyItsHash() throws Exception {
    SchemaObjects.user(master, APP, PASSWORD, true);
    SchemaObjects.user(master, APP, "rotated-pw", true);

    var events = new ArrayList<String>();
    try (var operator = new Sessions(LocalMariaDb.OPERATOR, Duration.ofSeconds(1), Duration.ofSeconds(5), Sessions.Route.DIRECT)
        .open(endpoint("shop-0"))) {
      for (var log : Sql.rows(operator, "SHOW BINARY LOGS")) {
        Sql.rows(operator, "SHOW BINLOG EVENTS IN '" + log.get(0) + "'").forEach(row -> events.add(row.get(5)));
      }
    }

    assertThat(events).anySatisfy(event -> assertThat(event).contains("CREATE USER 'app'@'%' IDENTIFIED BY PASSWORD '*"));
    assertThat(events).anySatisfy(event -> assertThat(event).contains("ALTER USER 'app'@'%' IDENTIFIED BY PASSWORD '*"));
    assertThat(events).noneSatisfy(event -> assertThat(event).containsAnyOf("app'pw", "app\\'pw", "rotated-pw"));
  }

  @Test
  void privilegesGrantedByHandOnTheNameAsAPatternAreRevokedSinceTheyReachOtherDatabases() throws Exception {
    SchemaObjects.user(master, APP, PASSWORD, true);
    var asked = grant("shop_app", "*", "SELECT");
    SchemaObjects.grant(master, asked, Optional.empty());
    asRoot("GRANT DELETE ON shop_app.* TO 'app'@'%'");

    var outcome = SchemaObjects.grant(master, asked, Optional.empty());

    assertThat(outcome.outcome().differences()).containsExactly(
        "privileges on the pattern `shop_app`, which matches other databases too: DELETE");
    assertThat(query(master, "SELECT COUNT(*) FROM information_schema.SCHEMA_PRIVILEGES WHERE TABLE_SCHEMA = 'shop_app'")).isEqualTo("0");
    assertThat(SchemaObjects.grant(master, asked, Optional.empty()).outcome()).isEqualTo(SchemaObjects.Outcome.unchanged());
  }

  @Test
  void theAdministratorCannotChangeAReadOnlyServerEvenPastTheWritableCheck() throws Exception {
    try (var replica = admin.open(endpoint("shop-1"))) {
      assertThatThrownBy(() -> SchemaObjects.database(replica, new Database("shop_app", Optional.empty(), Optional.empty())))
          .isInstanceOf(SchemaObjects.NotWritable.class);
      assertThatThrownBy(() -> Sql.execute(replica, "CREATE DATABASE shop_app")).hasMessageContaining("read-only");
      assertThatThrownBy(() -> Sql.execute(replica, "CREATE USER 'sneaky'@'%'")).hasMessageContaining("read-only");
      assertThat(query(replica, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'shop_app'")).isEqualTo("0");
    }
  }

  @Test
  void anUnderscoreInADatabaseNameGrantsOnThatDatabaseAloneNotOnEveryNameItWouldMatch() throws Exception {
    SchemaObjects.user(master, APP, PASSWORD, true);
    SchemaObjects.grant(master, grant("shop_app", "*", "SELECT", "CREATE"), Optional.empty());
    asRoot("CREATE DATABASE shopXapp; CREATE TABLE shopXapp.secrets (id INT); CREATE DATABASE shop_app;"
        + " CREATE TABLE shop_app.t (id INT)");

    try (var app = connectAs("app", PASSWORD, "shop-0"); var statement = app.createStatement()) {
      statement.executeQuery("SELECT * FROM shop_app.t").close();
      assertThatThrownBy(() -> statement.executeQuery("SELECT * FROM shopXapp.secrets")).hasMessageContaining("denied");
    }
  }

  @Test
  void aTableGrantHoldsOnThatTableOnlyAndRevokingTakesEverythingItGave() throws Exception {
    asRoot("CREATE DATABASE shop_app; CREATE TABLE shop_app.orders (id INT); CREATE TABLE shop_app.payments (id INT)");
    SchemaObjects.user(master, APP, PASSWORD, true);
    var orders = new Grant("app", "%", "shop_app", "orders", Set.of("SELECT"), true);
    SchemaObjects.grant(master, orders, Optional.empty());
    try (var app = connectAs("app", PASSWORD, "shop-0"); var statement = app.createStatement()) {
      statement.executeQuery("SELECT * FROM shop_app.orders").close();
      assertThatThrownBy(() -> statement.executeQuery("SELECT * FROM shop_app.payments")).hasMessageContaining("denied");
    }

    assertThat(SchemaObjects.revoke(master, orders)).isTrue();
    assertThat(SchemaObjects.revoke(master, orders)).isFalse();
    assertThat(query(master, "SELECT COUNT(*) FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE = \"'app'@'%'\""))
        .isEqualTo("0");
    assertThat(SchemaObjects.dropUser(master, "app", "%")).isTrue();
    assertThat(SchemaObjects.dropUser(master, "app", "%")).isFalse();
    assertThat(SchemaObjects.dropDatabase(master, "shop_app")).isTrue();
    assertThat(SchemaObjects.dropDatabase(master, "shop_app")).isFalse();
  }

  private static Grant grant(String database, String table, String... privileges) {
    return new Grant("app", "%", database, table, Set.of(privileges), false);
  }

  private static Endpoint endpoint(String instance) {
    return servers.server(instance).endpoint();
  }

  private Connection connectAs(String user, String password, String instance) throws SQLException {
    var properties = new Properties();
    properties.setProperty("user", user);
    properties.setProperty("password", password);
    properties.setProperty("connectTimeout", "2000");
    var endpoint = endpoint(instance);
    return DriverManager.getConnection("jdbc:mysql://" + endpoint.host() + ":" + endpoint.port() + "/", properties);
  }

  private static void asRoot(String statements) throws Exception {
    servers.server("shop-0").asRoot(statements);
  }

  private String gtidPosition() throws SQLException {
    return query(master, "SELECT @@gtid_binlog_pos");
  }

  private static String query(Connection connection, String sql) throws SQLException {
    return Sql.single(connection, sql).orElse(null);
  }

  private void awaitOnReplica(String sql, String expected) throws Exception {
    var seen = new ArrayList<String>();
    try (var replica = admin.open(endpoint("shop-1"))) {
      for (int i = 0; i < 100; i++) {
        String value = query(replica, sql);
        if (expected.equals(value)) {
          return;
        }
        seen.add(value);
        Thread.sleep(100);
      }
    }
    throw new AssertionError(sql + " on the replica never gave " + expected + "; last " + seen.get(seen.size() - 1));
  }
}
