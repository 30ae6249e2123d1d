package dev.tandem.backup;

import dev.tandem.api.MySQLBackup;
import dev.tandem.api.MySQLCluster;
import dev.tandem.kubernetes.ClusterLabels;
import dev.tandem.kubernetes.ClusterNames;
import dev.tandem.kubernetes.ConfigMapDependent;
import dev.tandem.kubernetes.CredentialsSecret;
import dev.tandem.kubernetes.EnvVars;
import dev.tandem.kubernetes.MyCnf;
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
import java.util.Map;

/**
 * The Job that takes one backup: the cluster's own image (its dump tool matches the server),
 * the script from the cluster's ConfigMap, the backup volume at {@link #MOUNT}, and the source
 * instance's address. It runs once: a failed backup is reported, never retried behind the
 * user's back, since its source may be what failed.
 */
public final class BackupJob {

  public static final String CONTAINER = "backup";
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

  /** The backup's directory, relative to the volume's root: {@code [subPath/]namespace/cluster/backup}. */
  public static String path(MySQLBackup backup) {
    var pvc = backup.getSpec().getStorage().getPvc();
    String relative = backup.getMetadata().getNamespace() + "/" + backup.getSpec().getClusterRef().getName() + "/"
        + backup.getMetadata().getName();
    return pvc.getSubPath() == null ? relative : pvc.getSubPath() + "/" + relative;
  }

  public static String location(MySQLBackup backup) {
    return "pvc://" + backup.getSpec().getStorage().getPvc().getClaimName() + "/" + path(backup);
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
   * The Job that deletes a backup's files, whole or partial, with the image the backup ran with
   * (the cluster may be gone by then). It exits 0 when nothing is left.
   */
  public static Job deletion(MySQLBackup backup, String image) {
    String directory = MOUNT + "/" + path(backup);
    String partial = directory.substring(0, directory.lastIndexOf('/') + 1) + "." + backup.getMetadata().getName() + ".partial";
    var container = new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(image)
        .withCommand("bash", "-c", "rm -rf -- \"$BACKUP_DIR\" \"$PARTIAL_DIR\" && echo \"deleted $BACKUP_DIR\"")
        .withEnv(EnvVars.plain("BACKUP_DIR", directory), EnvVars.plain("PARTIAL_DIR", partial))
        .addNewVolumeMount().withName(STORAGE).withMountPath(MOUNT).endVolumeMount()
        .build();
    return job(backup, deletionName(backup), container);
  }

  /**
   * @param source the source instance's Pod: its IP, and for a physical backup its node and data
   *     volume, which the Job reads (a ReadWriteOnce volume can be mounted by Pods of its node)
   */
  public static Job desired(MySQLBackup backup, MySQLCluster cluster, Pod source) {
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
        .addNewVolumeMount().withName("config").withMountPath(StatefulSetDependent.CONFIG_DIR).endVolumeMount()
        .addNewVolumeMount().withName(STORAGE).withMountPath(MOUNT).endVolumeMount()
        .build();
    var job = job(backup, name(backup), container);
    var pod = job.getSpec().getTemplate().getSpec();
    pod.getVolumes().add(new VolumeBuilder().withName("config").withNewConfigMap().withName(ClusterNames.configMap(cluster))
        .endConfigMap().build());
    if (backup.getSpec().getMethod() == MySQLBackupSpec.BackupMethod.Physical) {
      pod.setNodeName(source.getSpec() == null ? null : source.getSpec().getNodeName());
      pod.getVolumes().add(new VolumeBuilder().withName(SOURCE_DATA).withNewPersistentVolumeClaim()
          .withClaimName(StatefulSetDependent.DATA_VOLUME + "-" + source.getMetadata().getName()).withReadOnly(true)
          .endPersistentVolumeClaim().build());
      pod.getContainers().get(0).getVolumeMounts().add(new VolumeMountBuilder().withName(SOURCE_DATA)
          .withMountPath(MyCnf.DATA_DIR).withReadOnly(true).build());
    }
    return job;
  }

  /** One run, as the mysql user, of one container with the backup volume: a failure is reported, never retried. */
  private static Job job(MySQLBackup backup, String name, Container container) {
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
        .withContainers(container)
        .addNewVolume().withName(STORAGE).withNewPersistentVolumeClaim()
        .withClaimName(backup.getSpec().getStorage().getPvc().getClaimName()).endPersistentVolumeClaim().endVolume()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private static final String SOURCE_DATA = "source-data";
  private static final String STORAGE = "storage";
}
