package dev.tandem.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.api.BootstrapSpec;
import dev.tandem.api.MySQLBackup;
import dev.tandem.api.MySQLBackupSpec;
import dev.tandem.api.MySQLBackupStatus;
import dev.tandem.api.MySQLBackupStatus.BackupPhase;
import dev.tandem.api.MySQLCluster;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class RestoresTest {

  static MySQLBackup backup(String name, String cluster, String claim, BackupPhase phase, String finishedAt) {
    var backup = new MySQLBackup();
    backup.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("prod").build());
    var spec = new MySQLBackupSpec();
    spec.setClusterRef(new MySQLBackupSpec.ClusterRef(cluster));
    var storage = new MySQLBackupSpec.BackupStorage();
    var pvc = new MySQLBackupSpec.PvcStorage();
    pvc.setClaimName(claim);
    storage.setPvc(pvc);
    spec.setStorage(storage);
    backup.setSpec(spec);
    var status = new MySQLBackupStatus();
    status.setPhase(phase);
    status.setFinishedAt(finishedAt);
    status.setLocation("pvc://" + claim + "/prod/" + cluster + "/" + name);
    backup.setStatus(status);
    return backup;
  }

  /** A backup in a bucket at an endpoint, under the prefix "tandem". */
  static MySQLBackup inBucket(String name, String endpoint, String bucket, String finishedAt) {
    var backup = backup(name, "shop", "unused", BackupPhase.Completed, finishedAt);
    var s3 = new MySQLBackupSpec.S3Storage();
    s3.setEndpoint(endpoint);
    s3.setBucket(bucket);
    s3.setPrefix("tandem");
    backup.getSpec().getStorage().setPvc(null);
    backup.getSpec().getStorage().setS3(s3);
    backup.getStatus().setLocation("s3://" + bucket + "/tandem/prod/shop/" + name);
    return backup;
  }

  static MySQLCluster restoring(String backup, String pointInTime) {
    var cluster = ClusterFixture.named("copy").mariaDb().build();
    cluster.getMetadata().setNamespace("prod");
    var bootstrap = new BootstrapSpec();
    var from = new BootstrapSpec.RestoreSource();
    from.setBackup(backup);
    from.setPointInTime(pointInTime);
    bootstrap.setFrom(from);
    cluster.getSpec().setBootstrap(bootstrap);
    return cluster;
  }

  static final List<MySQLBackup> SHOP = List.of(
      backup("monday", "shop", "backups", BackupPhase.Completed, "2026-11-23T03:00:40Z"),
      backup("tuesday", "shop", "backups", BackupPhase.Completed, "2026-11-24T03:00:38Z"),
      backup("wednesday", "shop", "backups", BackupPhase.Completed, "2026-11-25T03:00:41Z"),
      backup("elsewhere", "shop", "other-claim", BackupPhase.Completed, "2026-11-23T12:00:00Z"),
      backup("other-cluster", "billing", "backups", BackupPhase.Completed, "2026-11-23T13:00:00Z"),
      backup("running", "shop", "backups", BackupPhase.Running, null));

  @Test
  void withoutPointInTimeTheBackupAloneIsTheSource() {
    var resolution = Restores.resolve(restoring("monday", null), SHOP);

    assertThat(resolution.problem()).isEmpty();
    var source = resolution.source().orElseThrow();
    assertThat(source.inBucket()).isFalse();
    assertThat(source.storage().getPvc().getClaimName()).isEqualTo("backups");
    assertThat(source.path()).isEqualTo("prod/shop/monday");
    assertThat(source.replay()).isEmpty();
  }

  @Test
  void aPointInTimeFromABucketReplaysTheNextBackupInTheSameBucketAtTheSameEndpoint() {
    var backups = List.of(
        inBucket("monday", "http://minio:9000", "backups", "2026-11-23T03:00:40Z"),
        inBucket("elsewhere", "http://other:9000", "backups", "2026-11-23T12:00:00Z"),
        inBucket("other-bucket", "http://minio:9000", "archive", "2026-11-23T13:00:00Z"),
        inBucket("tuesday", "http://minio:9000", "backups", "2026-11-24T03:00:38Z"));

    var source = Restores.resolve(restoring("monday", "2026-11-23T14:30:00Z"), backups).source().orElseThrow();

    assertThat(source.inBucket()).isTrue();
    assertThat(source.path()).isEqualTo("tandem/prod/shop/monday");
    assertThat(source.replay()).contains(new RestoreSource.Replay("tandem/prod/shop/tuesday/binlogs", "2026-11-23 14:30:00"));
    assertThat(Restores.resolve(restoring("tuesday", "2026-11-24T09:00:00Z"), backups).problem())
        .contains("no Completed backup of cluster shop in bucket backups finished after spec.bootstrap.from.pointInTime"
            + " 2026-11-24T09:00:00Z: the binary logs up to then are archived by the next backup; take one, and the restore proceeds");
  }

  @Test
  void aPointInTimeReplaysTheFirstLaterBackupOfTheSameClusterOnTheSameClaim() {
    var resolution = Restores.resolve(restoring("monday", "2026-11-23T14:30:00+01:00"), SHOP);

    assertThat(resolution.problem()).isEmpty();
    assertThat(resolution.source().orElseThrow().replay())
        .as("tuesday, not the other claim's or the other cluster's; in UTC")
        .contains(new RestoreSource.Replay("prod/shop/tuesday/binlogs", "2026-11-23 13:30:00"));
  }

  @Test
  void aPointInTimeFromAnOlderBackupThanTheArchivesPredecessorNamesTheBackupToUse() {
    var backups = List.of(
        backup("monday", "shop", "backups", BackupPhase.Completed, "2026-11-23T03:00:40Z"),
        backup("tuesday", "shop", "backups", BackupPhase.Completed, "2026-11-24T03:00:38Z"),
        backup("wednesday", "shop", "backups", BackupPhase.Completed, "2026-11-25T03:00:41Z"));
    backups.get(1).getStatus().setBinlogsSince("monday");
    backups.get(2).getStatus().setBinlogsSince("tuesday");

    assertThat(Restores.resolve(restoring("monday", "2026-11-24T12:00:00Z"), backups).problem())
        .contains("backup wednesday archives the binary logs only since backup tuesday, which is later than monday:"
            + " restore from tuesday (the latest backup before 2026-11-24T12:00:00Z) with the same pointInTime");
    assertThat(Restores.resolve(restoring("tuesday", "2026-11-24T12:00:00Z"), backups).source().orElseThrow().replay())
        .contains(new RestoreSource.Replay("prod/shop/wednesday/binlogs", "2026-11-24 12:00:00"));
    assertThat(Restores.resolve(restoring("monday", "2026-11-23T12:00:00Z"), backups).problem()).isEmpty();
  }

  @Test
  void aPointInTimeBeforeTheBackupCompletedIsRefused() {
    assertThat(Restores.resolve(restoring("tuesday", "2026-11-24T03:00:00Z"), SHOP).problem())
        .contains("spec.bootstrap.from.pointInTime 2026-11-24T03:00:00Z is before backup tuesday completed (2026-11-24T03:00:38Z):"
            + " restore to a later time, or from an earlier backup");
  }

  @Test
  void aPointInTimeNoLaterBackupCoversWaitsForOne() {
    assertThat(Restores.resolve(restoring("wednesday", "2026-11-25T09:00:00Z"), SHOP).problem())
        .contains("no Completed backup of cluster shop in claim backups finished after spec.bootstrap.from.pointInTime"
            + " 2026-11-25T09:00:00Z: the binary logs up to then are archived by the next backup; take one, and the restore proceeds");
  }

  @Test
  void aBackupNamedByStorageAndPathNeedsNoMySQLBackupAndAPointInTimeNamesTheLaterBackup() {
    var cluster = restoring(null, null);
    var from = cluster.getSpec().getBootstrap().getFrom();
    var s3 = new MySQLBackupSpec.S3Storage();
    s3.setBucket("dr-backups");
    var storage = new MySQLBackupSpec.BackupStorage();
    storage.setS3(s3);
    from.setStorage(storage);
    from.setPath("tandem/prod/shop/monday");

    var source = Restores.resolve(cluster, List.of()).source().orElseThrow();
    assertThat(source.inBucket()).isTrue();
    assertThat(source.path()).isEqualTo("tandem/prod/shop/monday");
    assertThat(source.replay()).isEmpty();

    from.setPointInTime("2026-11-23T14:30:00Z");
    assertThat(Restores.resolve(cluster, List.of()).problem()).contains("spec.bootstrap.from.pointInTime with storage and path needs"
        + " binlogsFrom: the path of a later backup in the same storage, whose archived binary logs reach 2026-11-23T14:30:00Z");
    from.setBinlogsFrom("tandem/prod/shop/tuesday");
    assertThat(Restores.resolve(cluster, List.of()).source().orElseThrow().replay())
        .contains(new RestoreSource.Replay("tandem/prod/shop/tuesday/binlogs", "2026-11-23 14:30:00"));
  }

  @Test
  void aBackupOfTheOtherFlavorIsRefused() {
    var mysqlBackup = backup("mysql-monday", "shop", "backups", BackupPhase.Completed, "2026-11-23T03:00:40Z");
    mysqlBackup.getStatus().setFlavor(dev.tandem.api.Flavor.MySQL);

    assertThat(Restores.resolve(restoring("mysql-monday", null), List.of(mysqlBackup)).problem())
        .contains("spec.bootstrap.from.backup mysql-monday is a backup of a MySQL cluster; copy is MariaDB:"
            + " restore it into a cluster of the same flavor");
  }

  @Test
  void aMissingOrUnfinishedBackupIsAProblemUntilItCompletes() {
    assertThat(Restores.resolve(restoring("sunday", null), SHOP).problem())
        .contains("spec.bootstrap.from.backup sunday does not exist in namespace prod: name a Completed MySQLBackup");
    assertThat(Restores.resolve(restoring("running", null), SHOP).problem()).hasValueSatisfying(problem ->
        assertThat(problem).startsWith("spec.bootstrap.from.backup running is Running: a cluster is restored only from a Completed backup"));
  }
}
