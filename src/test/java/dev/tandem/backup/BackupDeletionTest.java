package dev.tandem.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.api.MySQLBackupStatus.BackupPhase;
import dev.tandem.api.MySQLBackup;
import dev.tandem.api.MySQLBackupSpec;
import dev.tandem.api.MySQLBackupStatus;
import dev.tandem.kubernetes.ClusterEvents;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deleting a MySQLBackup whose files cannot be deleted (a bucket nobody answers): the object
 * stays, the failure is reported once, and the deletion Job runs again a minute later, not as
 * soon as the failed one is gone.
 */
@EnableKubernetesMockClient(crud = true)
class BackupDeletionTest {

  KubernetesClient client;
  MySQLBackupReconciler reconciler;
  MySQLBackup backup;

  @BeforeEach
  void aFinishedBackupToABucketBeingDeleted() {
    reconciler = new MySQLBackupReconciler(client, new ClusterEvents(client), new BackupMetrics(new SimpleMeterRegistry()),
        BackupJobTest.OPERATOR_IMAGE);
    backup = BackupJobTest.toBucket(MySQLBackupSpec.BackupMethod.Logical);
    var status = new MySQLBackupStatus();
    status.setPhase(BackupPhase.Completed);
    status.setImage("mariadb:10.11");
    status.setLocation("s3://backups/tandem/prod/shop/nightly");
    backup.setStatus(status);
    backup = client.resource(backup).create();
  }

  @Test
  void aFailedDeletionIsReportedOnceAndRetriedAMinuteAfterItFailedNotAtOnce() {
    var first = reconciler.cleanup(backup, null);
    assertThat(first.isRemoveFinalizer()).isFalse();
    var job = deletionJob();
    var container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(String.join(" ", container.getCommand()) + " " + String.join(" ", container.getArgs())).contains("delete");

    fail(job, Instant.now());
    var afterFailure = reconciler.cleanup(backup, null);
    var again = reconciler.cleanup(backup, null);

    assertThat(afterFailure.isRemoveFinalizer()).isFalse();
    assertThat(afterFailure.getScheduleDelay()).hasValueSatisfying(delay -> assertThat(delay)
        .isBetween(Duration.ofSeconds(50).toMillis(), MySQLBackupReconciler.RETRY_DELETION.toMillis()));
    assertThat(deletionJob().getMetadata().getUid()).as("the failed Job kept until the retry").isEqualTo(job.getMetadata().getUid());
    assertThat(again.getScheduleDelay()).hasValueSatisfying(delay -> assertThat(delay).isGreaterThan(Duration.ofSeconds(50).toMillis()));
    assertThat(deletionFailedEvents()).as("reported once, however often the cleanup runs").isEqualTo(1);

    fail(deletionJob(), Instant.now().minus(MySQLBackupReconciler.RETRY_DELETION).minusSeconds(1));
    var retry = reconciler.cleanup(backup, null);
    assertThat(retry.isRemoveFinalizer()).isFalse();
    assertThat(client.batch().v1().jobs().inNamespace("prod").withName(BackupJob.deletionName(backup)).get())
        .as("the failed Job, deleted once the retry is due").isNull();

    reconciler.cleanup(backup, null);
    assertThat(deletionJob().getMetadata().getUid()).as("the next attempt").isNotEqualTo(job.getMetadata().getUid());
  }

  @Test
  void aFailedJobWhoseFailureCarriesNoTimeIsReportedOnceAndKeptForAMinuteFromWhenItWasSeen() {
    reconciler.cleanup(backup, null);
    var job = deletionJob();
    job.setStatus(new JobStatusBuilder().withFailed(1).build());
    client.batch().v1().jobs().resource(job).updateStatus();

    var seen = reconciler.cleanup(backup, null);
    var again = reconciler.cleanup(backup, null);

    assertThat(seen.getScheduleDelay()).hasValueSatisfying(delay -> assertThat(delay).isGreaterThan(Duration.ofSeconds(50).toMillis()));
    assertThat(again.getScheduleDelay()).hasValueSatisfying(delay -> assertThat(delay).isGreaterThan(Duration.ofSeconds(50).toMillis()));
    assertThat(deletionJob().getMetadata().getUid()).isEqualTo(job.getMetadata().getUid());
    assertThat(deletionFailedEvents()).isEqualTo(1);
  }

  private Job deletionJob() {
    var job = client.batch().v1().jobs().inNamespace("prod").withName(BackupJob.deletionName(backup)).get();
    assertThat(job).as("the deletion Job").isNotNull();
    return job;
  }

  /** As the Job controller records a failed Job, at {@code at}. */
  private void fail(Job job, Instant at) {
    job.setStatus(new JobStatusBuilder().withFailed(1).withConditions(new JobConditionBuilder().withType("Failed").withStatus("True")
        .withLastTransitionTime(at.toString()).build()).build());
    client.batch().v1().jobs().resource(job).updateStatus();
  }

  private long deletionFailedEvents() {
    return client.v1().events().inNamespace("prod").list().getItems().stream()
        .filter(event -> ClusterEvents.Reason.BackupDeletionFailed.name().equals(event.getReason())).count();
  }
}
