package dev.tandem.admission;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.testing.Example;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The committed CRD refuses bad specs with a message a user can act on, as kubectl shows it. */
class CrdAdmissionTest {

  static final Path CRD = Path.of("crds/mysqlclusters.mysql.tandem.dev-v1.yml");
  static final ApiServerAdmission ADMISSION = ApiServerAdmission.forCrd(CRD);

  static final String VALID =
      """
      apiVersion: mysql.tandem.dev/v1alpha1
      kind: MySQLCluster
      metadata: {name: shop, namespace: default}
      spec:
        instances: 3
        engine: {flavor: MySQL, version: "8.4"}
      """;

  static ObjectNode valid() {
    return (ObjectNode) ApiServerAdmission.parse(VALID);
  }

  static ObjectNode spec(JsonNode cluster) {
    return (ObjectNode) cluster.get("spec");
  }

  static Arguments bad(String what, Consumer<ObjectNode> change, String expectedMessage) {
    return Arguments.of(what, change, expectedMessage);
  }

  static ArrayNode list(ObjectNode parent, String field, String... names) {
    ArrayNode array = parent.putArray(field);
    for (String name : names) {
      array.add(name);
    }
    return array;
  }

  static Stream<Arguments> badSpecs() {
    return Stream.of(
        bad("no instances at all", c -> spec(c).put("instances", 0), "spec.instances: Invalid value"),
        bad("a restore from a backup name and a path at once", c -> {
          var from = spec(c).putObject("bootstrap").putObject("from").put("backup", "monday").put("path", "prod/shop/monday");
          from.putObject("storage").putObject("pvc").put("claimName", "backups");
        }, "from takes either backup (a MySQLBackup's name) or storage and path"),
        bad("a restore from storage without a path", c ->
            spec(c).putObject("bootstrap").putObject("from").putObject("storage").putObject("pvc").put("claimName", "backups"),
            "storage and path go together"),
        bad("binlogsFrom with a backup name", c -> spec(c).putObject("bootstrap").putObject("from").put("backup", "monday")
            .put("pointInTime", "2026-11-23T14:30:00Z").put("binlogsFrom", "prod/shop/tuesday"),
            "binlogsFrom goes with storage, path and pointInTime"),
        bad("a restore path leaving its storage", c -> {
          var from = spec(c).putObject("bootstrap").putObject("from").put("path", "prod/../../etc");
          from.putObject("storage").putObject("pvc").put("claimName", "backups");
        }, "path must not contain '..'"),
        bad("more instances than supported", c -> spec(c).put("instances", 17), "spec.instances: Invalid value"),
        bad("an unknown topology", c -> spec(c).put("topology", "Galera"), "spec.topology: Invalid value"),
        bad("an unknown flavor", c -> spec(c).with("engine").put("flavor", "Postgres"), "spec.engine.flavor: Invalid value"),
        bad("MySQL 5.7", c -> spec(c).with("engine").put("version", "5.7"), "engine.version is not supported for this flavor"),
        bad("a MySQL version on MariaDB", c -> spec(c).with("engine").put("flavor", "MariaDB"), "engine.version is not supported for this flavor"),
        bad("DualMaster with one instance", c -> spec(c).put("topology", "DualMaster").put("instances", 1), "DualMaster needs instances >= 2"),
        bad("a master beyond the last instance", c -> spec(c).put("master", "shop-3"), "but shop-3 is not one: the instances are shop-0 to shop-2"),
        bad("a master of another cluster", c -> spec(c).put("master", "other-0"), "but other-0 is not one"),
        bad("a master with a leading zero", c -> spec(c).put("master", "shop-01"), "but shop-01 is not one"),
        bad("a DualMaster master that is a read replica", c -> spec(c).put("topology", "DualMaster").put("master", "shop-2"), "spec.master must be one of the two masters of a DualMaster cluster: shop-0 or shop-1"),
        bad("every instance offline", c -> list(spec(c), "offline", "shop-0", "shop-1", "shop-2"), "spec.offline names every instance"),
        bad("an instance offline twice", c -> list(spec(c), "offline", "shop-1", "shop-1"), "spec.offline lists an instance more than once"),
        bad("a TLS Secret while TLS is off", c -> spec(c).putObject("tls").put("secretName", "shop-cert"),
            "tls.secretName is set but tls.enabled is false"),
        bad("plaintext refused without TLS", c -> spec(c).putObject("tls").put("requireSecureTransport", true),
            "tls.requireSecureTransport needs tls.enabled: true"),
        bad("a TLS setting in spec.mysqld", c -> spec(c).putObject("mysqld").put("ssl_cert", "/x.pem"),
            "spec.mysqld.ssl_cert is set by Tandem"),
        bad("the wished master offline", c -> list(spec(c).put("master", "shop-1"), "offline", "shop-1"), "spec.master cannot also be listed in spec.offline"),
        bad("both DualMaster masters offline", c -> list(spec(c).put("topology", "DualMaster"), "offline", "shop-0", "shop-1"), "spec.offline names both masters of a DualMaster cluster"),
        bad("an offline name that is no instance", c -> list(spec(c), "offline", "shop-7"), "but shop-7 is not one"),
        bad("a priority name that is no instance", c -> list(spec(c).with("failover"), "priority", "shop-1", "db-0"), "but db-0 is not one"),
        bad("a priority listing an instance twice", c -> list(spec(c).with("failover"), "priority", "shop-1", "shop-1"), "failover.priority lists an instance more than once"),
        bad("overriding server_id", c -> spec(c).with("mysqld").put("server_id", "7"), "spec.mysqld.server_id is set by Tandem and cannot be overridden"),
        bad("turning read_only off", c -> spec(c).with("mysqld").put("read_only", "OFF"), "spec.mysqld.read_only is set by Tandem"),
        bad("disabling the binlog", c -> spec(c).with("mysqld").put("skip_log_bin", "ON"), "spec.mysqld.skip_log_bin is set by Tandem"),
        bad("too many mysqld settings", c -> { var m = spec(c).with("mysqld"); for (int i = 0; i < 65; i++) { m.put("setting_" + i, "1"); } }, "spec.mysqld: Invalid value"),
        bad("a storage size that is no quantity", c -> spec(c).with("storage").put("size", "lots"), "spec.storage.size: Invalid value"),
        bad("probing too often", c -> spec(c).with("failover").put("probeIntervalMillis", 10), "spec.failover.probeIntervalMillis: Invalid value"),
        bad("a failure threshold of zero", c -> spec(c).with("failover").put("failureThreshold", 0), "spec.failover.failureThreshold: Invalid value"),
        bad("an unknown service type", c -> spec(c).with("service").put("type", "External"), "spec.service.type: Invalid value"),
        bad("a typo in a field name", c -> spec(c).put("instance", 3), "unknown field \"spec.instance\""),
        bad("a name too long for its Pods", c -> ((ObjectNode) c.get("metadata")).put("name", "a".repeat(46)), "metadata.name must be a DNS label of at most 45 characters"),
        bad("a name with a dot", c -> ((ObjectNode) c.get("metadata")).put("name", "shop.db"), "metadata.name must be a DNS label"),
        bad("a name with capitals", c -> ((ObjectNode) c.get("metadata")).put("name", "Shop"), "metadata.name: Invalid value: \"Shop\""));
  }

  @ParameterizedTest(name = "{0} is refused")
  @MethodSource("badSpecs")
  void refusesABadSpecWithAMessageThatSaysWhatIsWrong(
      String what, Consumer<ObjectNode> change, String expectedMessage) {
    ObjectNode cluster = valid();
    change.accept(cluster);

    var verdict = ADMISSION.create(cluster);

    assertThat(verdict.accepted()).as(what).isFalse();
    assertThat(verdict.errors())
        .anySatisfy(error -> assertThat(error).startsWith("The MySQLCluster \"").contains(expectedMessage));
  }

  static Stream<Arguments> forbiddenChanges() {
    return Stream.of(
        bad("changing the topology", c -> spec(c).put("topology", "DualMaster"), "topology cannot change on an existing cluster"),
        bad("changing the flavor", c -> spec(c).with("engine").put("flavor", "MariaDB").put("version", "10.11"), "engine.flavor cannot change on an existing cluster"),
        bad("resizing the volumes", c -> spec(c).with("storage").put("size", "20Gi"), "storage.size cannot change on an existing cluster"),
        bad("changing the storage class", c -> spec(c).with("storage").put("storageClassName", "fast"), "storage.storageClassName cannot change"),
        bad("downgrading MySQL 8.4 to 8.0", c -> spec(c).with("engine").put("version", "8.0.40"), "engine.version cannot go back to an older release series"),
        bad("switching to another credentials Secret", c -> spec(c).with("credentials").put("secretName", "mine"), "credentials.secretName cannot change on an existing cluster"));
  }

  @ParameterizedTest(name = "{0} is refused on an existing cluster")
  @MethodSource("forbiddenChanges")
  void refusesChangesThatARunningClusterCannotTake(
      String what, Consumer<ObjectNode> change, String expectedMessage) {
    ObjectNode before = valid();
    ObjectNode after = valid();
    change.accept(after);

    assertThat(ADMISSION.create(after).accepted()).as("the same spec on a new cluster").isTrue();
    var verdict = ADMISSION.update(before, after);

    assertThat(verdict.errors()).anySatisfy(error -> assertThat(error).contains(expectedMessage));
  }

  static ObjectNode withVersion(String flavor, String version) {
    var cluster = valid();
    var engine = spec(cluster).with("engine").put("flavor", flavor);
    if (version == null) {
      engine.remove("version");
    } else {
      engine.put("version", version);
    }
    return cluster;
  }

  @ParameterizedTest(name = "{0} {1} -> {2} is accepted: {3}")
  @org.junit.jupiter.params.provider.CsvSource({
      "MySQL, 8.0, 8.4, an upgrade to the next LTS",
      "MySQL, 8.0.40, , the default 8.4",
      "MySQL, 8.4.3, 8.4.1, a patch-level downgrade within the series",
      "MariaDB, 10.11, 11.4, a major upgrade",
      "MariaDB, 11.4, 11.8, a minor upgrade",
      "MariaDB, , 10.11.6, the default 10.11 given a patch level"})
  void acceptsUpgradesAndChangesWithinARelease(String flavor, String from, String to, String why) {
    var verdict = ADMISSION.update(withVersion(flavor, from), withVersion(flavor, to));

    assertThat(verdict.accepted()).as(verdict.errors().toString()).isTrue();
  }

  @Test
  void theDowngradeRuleDefaultsToTheFlavorsDefaultVersions() throws Exception {
    assertThat(dev.tandem.api.Flavor.MySQL.defaultVersion()).isEqualTo("8.4");
    assertThat(dev.tandem.api.Flavor.MariaDB.defaultVersion()).isEqualTo("10.11");
    assertThat(java.nio.file.Files.readString(CRD)).contains("== 'MySQL' ? '8.4' : '10.11'");
  }

  @ParameterizedTest(name = "{0} {1} -> {2} is refused")
  @org.junit.jupiter.params.provider.CsvSource({"MySQL, 8.4, 8.0", "MySQL, , 8.0.40", "MariaDB, 11.4, 10.11", "MariaDB, 11.8.2, 11.4"})
  void refusesADowngradeToAnOlderReleaseSeries(String flavor, String from, String to) {
    var verdict = ADMISSION.update(withVersion(flavor, from), withVersion(flavor, to));

    assertThat(verdict.errors()).anySatisfy(error -> assertThat(error)
        .contains("engine.version cannot go back to an older release series").contains("Restore a backup"));
  }

  @Test
  void acceptsScalingAndAPlannedSwitchover() {
    ObjectNode before = valid();
    ObjectNode after = valid();
    spec(after).put("instances", 5).put("master", "shop-4");

    assertThat(ADMISSION.update(before, after).errors()).isEmpty();
  }

  @Test
  void fillsInTheDefaultsAUserLeftOut() {
    var verdict = ADMISSION.create(valid());

    assertThat(verdict.errors()).isEmpty();
    assertThat(verdict.admitted().at("/spec/topology").asText()).isEqualTo("MasterReplica");
    assertThat(verdict.admitted().at("/spec/instances").asInt()).isEqualTo(3);
  }

  /** Every MySQLCluster in every shipped example, production/ included. */
  static Stream<Arguments> examples() {
    return Example.all().stream()
        .flatMap(example -> example.ofKind("MySQLCluster").stream().map(cluster -> Arguments.of(example.name(), cluster)));
  }

  @ParameterizedTest(name = "{0} is accepted")
  @MethodSource("examples")
  void acceptsEveryShippedExample(String example, JsonNode cluster) {
    var verdict = ADMISSION.create(cluster);

    assertThat(verdict.errors()).as(example).isEmpty();
  }

  @Test
  void theExporterIsOffUnlessAskedAndCanBeTurnedOnAndOff() {
    ObjectNode on = valid();
    spec(on).putObject("monitoring").putObject("exporter").put("enabled", true);
    ObjectNode unset = valid();
    spec(unset).putObject("monitoring").putObject("exporter").put("image", "prom/mysqld-exporter:v0.15.1");

    var admitted = ADMISSION.create(unset).admitted();
    assertThat(admitted.at("/spec/monitoring/exporter/enabled").isBoolean()).isTrue();
    assertThat(admitted.at("/spec/monitoring/exporter/enabled").asBoolean()).isFalse();
    assertThat(ADMISSION.create(on).admitted().at("/spec/monitoring/exporter/enabled").asBoolean()).isTrue();
    assertThat(ADMISSION.update(valid(), on).errors()).isEmpty();
    assertThat(ADMISSION.update(on, valid()).errors()).isEmpty();
  }

  @Test
  void thereIsAnExampleForEveryTopologyAndFlavor() {
    var combinations =
        examples()
            .map(arguments -> (JsonNode) arguments.get()[1])
            .map(c -> c.at("/spec/topology").asText("MasterReplica") + "/" + c.at("/spec/engine/flavor").asText("MySQL"))
            .distinct()
            .toList();

    assertThat(combinations)
        .containsExactlyInAnyOrder("MasterReplica/MySQL", "DualMaster/MySQL", "MasterReplica/MariaDB", "DualMaster/MariaDB");
  }
}
