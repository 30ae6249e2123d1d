package dev.tandem.admission;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.api.SchemaNames;
import dev.tandem.kubernetes.StatefulSetDependent;
import dev.tandem.testing.Example;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The MySQLDatabase, MySQLUser and MySQLGrant CRDs refuse what would break a cluster, saying why. */
class SchemaCrdAdmissionTest {

  static final ApiServerAdmission DATABASES = ApiServerAdmission.forCrd(Path.of("crds/mysqldatabases.mysql.tandem.dev-v1.yml"));
  static final ApiServerAdmission USERS = ApiServerAdmission.forCrd(Path.of("crds/mysqlusers.mysql.tandem.dev-v1.yml"));
  static final ApiServerAdmission GRANTS = ApiServerAdmission.forCrd(Path.of("crds/mysqlgrants.mysql.tandem.dev-v1.yml"));

  static ObjectNode database() {
    return (ObjectNode) ApiServerAdmission.parse("""
        apiVersion: mysql.tandem.dev/v1alpha1
        kind: MySQLDatabase
        metadata: {name: orders, namespace: default}
        spec: {clusterRef: {name: shop}}
        """);
  }

  static ObjectNode user() {
    return (ObjectNode) ApiServerAdmission.parse("""
        apiVersion: mysql.tandem.dev/v1alpha1
        kind: MySQLUser
        metadata: {name: orders-app, namespace: default}
        spec:
          clusterRef: {name: shop}
          name: orders_app
          passwordSecretKeyRef: {name: orders-app, key: password}
        """);
  }

  static ObjectNode grant() {
    return (ObjectNode) ApiServerAdmission.parse("""
        apiVersion: mysql.tandem.dev/v1alpha1
        kind: MySQLGrant
        metadata: {name: orders-app, namespace: default}
        spec:
          clusterRef: {name: shop}
          user: orders_app
          database: orders
          privileges: [SELECT, INSERT]
        """);
  }

  static ObjectNode spec(JsonNode object) {
    return (ObjectNode) object.get("spec");
  }

  static Arguments bad(String what, ApiServerAdmission admission, ObjectNode object, Consumer<ObjectNode> change, String message) {
    change.accept(object);
    return Arguments.of(what, admission, object, message);
  }

  static Stream<Arguments> badObjects() {
    return Stream.of(
        bad("a database named after a system schema", DATABASES, database(), d -> spec(d).put("name", "MySQL"),
            "mysql, sys, performance_schema and information_schema are the server's own schemas"),
        bad("a database whose metadata.name is no database name", DATABASES, database(),
            d -> ((ObjectNode) d.get("metadata")).put("name", "orders.v2"), "set spec.name"),
        bad("a database named with a quote", DATABASES, database(), d -> spec(d).put("name", "a`b"), "spec.name: Invalid value"),
        bad("the utf8 alias", DATABASES, database(), d -> spec(d).put("characterSet", "utf8"),
            "utf8 is an alias the server stores as utf8mb3"),
        bad("a utf8_ collation", DATABASES, database(), d -> spec(d).put("collation", "utf8_general_ci"),
            "utf8_ collations are aliases the server stores as utf8mb3_"),
        bad("a host in capitals", USERS, user(), u -> spec(u).put("host", "App.Example.com"), "spec.host: Invalid value"),
        bad("an unknown cleanup policy", DATABASES, database(), d -> spec(d).put("cleanupPolicy", "Drop"),
            "spec.cleanupPolicy: Invalid value: does not have a value in the enumeration"),
        bad("the operator's own account", USERS, user(), u -> spec(u).put("name", StatefulSetDependent.OPERATOR_USER),
            "belong to Tandem or the server"),
        bad("the administrator account", USERS, user(), u -> spec(u).put("name", StatefulSetDependent.ADMIN_USER),
            "belong to Tandem or the server"),
        bad("root by metadata.name", USERS, user(), u -> {
          spec(u).remove("name");
          ((ObjectNode) u.get("metadata")).put("name", "root");
        }, "not one Tandem or the server owns: set spec.name"),
        bad("a user without a password Secret", USERS, user(), u -> spec(u).remove("passwordSecretKeyRef"),
            "required property 'passwordSecretKeyRef' not found"),
        bad("a host with a quote", USERS, user(), u -> spec(u).put("host", "a'b"), "spec.host: Invalid value"),
        bad("a negative connection limit", USERS, user(), u -> spec(u).put("maxUserConnections", -1),
            "spec.maxUserConnections: Invalid value"),
        bad("privileges on the mysql schema", GRANTS, grant(), g -> spec(g).put("database", "mysql"),
            "would let the account change the server's own accounts and state"),
        bad("a server-wide privilege", GRANTS, grant(), g -> spec(g).putArray("privileges").add("SUPER"),
            "server-wide privileges (SUPER, PROCESS, ...) are not granted through a MySQLGrant"),
        bad("a privilege a table cannot hold", GRANTS, grant(), g -> {
          spec(g).put("table", "orders");
          spec(g).putArray("privileges").add("EXECUTE");
        }, "on a table, privileges are among"),
        bad("no privileges", GRANTS, grant(), g -> spec(g).putArray("privileges"), "spec.privileges: Invalid value"),
        bad("a grant to root", GRANTS, grant(), g -> spec(g).put("user", "root"), "belong to Tandem or the server"));
  }

  @ParameterizedTest(name = "{0} is refused")
  @MethodSource("badObjects")
  void refusesWhatWouldBreakTheClusterWithAMessageThatSaysWhy(String what, ApiServerAdmission admission, ObjectNode object,
      String message) {
    var verdict = admission.create(object);

    assertThat(verdict.accepted()).as(what).isFalse();
    assertThat(verdict.errors()).as(what).anySatisfy(error -> assertThat(error).contains(message));
  }

  @Test
  void theIdentityOfWhatAResourceManagesCannotChange() {
    var renamed = database();
    spec(renamed).put("name", "orders2");
    assertThat(DATABASES.update(database(), renamed).errors())
        .anySatisfy(error -> assertThat(error).contains("spec.name cannot change"));
    var moved = user();
    spec(moved).put("host", "10.0.%");
    assertThat(USERS.update(user(), moved).errors())
        .anySatisfy(error -> assertThat(error).contains("spec.host cannot change"));
    var otherTable = grant();
    spec(otherTable).put("table", "payments");
    assertThat(GRANTS.update(grant(), otherTable).errors())
        .anySatisfy(error -> assertThat(error).contains("spec.user, spec.host, spec.database and spec.table cannot change"));
    var morePrivileges = grant();
    spec(morePrivileges).putArray("privileges").add("SELECT").add("DELETE");
    assertThat(GRANTS.update(grant(), morePrivileges).errors()).isEmpty();
  }

  @Test
  void fillsInHostTableAndCleanupPolicies() {
    var database = DATABASES.create(database());
    var user = USERS.create(user());
    var grant = GRANTS.create(grant());

    assertThat(database.errors()).isEmpty();
    assertThat(database.admitted().at("/spec/cleanupPolicy").asText()).isEqualTo("Retain");
    assertThat(user.admitted().at("/spec/host").asText()).isEqualTo("%");
    assertThat(user.admitted().at("/spec/cleanupPolicy").asText()).isEqualTo("Delete");
    assertThat(grant.admitted().at("/spec/table").asText()).isEqualTo("*");
    assertThat(grant.admitted().at("/spec/grantOption").asBoolean(true)).isFalse();
  }

  @Test
  void everyAccountTandemMakesIsReservedFromUsers() {
    assertThat(SchemaNames.RESERVED_USERS).contains(StatefulSetDependent.OPERATOR_USER, StatefulSetDependent.REPLICATION_USER,
        StatefulSetDependent.BACKUP_USER, StatefulSetDependent.ADMIN_USER, "root", "tandem_seed");
  }

  @Test
  void theShippedUserExamplesAreAccepted() {
    var checked = new ArrayList<String>();
    for (var example : Example.all()) {
      for (var object : example.objects()) {
        var admission = switch (object.path("kind").asText()) {
          case "MySQLDatabase" -> DATABASES;
          case "MySQLUser" -> USERS;
          case "MySQLGrant" -> GRANTS;
          default -> null;
        };
        if (admission != null) {
          assertThat(admission.create(object).errors()).as("%s in %s", object.at("/metadata/name").asText(), example.name()).isEmpty();
          checked.add(object.path("kind").asText() + " " + object.at("/metadata/name").asText());
        }
      }
    }
    assertThat(checked).contains("MySQLDatabase orders", "MySQLUser orders-app", "MySQLGrant orders-app-orders");
  }
}
