package dev.tandem.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.api.MySQLBackup;
import dev.tandem.api.MySQLBackupSpec;
import dev.tandem.kubernetes.ClusterFixture;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import org.junit.jupiter.api.Test;

class BackupJobTest {

  static MySQLBackup backup(MySQLBackupSpec.BackupMethod method, String subPath) {
    var backup = new MySQLBackup();
    backup.setMetadata(new ObjectMetaBuilder().withName("nightly").withNamespace("prod").build());
    var spec = new MySQLBackupSpec();
    spec.setClusterRef(new MySQLBackupSpec.ClusterRef("shop"));
    spec.setMethod(method);
    var storage = new MySQLBackupSpec.BackupStorage();
    var pvc = new MySQLBackupSpec.PvcStorage();
    pvc.setClaimName("backups");
    pvc.setSubPath(subPath);
    storage.setPvc(pvc);
    spec.setStorage(storage);
    backup.setSpec(spec);
    return backup;
  }

  static final String OPERATOR_IMAGE = "tandem/tandem-operator:1.2.3";

  static MySQLBackup toBucket(MySQLBackupSpec.BackupMethod method) {
    var backup = backup(method, null);
    var s3 = new MySQLBackupSpec.S3Storage();
    s3.setEndpoint("http://minio.storage:9000");
    s3.setBucket("backups");
    s3.setPrefix("tandem");
    s3.setCredentialsSecret("s3-keys");
    s3.setForcePathStyle(true);
    backup.getSpec().getStorage().setPvc(null);
    backup.getSpec().getStorage().setS3(s3);
    return backup;
  }

  static final Pod SOURCE = new PodBuilder().withNewMetadata().withName("shop-2").endMetadata()
      .withNewSpec().withNodeName("node-b").endSpec().withNewStatus().withPodIP("10.1.2.3").endStatus().build();

  static EnvVar env(Job job, String name) {
    return job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getName().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void aLogicalBackupRunsOnceWithTheClustersImageAndThePasswordByReference() {
    var job = BackupJob.desired(backup(MySQLBackupSpec.BackupMethod.Logical, "tandem"), ClusterFixture.named("shop").mariaDb().build(), SOURCE, OPERATOR_IMAGE,
        java.util.Optional.empty());

    assertThat(job.getMetadata().getName()).isEqualTo("nightly-backup");
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    var pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getNodeName()).as("a logical dump goes over the network, from any node").isNull();
    assertThat(pod.getContainers().get(0).getImage()).startsWith("mariadb:");
    assertThat(env(job, "SOURCE_HOST").getValue()).isEqualTo("10.1.2.3");
    assertThat(env(job, "BACKUP_DIR").getValue()).isEqualTo("/backup/tandem/prod/shop/nightly");
    assertThat(env(job, "BACKUP_PASSWORD").getValue()).isNull();
    assertThat(env(job, "BACKUP_PASSWORD").getValueFrom().getSecretKeyRef().getKey()).isEqualTo("backup-password");
    assertThat(pod.getContainers().get(0).getArgs()).isEmpty();
    assertThat(pod.getContainers().get(0).getEnv()).as("no previous backup: every binary log").noneMatch(e -> e.getName().equals("ARCHIVE_SINCE_GTID"));
    assertThat(pod.getVolumes()).extracting(v -> v.getName()).containsExactlyInAnyOrder("storage", "config");
    assertThat(BackupJob.location(backup(MySQLBackupSpec.BackupMethod.Logical, "tandem"))).isEqualTo("pvc://backups/tandem/prod/shop/nightly");
  }

  @Test
  void aPhysicalBackupReadsTheSourcesVolumeOnItsNode() {
    var job = BackupJob.desired(backup(MySQLBackupSpec.BackupMethod.Physical, null), ClusterFixture.named("shop").mariaDb().build(), SOURCE, OPERATOR_IMAGE,
        java.util.Optional.empty());

    var pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getNodeName()).isEqualTo("node-b");
    assertThat(pod.getVolumes()).filteredOn(volume -> volume.getPersistentVolumeClaim() != null)
        .extracting(volume -> volume.getPersistentVolumeClaim().getClaimName() + (volume.getPersistentVolumeClaim().getReadOnly() == Boolean.TRUE ? " (ro)" : ""))
        .containsExactlyInAnyOrder("backups", "data-shop-2 (ro)");
    assertThat(pod.getContainers().get(0).getVolumeMounts()).anySatisfy(mount -> {
      assertThat(mount.getMountPath()).isEqualTo("/var/lib/mysql");
      assertThat(mount.getReadOnly()).isTrue();
    });
    assertThat(env(job, "BACKUP_METHOD").getValue()).isEqualTo("Physical");
    assertThat(env(job, "BACKUP_DIR").getValue()).isEqualTo("/backup/prod/shop/nightly");
  }

  @Test
  void aPhysicalBackupOfMySQLClonesOverTheNetworkFromAnyNode() {
    var job = BackupJob.desired(backup(MySQLBackupSpec.BackupMethod.Physical, null), ClusterFixture.named("shop").build(), SOURCE,
        OPERATOR_IMAGE, java.util.Optional.empty());

    var pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getContainers().get(0).getImage()).startsWith("mysql:");
    assertThat(pod.getNodeName()).isNull();
    assertThat(pod.getVolumes()).extracting(v -> v.getName()).containsExactlyInAnyOrder("storage", "config");
    assertThat(env(job, "BACKUP_METHOD").getValue()).isEqualTo("Physical");
  }

  @Test
  void toABucketTheBackupWritesToScratchThenTheOperatorImageUploadsIt() {
    var backup = toBucket(MySQLBackupSpec.BackupMethod.Physical);
    var previous = backup(MySQLBackupSpec.BackupMethod.Logical, null);
    previous.setStatus(new dev.tandem.api.MySQLBackupStatus());
    previous.getStatus().setGtidPosition("0-1000-2213");
    var job = BackupJob.desired(backup, ClusterFixture.named("shop").mariaDb().build(), SOURCE, OPERATOR_IMAGE, java.util.Optional.of(previous));

    var pod = job.getSpec().getTemplate().getSpec();
    var dump = pod.getInitContainers().get(0);
    assertThat(dump.getName()).isEqualTo("backup");
    assertThat(dump.getImage()).startsWith("mariadb:");
    assertThat(dump.getEnv()).filteredOn(e -> e.getName().equals("BACKUP_DIR")).singleElement()
        .satisfies(e -> assertThat(e.getValue()).isEqualTo("/backup/tandem/prod/shop/nightly"));
    assertThat(dump.getVolumeMounts()).extracting(mount -> mount.getMountPath()).contains("/backup", "/var/lib/mysql");
    assertThat(dump.getEnv()).as("binary logs only since the previous backup").anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("ARCHIVE_SINCE_GTID");
      assertThat(e.getValue()).isEqualTo("0-1000-2213");
    });
    var upload = pod.getContainers().get(0);
    assertThat(upload.getName()).isEqualTo("upload");
    assertThat(upload.getImage()).isEqualTo(OPERATOR_IMAGE);
    assertThat(upload.getCommand()).containsExactly("java", "-jar", "/deployments/quarkus-run.jar", "s3", "upload",
        "/backup/tandem/prod/shop/nightly", "tandem/prod/shop/nightly");
    assertThat(env(job, "S3_FORCE_PATH_STYLE").getValue()).isEqualTo("true");
    assertThat(env(job, "AWS_ACCESS_KEY_ID").getValueFrom().getSecretKeyRef().getName()).isEqualTo("s3-keys");
    assertThat(env(job, "AWS_SECRET_ACCESS_KEY").getValueFrom().getSecretKeyRef().getKey()).isEqualTo("AWS_SECRET_ACCESS_KEY");
    assertThat(pod.getVolumes()).filteredOn(volume -> volume.getName().equals("storage")).singleElement()
        .satisfies(volume -> assertThat(volume.getEmptyDir()).as("scratch, not a claim").isNotNull());
    assertThat(BackupJob.location(backup)).isEqualTo("s3://backups/tandem/prod/shop/nightly");

    var deletion = BackupJob.deletion(backup, "mariadb:11.4", OPERATOR_IMAGE).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(deletion.getImage()).isEqualTo(OPERATOR_IMAGE);
    assertThat(deletion.getCommand()).endsWith("s3", "delete", "tandem/prod/shop/nightly");
  }

  @Test
  void theDeletionJobRemovesTheDirectoryAndAPartialOneWithTheRecordedImage() {
    var job = BackupJob.deletion(backup(MySQLBackupSpec.BackupMethod.Logical, null), "mariadb:11.4", OPERATOR_IMAGE);

    assertThat(job.getMetadata().getName()).isEqualTo("nightly-delete");
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("mariadb:11.4");
    assertThat(env(job, "BACKUP_DIR").getValue()).isEqualTo("/backup/prod/shop/nightly");
    assertThat(env(job, "PARTIAL_DIR").getValue()).isEqualTo("/backup/prod/shop/.nightly.partial");
  }
}
