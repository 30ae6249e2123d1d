package dev.tandem.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.UUID;
import org.jboss.logging.Logger;

/** The one writer of Kubernetes Events about clusters, backups and schedules. */
@ApplicationScoped
public class ClusterEvents {

  private static final Logger LOG = Logger.getLogger(ClusterEvents.class);
  static final String COMPONENT = "tandem-operator";

  /** Why an Event was emitted; the enum names are the Event reasons users filter on. */
  public enum Reason {
    InvalidSpec,
    SpecAccepted,
    CredentialsGenerated,
    Bootstrapped,
    Failover,
    Switchover,
    /** The old master could not be made read-only, so its Pod was deleted. */
    Fenced,
    FailoverNeeded,
    FailoverHeld,
    MasterRestored,
    ReplicaCutOff,
    ReplicaBounded,
    ReplicaReadmitted,
    Errant,
    ReplicationBroken,
    BackupStarted,
    BackupCompleted,
    BackupFailed,
    BackupDeleted,
    BackupDeletionFailed,
    InvalidSchedule,
    BackupScheduled,
    BackupSkipped,
    BackupExpired,
    /** A Pod deleted by a rollout to take a new template or a setting mysqld reads at start only. */
    RollingRestart,
    SettingsApplied,
    SettingRefused,
    /** An instance with an empty data directory gets a donor's copy. */
    Seeding,
    SeedWaiting,
    SeedFailed,
    /** An instance loaded a renewed certificate from its Secret, without a restart. */
    CertificateReloaded,
    /** The TLS Secret the instances mount cannot be served: the instances keep the certificate they have. */
    CertificateInvalid,
    /** A person asked to re-seed an instance (annotation mysql.tandem.dev/reseed). */
    Reseeding,
    Reseeded,
    ReseedRefused,
    /** A MySQLDatabase, MySQLUser or MySQLGrant created or changed on the master as its spec asks. */
    Applied,
    /** What the server held differed from what a MySQLDatabase, MySQLUser or MySQLGrant asks (a change by hand). */
    DriftReverted,
    Dropped,
    Retained
  }

  private final KubernetesClient client;

  public ClusterEvents(KubernetesClient client) {
    this.client = client;
  }

  /** An Event about a MySQLCluster or a MySQLBackup. */
  public void normal(HasMetadata object, Reason reason, String message) {
    emit(object, "Normal", reason, message);
  }

  public void warning(HasMetadata object, Reason reason, String message) {
    emit(object, "Warning", reason, message);
  }

  private void emit(HasMetadata object, String type, Reason reason, String message) {
    String now = Instant.now().toString();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withName(object.getMetadata().getName() + "." + UUID.randomUUID())
            .withNamespace(object.getMetadata().getNamespace())
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
                    .withApiVersion(object.getApiVersion())
                    .withKind(object.getKind())
                    .withName(object.getMetadata().getName())
                    .withNamespace(object.getMetadata().getNamespace())
                    .withUid(object.getMetadata().getUid())
                    .build())
            .withType(type)
            .withReason(reason.name())
            .withMessage(message)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .build();
    try {
      client.v1().events().inNamespace(object.getMetadata().getNamespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      // An Event is a courtesy; failing to record one must not fail the reconcile.
      LOG.warnf("%s %s/%s: could not record Event %s: %s",
          object.getKind(), object.getMetadata().getNamespace(), object.getMetadata().getName(), reason, e.getMessage());
    }
  }
}
