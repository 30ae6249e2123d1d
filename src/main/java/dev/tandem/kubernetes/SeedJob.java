package dev.tandem.kubernetes;

import dev.tandem.api.Flavor;
import dev.tandem.api.MySQLCluster;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Job that sends one waiting instance a copy of a donor (seed.sh): the cluster's image, so
 * mariadb-backup matches the donor's server. For MariaDB it runs on the donor's node and reads
 * the donor's volume, as a physical backup does; MySQL's clone needs neither. It runs once: a
 * failed copy is seen by the control loop, which starts a new Job while the instance still waits.
 * No resources are requested: on the donor's node, sized for its mysqld, a Job asking for as much
 * again would not be admitted.
 */
public final class SeedJob {

  public static final String CONTAINER = "seed";
  /** The receiving Pod's name and uid: a Job for a Pod since replaced is not the one it waits for. */
  public static final String RECEIVER_LABEL = "mysql.tandem.dev/seed-receiver";
  public static final String RECEIVER_UID_LABEL = "mysql.tandem.dev/seed-receiver-uid";
  public static final String DONOR_LABEL = "mysql.tandem.dev/seed-donor";
  /** Finished Jobs are collected by the Job controller; the Events and the operator's log keep the story. */
  static final int TTL_SECONDS_AFTER_FINISHED = 600;
  /** A copy still running after this (a Job stuck Pending on the donor's node, a stalled stream) fails, and a new one starts. */
  static final long DEADLINE_SECONDS = 6 * 3600L;
  private static final String DONOR_DATA = "donor-data";

  private SeedJob() {}

  public static String name(String receiver) {
    return receiver + "-seed";
  }

  public static Job desired(MySQLCluster cluster, Pod receiver, Pod donor) {
    var engine = cluster.getSpec().getEngine();
    boolean readsDonorVolume = engine.getFlavor() == Flavor.MariaDB;
    String receiverName = receiver.getMetadata().getName();
    var container = new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(engine.effectiveImage())
        .withCommand("bash", StatefulSetDependent.CONFIG_DIR + "/" + ConfigMapDependent.SEED_SCRIPT)
        .withEnv(
            EnvVars.plain("RECEIVER_HOST", receiver.getStatus().getPodIP()),
            EnvVars.plain("RECEIVER_POD", receiverName),
            EnvVars.plain("SEED_PORT", Integer.toString(Seeding.PORT)),
            EnvVars.plain("DONOR_HOST", donor.getStatus().getPodIP()),
            EnvVars.plain("DONOR_PORT", Integer.toString(MyCnf.PORT)),
            EnvVars.plain("TANDEM_FLAVOR", engine.getFlavor().name()),
            EnvVars.plain("BACKUP_USER", StatefulSetDependent.BACKUP_USER),
            EnvVars.credential(cluster, "REPLICATION_PASSWORD", CredentialsSecret.REPLICATION_PASSWORD),
            EnvVars.credential(cluster, "BACKUP_PASSWORD", CredentialsSecret.BACKUP_PASSWORD))
        .addNewVolumeMount().withName("config").withMountPath(StatefulSetDependent.CONFIG_DIR).endVolumeMount()
        .build();
    var volumes = new ArrayList<>(List.of(new VolumeBuilder().withName("config").withNewConfigMap()
        .withName(ClusterNames.configMap(cluster)).endConfigMap().build()));
    if (readsDonorVolume) {
      container.getVolumeMounts().add(new VolumeMountBuilder().withName(DONOR_DATA).withMountPath(MyCnf.DATA_DIR).withReadOnly(true).build());
      volumes.add(new VolumeBuilder().withName(DONOR_DATA).withNewPersistentVolumeClaim()
          .withClaimName(StatefulSetDependent.DATA_VOLUME + "-" + donor.getMetadata().getName()).withReadOnly(true)
          .endPersistentVolumeClaim().build());
    }
    ClientTls.addTo(cluster, container, volumes);
    var labels = labels(cluster, receiver, donor);
    return new JobBuilder()
        .withNewMetadata()
        .withName(name(receiverName))
        .withNamespace(cluster.getMetadata().getNamespace())
        .withLabels(labels)
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(cluster.getApiVersion()).withKind(cluster.getKind())
            .withName(cluster.getMetadata().getName()).withUid(cluster.getMetadata().getUid()).build())
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(0)
        .withActiveDeadlineSeconds(DEADLINE_SECONDS)
        .withTtlSecondsAfterFinished(TTL_SECONDS_AFTER_FINISHED)
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withAutomountServiceAccountToken(false)
        .withNodeName(readsDonorVolume && donor.getSpec() != null ? donor.getSpec().getNodeName() : null)
        .withNewSecurityContext()
        .withRunAsUser(StatefulSetDependent.MYSQL_UID)
        .withRunAsGroup(StatefulSetDependent.MYSQL_UID)
        .withFsGroup(StatefulSetDependent.MYSQL_UID)
        .withRunAsNonRoot(true)
        .endSecurityContext()
        .withContainers(container)
        .withVolumes(volumes)
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /** Not app.kubernetes.io/instance: that label makes a Pod one of the cluster's instances for the operator's selectors. */
  private static Map<String, String> labels(MySQLCluster cluster, Pod receiver, Pod donor) {
    var labels = new LinkedHashMap<String, String>();
    labels.put(ClusterLabels.NAME, "mysql-seed");
    labels.put(ClusterLabels.PART_OF, "tandem");
    labels.put(ClusterLabels.MANAGED_BY, ClusterLabels.MANAGER);
    labels.put("mysql.tandem.dev/cluster", cluster.getMetadata().getName());
    labels.put(RECEIVER_LABEL, receiver.getMetadata().getName());
    labels.put(RECEIVER_UID_LABEL, receiver.getMetadata().getUid());
    labels.put(DONOR_LABEL, donor.getMetadata().getName());
    return labels;
  }
}
