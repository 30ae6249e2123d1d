package dev.tandem.admission;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The committed MySQLBackup CRD refuses bad backups with a message a user can act on. */
class BackupCrdAdmissionTest {

  static final ApiServerAdmission ADMISSION = ApiServerAdmission.forCrd(Path.of("crds/mysqlbackups.mysql.tandem.dev-v1.yml"));

  static ObjectNode valid() {
    return (ObjectNode) ApiServerAdmission.parse("""
        apiVersion: mysql.tandem.dev/v1alpha1
        kind: MySQLBackup
        metadata: {name: shop-nightly, namespace: default}
        spec:
          clusterRef: {name: shop}
          storage: {pvc: {claimName: backups}}
        """);
  }

  static ObjectNode spec(JsonNode backup) {
    return (ObjectNode) backup.get("spec");
  }

  static Arguments bad(String what, Consumer<ObjectNode> change, String expectedMessage) {
    return Arguments.of(what, change, expectedMessage);
  }

  static Stream<Arguments> badBackups() {
    return Stream.of(
        bad("no cluster", c -> spec(c).remove("clusterRef"), "required property 'clusterRef' not found"),
        bad("no storage", c -> spec(c).remove("storage"), "spec: Invalid value: required property 'storage' not found"),
        bad("storage that names no place", c -> spec(c).putObject("storage"), "spec.storage: Invalid value: \"object\": storage takes exactly one of pvc or s3"),
        bad("both a volume claim and a bucket", c -> spec(c).with("storage").putObject("s3").put("bucket", "backups"),
            "spec.storage: Invalid value: \"object\": storage takes exactly one of pvc or s3"),
        bad("a bucket without a name", c -> {
          spec(c).with("storage").remove("pvc");
          spec(c).with("storage").putObject("s3").put("endpoint", "http://minio:9000");
        }, "spec.storage.s3: Invalid value: required property 'bucket' not found"),
        bad("a bucket name S3 refuses", c -> {
          spec(c).with("storage").remove("pvc");
          spec(c).with("storage").putObject("s3").put("bucket", "My_Backups");
        }, "spec.storage.s3.bucket: Invalid value"),
        bad("an endpoint that is not a URL", c -> {
          spec(c).with("storage").remove("pvc");
          spec(c).with("storage").putObject("s3").put("bucket", "backups").put("endpoint", "minio:9000");
        }, "spec.storage.s3.endpoint: Invalid value"),
        bad("a prefix leaving the bucket's tree", c -> {
          spec(c).with("storage").remove("pvc");
          spec(c).with("storage").putObject("s3").put("bucket", "backups").put("prefix", "a/../b");
        }, "spec.storage.s3.prefix: Invalid value: \"object\": prefix must not contain '..'"),
        bad("an unknown method", c -> spec(c).put("method", "Snapshot"), "spec.method: Invalid value: does not have a value in the enumeration [\"Logical\", \"Physical\"]"),
        bad("an unknown source", c -> spec(c).put("source", "Primary"), "spec.source: Invalid value: does not have a value in the enumeration"),
        bad("a claim name that is not a name", c -> spec(c).with("storage").with("pvc").put("claimName", "My Backups"),
            "spec.storage.pvc.claimName: Invalid value"),
        bad("a subPath leaving the volume", c -> spec(c).with("storage").with("pvc").put("subPath", "shop/../../etc"),
            "subPath must stay inside the volume"),
        bad("an absolute subPath", c -> spec(c).with("storage").with("pvc").put("subPath", "/etc"),
            "spec.storage.pvc.subPath: Invalid value"),
        bad("a name too long for its Job", c -> ((ObjectNode) c.get("metadata")).put("name", "b".repeat(57)),
            "metadata.name of a MySQLBackup must be at most 56 characters"));
  }

  @ParameterizedTest(name = "{0} is refused")
  @MethodSource("badBackups")
  void refusesABadBackupWithAMessageThatSaysWhatIsWrong(String what, Consumer<ObjectNode> change, String expectedMessage) {
    ObjectNode backup = valid();
    change.accept(backup);

    var verdict = ADMISSION.create(backup);

    assertThat(verdict.accepted()).as(what).isFalse();
    assertThat(verdict.errors()).anySatisfy(error -> assertThat(error).startsWith("The MySQLBackup \"").contains(expectedMessage));
  }

  static final ApiServerAdmission SCHEDULES =
      ApiServerAdmission.forCrd(Path.of("crds/mysqlbackupschedules.mysql.tandem.dev-v1.yml"));

  static ObjectNode schedule(String cron, String retention) {
    return (ObjectNode) ApiServerAdmission.parse("""
        apiVersion: mysql.tandem.dev/v1alpha1
        kind: MySQLBackupSchedule
        metadata: {name: shop-nightly, namespace: default}
        spec:
          clusterRef: {name: shop}
          schedule: "%s"
          storage: {pvc: {claimName: backups}}
          retention: %s
        """.formatted(cron, retention));
  }

  @Test
  void aScheduleNeedsCronAndARetentionThatSaysSomething() {
    assertThat(SCHEDULES.create(schedule("0 3 * * *", "{keepLast: 7}")).errors()).isEmpty();
    assertThat(SCHEDULES.create(schedule("*/15 * * * * *", "{maxAgeHours: 168}")).errors()).isEmpty();
    assertThat(SCHEDULES.create(schedule("every night", "{keepLast: 7}")).errors())
        .anySatisfy(error -> assertThat(error).contains("spec.schedule must be a cron expression: 5 fields"));
    assertThat(SCHEDULES.create(schedule("0 3 * * *", "{}")).errors())
        .anySatisfy(error -> assertThat(error).contains("retention needs keepLast, maxAgeHours, or both"));
    assertThat(SCHEDULES.create(schedule("0 3 * * *", "{keepLast: 0}")).errors())
        .anySatisfy(error -> assertThat(error).contains("spec.retention.keepLast"));
  }

  @Test
  void fillsInTheMethodAndTheSource() {
    var verdict = ADMISSION.create(valid());

    assertThat(verdict.errors()).isEmpty();
    assertThat(verdict.admitted().at("/spec/method").asText()).isEqualTo("Logical");
    assertThat(verdict.admitted().at("/spec/source").asText()).isEqualTo("Replica");
  }

  @Test
  void theShippedBackupScheduleAndRestoreExamplesAreAccepted() {
    var clusters = ApiServerAdmission.forCrd(Path.of("crds/mysqlclusters.mysql.tandem.dev-v1.yml"));
    var checked = new java.util.ArrayList<String>();
    for (var example : dev.tandem.testing.Example.all()) {
      for (var object : example.objects()) {
        var verdict = switch (object.path("kind").asText()) {
          case "MySQLBackup" -> ADMISSION.create(object);
          case "MySQLBackupSchedule" -> SCHEDULES.create(object);
          case "MySQLCluster" -> object.at("/spec/bootstrap").isMissingNode() ? null : clusters.create(object);
          default -> null;
        };
        if (verdict != null) {
          assertThat(verdict.errors()).as("%s in %s", object.at("/metadata/name").asText(), example.name()).isEmpty();
          checked.add(object.path("kind").asText() + " " + object.at("/metadata/name").asText());
        }
      }
    }
    assertThat(checked).as("the backups, the schedule and the restores")
        .contains("MySQLBackup catalog-first", "MySQLBackup billing-to-s3", "MySQLBackupSchedule catalog-nightly",
            "MySQLCluster catalog-copy", "MySQLCluster catalog-before-deploy");
  }

  @Test
  void aBackupsSpecCannotChange() {
    var before = ADMISSION.create(valid()).admitted();
    var after = before.deepCopy();
    spec(after).with("storage").with("pvc").put("claimName", "elsewhere");

    assertThat(ADMISSION.update(before, after).errors())
        .anySatisfy(error -> assertThat(error).contains("a MySQLBackup's spec cannot change once created"));
  }
}
