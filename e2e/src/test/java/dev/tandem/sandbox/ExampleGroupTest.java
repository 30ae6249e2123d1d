package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.admission.ApiServerAdmission;
import dev.tandem.testing.Example;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How ExamplesIT groups and orders the examples, on examples made up for it. */
class ExampleGroupTest {

  static Example example(String name, String... documents) {
    return new Example(Example.ROOT.resolve(name), Arrays.stream(documents).map(ApiServerAdmission::parse).toList());
  }

  static final Example CLUSTER = example("a-cluster.yaml", """
      {kind: MySQLCluster, metadata: {name: shop}, spec: {engine: {flavor: MariaDB}}}""");
  static final Example RESTORE = example("b-restore.yaml", """
      {kind: MySQLCluster, metadata: {name: shop-copy}, spec: {engine: {flavor: MariaDB}, bootstrap: {from: {backup: nightly}}}}""");
  static final Example CLAIM = example("c-claim.yaml", """
      {kind: PersistentVolumeClaim, metadata: {name: backups}}""");
  static final Example BACKUP = example("z-backup.yaml", """
      {kind: MySQLBackup, metadata: {name: nightly}, spec: {clusterRef: {name: shop}, storage: {pvc: {claimName: backups}}}}""");
  static final Example POINT_IN_TIME = example("d-point-in-time.yaml", """
      {kind: MySQLCluster, metadata: {name: shop-then}, spec: {engine: {flavor: MariaDB}, bootstrap: {from: {backup: nightly, pointInTime: "2026-11-29T10:15:00Z"}}}}""");
  static final Example MYSQL = example("e-mysql.yaml", """
      {kind: MySQLCluster, metadata: {name: orders}, spec: {engine: {flavor: MySQL}}}""");

  @Test
  void examplesReferringToEachOtherAreOneGroupInTheOrderTheyNeed() {
    var groups = ExampleGroup.of(List.of(CLUSTER, RESTORE, CLAIM, BACKUP, MYSQL));

    assertThat(groups).hasSize(2);
    assertThat(groups.get(0).files()).extracting(Example::name)
        .containsExactly("a-cluster.yaml", "c-claim.yaml", "z-backup.yaml", "b-restore.yaml");
    assertThat(groups.get(0).runsHere()).isTrue();
    assertThat(groups.get(1).files()).containsExactly(MYSQL);
    assertThat(groups.get(1).runsHere()).as("a MySQL cluster: the sandbox runs mariadbd only").isFalse();
  }

  @Test
  void aClusterGoesOnceNoLaterFileNeedsItNorABackupOfIt() {
    var group = ExampleGroup.of(List.of(CLUSTER, RESTORE, CLAIM, BACKUP)).get(0);

    assertThat(group.clustersDoneAfter(0)).isEmpty();
    assertThat(group.clustersDoneAfter(2)).as("the restore, last, names the backup only").containsExactly("shop");
    assertThat(group.clustersDoneAfter(3)).containsExactly("shop-copy");
  }

  @Test
  void aPointInTimeRestoreKeepsTheBackedUpClusterUntilItIsApplied() {
    var group = ExampleGroup.of(List.of(CLUSTER, RESTORE, CLAIM, BACKUP, POINT_IN_TIME)).get(0);

    assertThat(group.files()).extracting(Example::name)
        .containsExactly("a-cluster.yaml", "c-claim.yaml", "z-backup.yaml", "b-restore.yaml", "d-point-in-time.yaml");
    assertThat(group.clustersDoneAfter(3)).containsExactly("shop-copy");
    assertThat(group.clustersDoneAfter(4)).containsExactlyInAnyOrder("shop", "shop-then");
  }

  @Test
  void theShippedBackupAndUserExamplesJoinTheClusterTheyReferTo() {
    var groups = ExampleGroup.of(Example.all());
    var catalog = groups.stream().filter(g -> g.files().stream().anyMatch(f -> f.name().equals("backup/backup-to-pvc.yaml"))).findFirst().orElseThrow();

    assertThat(catalog.files().get(0).name()).isEqualTo("mariadb-master-replica.yaml");
    assertThat(catalog.files()).extracting(Example::name)
        .allMatch(name -> name.startsWith("backup/") || name.startsWith("users/") || name.equals("mariadb-master-replica.yaml"))
        .contains("backup/restore-from-backup.yaml", "users/app-database-user-grant.yaml");
    assertThat(catalog.runsHere()).isTrue();
  }
}
