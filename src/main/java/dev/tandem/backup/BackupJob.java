package dev.tandem.backup;

import dev.tandem.api.Flavor;
import dev.tandem.api.MySQLBackup;
import dev.tandem.api.MySQLCluster;
import dev.tandem.kubernetes.ClusterLabels;
import dev.tandem.kubernetes.ClientTls;
import dev.tandem.kubernetes.ClusterNames;
import dev.tandem.kubernetes.ConfigMapDependent;
import dev.tandem.kubernetes.CredentialsSecret;
import dev.tandem.kubernetes.EnvVars;
import dev.tandem.kubernetes.MyCnf;
import dev.tandem.kubernetes.S3Transfer;
import dev.tandem.kubernetes.StatefulSetDependent;
import dev.tandem.api.MySQLBackupSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Job that takes one backup: the cluster's own image (its dump tool matches the server),
 * the script from the cluster's ConfigMap, the backup volume at {@link #MOUNT}, and the source
 * instance's address. It runs once: a failed backup is reported, never retried behind the
 * user's back, since its source may be what failed.
 */
public final class BackupJob {

  public static final String CONTAINER = "backup";
  /** With S3 storage, the container that uploads what {@link #CONTAINER} wrote. */
  public static final String UPLOAD_CONTAINER = "upload";
  public static final String MOUNT = "/backup";
  /** Labels the backup's Job and Pod with the MySQLBackup's name. */
  public static final String BACKUP_LABEL = "mysql.tandem.dev/backup";
  /**
   * The cluster a backup Pod reads. Not app.kubernetes.io/instance: that label makes a Pod one
   * of the cluster's instances for every selector and informer of the operator.
   */
  public static final String CLUSTER_LABEL = "mysql.tandem.dev/cluster";
  /** The line of the Job's log that carries the result (backup.sh prints it last). */
  public static final String RESULT_PREFIX = "tandem-backup-result ";

  private BackupJob() {}

  public static String name(MySQLBackup backup) {
    return backup.getMetadata().getName() + "-backup";
  }

  /**
   * Where the backup lives, relative to its storage's root: {@code [subPath/]namespace/cluster/backup}
   * in a volume, or the key prefix {@code [prefix/]namespace/cluster/backup} in a bucket.
   */
  public static String path(MySQLBackup backup) {
    var storage = backup.getSpec().getStorage();
    String relative = backup.getMetadata().getNamespace() + "/" + backup.getSpec().getClusterRef().getName() + "/"
        + backup.getMetadata().getName();
    if (storage.getS3() != null) {
      return S3Transfer.key(storage.getS3(), relative);
    }
    return storage.getPvc().getSubPath() == null ? relative : storage.getPvc().getSubPath() + "/" + relative;
  }

  public static String location(MySQLBackup backup) {
    var storage = backup.getSpec().getStorage();
    return storage.getS3() != null
        ? "s3://" + storage.getS3().getBucket() + "/" + path(backup)
        : "pvc://" + storage.getPvc().getClaimName() + "/" + path(backup);
  }

  public static Map<String, String> labels(MySQLBackup backup) {
    var labels = new LinkedHashMap<String, String>();
    labels.put(ClusterLabels.NAME, "mysql-backup");
    labels.put(CLUSTER_LABEL, backup.getSpec().getClusterRef().getName());
    labels.put(ClusterLabels.PART_OF, "tandem");
    labels.put(ClusterLabels.MANAGED_BY, ClusterLabels.MANAGER);
    labels.put(BACKUP_LABEL, backup.getMetadata().getName());
    return labels;
  }

  public static String deletionName(MySQLBackup backup) {
    return backup.getMetadata().getName() + "-delete";
  }

  /**
   * The Job that deletes a backup's files, whole or partial: in a volume with the image the
   * backup ran with (the cluster may be gone by then), in a bucket with the operator's image.
   * It exits 0 when nothing is left.
   */
  public static Job deletion(MySQLBackup backup, String image, String operatorImage) {
    var s3 = backup.getSpec().getStorage().getS3();
    if (s3 != null) {
      return job(backup, deletionName(backup), List.of(), S3Transfer.container(CONTAINER, operatorImage, s3, List.of("delete", path(backup))));
    }
    String directory = MOUNT + "/" + path(backup);
    String partial = directory.substring(0, directory.lastIndexOf('/') + 1) + "." + backup.getMetadata().getName() + ".partial";
    var container = new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(image)
        .withCommand("bash", "-c", "rm -rf -- \"$BACKUP_DIR\" \"$PARTIAL_DIR\" && echo \"deleted $BACKUP_DIR\"")
        .withEnv(EnvVars.plain("BACKUP_DIR", directory), EnvVars.plain("PARTIAL_DIR", partial))
        .addNewVolumeMount().withName(STORAGE).withMountPath(MOUNT).endVolumeMount()
        .build();
    return job(backup, deletionName(backup), List.of(), container);
  }

  /**
   * @param source the source instance's Pod: its IP, and for a physical backup of MariaDB its node
   *     and data volume, which the Job reads (a ReadWriteOnce volume can be mounted by Pods of its node)
   * @param operatorImage for S3 storage: the backup is written to a scratch volume, then this
   *     image's {@code s3 upload} sends it, backup.json last; the database image has no S3 client
   * @param previous the cluster's previous Completed backup in the same storage: only the binary
   *     logs since its position are archived
   */
  public static Job desired(MySQLBackup backup, MySQLCluster cluster, Pod source, String operatorImage, Optional<MySQLBackup> previous) {
    var engine = cluster.getSpec().getEngine();
    var container = new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(engine.effectiveImage())
        .withCommand("bash", StatefulSetDependent.CONFIG_DIR + "/" + ConfigMapDependent.BACKUP_SCRIPT)
        .withEnv(
            EnvVars.plain("SOURCE_HOST", source.getStatus().getPodIP()),
            EnvVars.plain("BACKUP_METHOD", backup.getSpec().getMethod().name()),
            EnvVars.plain("SOURCE_PORT", Integer.toString(MyCnf.PORT)),
            EnvVars.plain("TANDEM_FLAVOR", engine.getFlavor().name()),
            EnvVars.plain("BACKUP_DIR", MOUNT + "/" + path(backup)),
            EnvVars.plain("OPERATOR_USER", StatefulSetDependent.OPERATOR_USER),
            EnvVars.plain("REPLICATION_USER", StatefulSetDependent.REPLICATION_USER),
            EnvVars.plain("BACKUP_USER", StatefulSetDependent.BACKUP_USER),
            EnvVars.credential(cluster, "BACKUP_PASSWORD", CredentialsSecret.BACKUP_PASSWORD))
        .addAllToEnv(previous.map(before -> EnvVars.plain("ARCHIVE_SINCE_GTID", before.getStatus().getGtidPosition())).stream().toList())
        .addNewVolumeMount().withName("config").withMountPath(StatefulSetDependent.CONFIG_DIR).endVolumeMount()
        .addNewVolumeMount().withName(STORAGE).withMountPath(MOUNT).endVolumeMount()
        .build();
    // mariadb-backup reads the source's files; MySQL's clone plugin fetches them over the network.
    boolean physical = backup.getSpec().getMethod() == MySQLBackupSpec.BackupMethod.Physical && engine.getFlavor() == Flavor.MariaDB;
    if (physical) {
      container.getVolumeMounts().add(new VolumeMountBuilder().withName(SOURCE_DATA).withMountPath(MyCnf.DATA_DIR).withReadOnly(true).build());
    }
    var s3 = backup.getSpec().getStorage().getS3();
    Job job;
    if (s3 == null) {
      job = job(backup, name(backup), List.of(), container);
    } else {
      var upload = S3Transfer.container(UPLOAD_CONTAINER, operatorImage, s3, List.of("upload", MOUNT + "/" + path(backup), path(backup)));
      upload.setVolumeMounts(List.of(new VolumeMountBuilder().withName(STORAGE).withMountPath(MOUNT).build()));
      job = job(backup, name(backup), List.of(container), upload);
    }
    var pod = job.getSpec().getTemplate().getSpec();
    pod.getVolumes().add(new VolumeBuilder().withName("config").withNewConfigMap().withName(ClusterNames.configMap(cluster))
        .endConfigMap().build());
    ClientTls.addTo(cluster, container, pod.getVolumes());
    if (physical) {
      pod.setNodeName(source.getSpec() == null ? null : source.getSpec().getNodeName());
      pod.getVolumes().add(new VolumeBuilder().withName(SOURCE_DATA).withNewPersistentVolumeClaim()
          .withClaimName(StatefulSetDependent.DATA_VOLUME + "-" + source.getMetadata().getName()).withReadOnly(true)
          .endPersistentVolumeClaim().build());
    }
    return job;
  }

  /**
   * One run, as the mysql user, with the backup's storage volume (a scratch directory for S3): a
   * failure is reported, never retried. Init containers run first, in order.
   */
  private static Job job(MySQLBackup backup, String name, List<Container> initContainers, Container container) {
    var claim = backup.getSpec().getStorage().getPvc();
    var storage = claim == null
        ? new VolumeBuilder().withName(STORAGE).withNewEmptyDir().endEmptyDir().build()
        : new VolumeBuilder().withName(STORAGE).withNewPersistentVolumeClaim().withClaimName(claim.getClaimName())
            .endPersistentVolumeClaim().build();
    return new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(backup.getMetadata().getNamespace())
        .withLabels(labels(backup))
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(0)
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels(backup))
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withAutomountServiceAccountToken(false)
        .withNewSecurityContext()
        .withRunAsUser(StatefulSetDependent.MYSQL_UID)
        .withRunAsGroup(StatefulSetDependent.MYSQL_UID)
        .withFsGroup(StatefulSetDependent.MYSQL_UID)
        .withRunAsNonRoot(true)
        .endSecurityContext()
        .withInitContainers(initContainers)
        .withContainers(container)
        .withVolumes(storage)
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private static final String SOURCE_DATA = "source-data";
  private static final String STORAGE = "storage";
}
