package dev.tandem.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.api.MySQLBackup;
import dev.tandem.api.MySQLBackupStatus;
import dev.tandem.api.MySQLBackupStatus.BackupPhase;
import dev.tandem.api.MySQLCluster;
import dev.tandem.kubernetes.BackupStorageCheck;
import dev.tandem.kubernetes.ClusterEvents;
import dev.tandem.kubernetes.ClusterLabels;
import dev.tandem.kubernetes.RestoreSource;
import dev.tandem.kubernetes.S3Transfer;
import dev.tandem.kubernetes.StatusUpdate;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Takes each MySQLBackup once: picks its source from the cluster's status, runs its Job, and
 * records the outcome read from the Job's log. A finished backup is never touched again. One
 * backup of a cluster runs at a time; the others wait as Pending.
 */
@ControllerConfiguration(name = MySQLBackupReconciler.NAME)
public class MySQLBackupReconciler implements Reconciler<MySQLBackup>, Cleaner<MySQLBackup> {

  public static final String NAME = "mysqlbackup";
  static final Duration RECHECK_PENDING = Duration.ofSeconds(5);
  static final Duration RECHECK_DELETION = Duration.ofSeconds(2);
  static final Duration RETRY_DELETION = Duration.ofSeconds(60);
  private static final Logger LOG = Logger.getLogger(MySQLBackupReconciler.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final ClusterEvents events;
  private final BackupMetrics metrics;
  /** Starting a backup is serialized per cluster, so two created at once never both run. */
  private final Map<String, Object> startLocks = new ConcurrentHashMap<>();
  /**
   * When each failed deletion Job was first seen failed, by uid: it is logged and reported in an
   * Event then, once, and retried a minute after (counted from here when the Job's Failed
   * condition carries no time).
   */
  private final Map<String, Instant> failedDeletionsSeen = new ConcurrentHashMap<>();

  private final String operatorImage;

  public MySQLBackupReconciler(KubernetesClient client, ClusterEvents events, BackupMetrics metrics,
      @ConfigProperty(name = S3Transfer.OPERATOR_IMAGE_SETTING) String operatorImage) {
    this.client = client;
    this.events = events;
    this.metrics = metrics;
    this.operatorImage = operatorImage;
  }

  @Override
  public List<EventSource<?, MySQLBackup>> prepareEventSources(EventSourceContext<MySQLBackup> context) {
    var jobs = InformerEventSourceConfiguration.from(Job.class, MySQLBackup.class)
        .withLabelSelector(ClusterLabels.MANAGED_SELECTOR)
        .build();
    return List.of(new InformerEventSource<>(jobs, context));
  }

  @Override
  public UpdateControl<MySQLBackup> reconcile(MySQLBackup backup, Context<MySQLBackup> context) {
    var status = Optional.ofNullable(backup.getStatus()).orElseGet(MySQLBackupStatus::new);
    if (status.isFinished()) {
      return UpdateControl.noUpdate();
    }
    var job = context.getSecondaryResourcesAsStream(Job.class)
        .filter(candidate -> candidate.getMetadata().getName().equals(BackupJob.name(backup))).findFirst();
    if (job.isPresent()) {
      follow(backup, status, job.get());
      return UpdateControl.noUpdate();
    }
    if (status.getPhase() == BackupPhase.Running) {
      finish(backup, status, BackupPhase.Failed, "its Job " + BackupJob.name(backup) + " was deleted before it finished");
      return UpdateControl.noUpdate();
    }
    String lockKey = backup.getMetadata().getNamespace() + "/" + backup.getSpec().getClusterRef().getName();
    synchronized (startLocks.computeIfAbsent(lockKey, key -> new Object())) {
      return start(backup, status);
    }
  }

  private UpdateControl<MySQLBackup> start(MySQLBackup backup, MySQLBackupStatus status) {
    String namespace = backup.getMetadata().getNamespace();
    String clusterName = backup.getSpec().getClusterRef().getName();
    var cluster = client.resources(MySQLCluster.class).inNamespace(namespace).withName(clusterName).get();
    if (cluster == null) {
      finish(backup, status, BackupPhase.Failed, "MySQLCluster " + clusterName + " not found in namespace " + namespace);
      return UpdateControl.noUpdate();
    }
    var running = client.resources(MySQLBackup.class).inNamespace(namespace).list().getItems().stream()
        .filter(other -> !other.getMetadata().getName().equals(backup.getMetadata().getName()))
        .filter(other -> clusterName.equals(other.getSpec().getClusterRef().getName()))
        .filter(other -> other.getStatus() != null && other.getStatus().getPhase() == BackupPhase.Running)
        .findFirst();
    if (running.isPresent()) {
      status.setPhase(BackupPhase.Pending);
      status.setMessage("waiting for backup " + running.get().getMetadata().getName() + " of cluster " + clusterName
          + " to finish: one backup of a cluster runs at a time");
      writeStatus(backup, status);
      return UpdateControl.<MySQLBackup>noUpdate().rescheduleAfter(RECHECK_PENDING);
    }
    var storageProblem = BackupStorageCheck.problem(client, namespace, backup.getSpec().getStorage(), "spec.storage");
    if (storageProblem.isPresent()) {
      finish(backup, status, BackupPhase.Failed, storageProblem.get());
      return UpdateControl.noUpdate();
    }
    var choice = BackupSources.choose(cluster, backup.getSpec().getSource());
    if (choice.instance().isEmpty() && choice.waits()) {
      status.setPhase(BackupPhase.Pending);
      status.setMessage(choice.reason());
      writeStatus(backup, status);
      return UpdateControl.<MySQLBackup>noUpdate().rescheduleAfter(RECHECK_PENDING);
    }
    if (choice.instance().isEmpty()) {
      finish(backup, status, BackupPhase.Failed, "refused: " + choice.reason());
      return UpdateControl.noUpdate();
    }
    String source = choice.instance().get();
    var pod = client.pods().inNamespace(namespace).withName(source).get();
    String address = pod == null || pod.getStatus() == null ? null : pod.getStatus().getPodIP();
    if (address == null || address.isEmpty()) {
      finish(backup, status, BackupPhase.Failed, "refused: source " + source + " has no Pod IP");
      return UpdateControl.noUpdate();
    }
    var previous = previousBackup(backup);
    var job = BackupJob.desired(backup, cluster, pod, operatorImage, previous);
    job.addOwnerReference(backup);
    client.resource(job).create();
    status.setPhase(BackupPhase.Running);
    status.setSource(source);
    status.setStartedAt(Instant.now().toString());
    status.setLocation(BackupJob.location(backup));
    status.setImage(cluster.getSpec().getEngine().effectiveImage());
    status.setFlavor(cluster.getSpec().getEngine().getFlavor());
    status.setBinlogsSince(previous.map(before -> before.getMetadata().getName()).orElse(null));
    status.setMessage("taking a " + backup.getSpec().getMethod() + " backup from " + choice.reason());
    status.setConditions(List.of(condition("False", "Running", status.getMessage())));
    writeStatus(backup, status);
    LOG.infof("backup %s/%s of cluster %s: started from %s to %s", namespace, backup.getMetadata().getName(), clusterName,
        choice.reason(), status.getLocation());
    metrics.started(namespace, clusterName);
    events.normal(backup, ClusterEvents.Reason.BackupStarted,
        "Backup of " + clusterName + " from " + choice.reason() + " to " + status.getLocation());
    return UpdateControl.noUpdate();
  }

  /**
   * Deleting a MySQLBackup deletes its files: a Job with the image the backup ran with removes its
   * directory (and a partial one), and only then does the object go. A backup that never wrote
   * anything goes at once. If the files cannot be deleted, the object stays and says why.
   */
  @Override
  public DeleteControl cleanup(MySQLBackup backup, Context<MySQLBackup> context) {
    var status = backup.getStatus();
    if (status == null || status.getImage() == null) {
      return DeleteControl.defaultDelete();
    }
    String namespace = backup.getMetadata().getNamespace();
    var jobs = client.batch().v1().jobs().inNamespace(namespace);
    var running = jobs.withName(BackupJob.name(backup)).get();
    if (running != null && !isFinished(running) && running.getMetadata().getDeletionTimestamp() == null) {
      // A backup still writing is stopped first, or its files would appear after they were deleted.
      jobs.withName(BackupJob.name(backup)).delete();
    }
    var deletion = jobs.withName(BackupJob.deletionName(backup)).get();
    if (deletion == null) {
      var job = BackupJob.deletion(backup, status.getImage(), operatorImage);
      job.addOwnerReference(backup);
      client.resource(job).create();
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(RECHECK_DELETION);
    }
    if (succeeded(deletion)) {
      LOG.infof("backup %s/%s: deleted with its files at %s", namespace, backup.getMetadata().getName(), status.getLocation());
      events.normal(backup, ClusterEvents.Reason.BackupDeleted, "Deleted the files at " + status.getLocation());
      return DeleteControl.defaultDelete();
    }
    if (failed(deletion)) {
      if (deletion.getMetadata().getDeletionTimestamp() != null) {
        // Deleted for the retry and not gone yet: the next attempt starts once it is.
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(RECHECK_DELETION);
      }
      // The failed Job stays until the retry is due: deleting it at once would wake this cleanup
      // (a Job event) to start the next attempt straight away, a Pod every few seconds for as
      // long as the storage is unreachable.
      var now = Instant.now();
      String uid = deletion.getMetadata().getUid();
      var seen = failedDeletionsSeen.get(uid);
      var retryAt = failedAt(deletion).or(() -> Optional.ofNullable(seen)).orElse(now).plus(RETRY_DELETION);
      if (seen == null) {
        String reason = lastLines(String.join("", logs(backup, BackupJob.deletionName(backup))));
        LOG.warnf("backup %s/%s: its files at %s could not be deleted (%s); retrying at %s", namespace,
            backup.getMetadata().getName(), status.getLocation(), reason, retryAt);
        events.warning(backup, ClusterEvents.Reason.BackupDeletionFailed, "Could not delete the files at " + status.getLocation()
            + ": " + reason + "; retrying at " + retryAt + ", the MySQLBackup stays until they are gone");
        failedDeletionsSeen.put(uid, now);
      }
      if (now.isBefore(retryAt)) {
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.between(now, retryAt));
      }
      jobs.withName(BackupJob.deletionName(backup)).delete();
      failedDeletionsSeen.remove(uid);
    }
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(RECHECK_DELETION);
  }

  /** When the Job's Failed condition became true, as the Job controller recorded it. */
  private static Optional<Instant> failedAt(Job job) {
    return job.getStatus().getConditions() == null ? Optional.empty() : job.getStatus().getConditions().stream()
        .filter(condition -> "Failed".equals(condition.getType()) && "True".equals(condition.getStatus()))
        .map(condition -> condition.getLastTransitionTime()).filter(time -> time != null).findFirst().map(Instant::parse);
  }

  private void follow(MySQLBackup backup, MySQLBackupStatus status, Job job) {
    if (!isFinished(job)) {
      return;
    }
    var logs = logs(backup, BackupJob.name(backup));
    String log = String.join("", logs);
    if (failed(job)) {
      // The last container that printed anything is the one that failed (an upload after a dump).
      finish(backup, status, BackupPhase.Failed, "the backup Job failed: " + lastLines(logs.isEmpty() ? "" : logs.get(logs.size() - 1)));
      return;
    }
    var result = Arrays.stream(log.split("\n")).filter(line -> line.startsWith(BackupJob.RESULT_PREFIX)).reduce((a, b) -> b);
    if (result.isEmpty()) {
      finish(backup, status, BackupPhase.Failed, "the backup Job succeeded but reported no result: " + lastLines(log));
      return;
    }
    try {
      JsonNode fields = JSON.readTree(result.get().substring(BackupJob.RESULT_PREFIX.length()));
      status.setGtidPosition(fields.path("gtidPosition").asText());
      status.setBinlogFile(fields.path("binlogFile").asText());
      status.setBinlogPosition(fields.path("binlogPosition").asLong());
      status.setSizeBytes(fields.path("sizeBytes").asLong());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      finish(backup, status, BackupPhase.Failed, "the backup Job's result is unreadable: " + result.get());
      return;
    }
    finish(backup, status, BackupPhase.Completed, "complete at GTID position '" + status.getGtidPosition() + "'");
  }

  private void finish(MySQLBackup backup, MySQLBackupStatus status, BackupPhase phase, String message) {
    String namespace = backup.getMetadata().getNamespace();
    String cluster = backup.getSpec().getClusterRef().getName();
    var finished = Instant.now();
    status.setPhase(phase);
    status.setMessage(message);
    status.setFinishedAt(finished.toString());
    boolean completed = phase == BackupPhase.Completed;
    status.setConditions(List.of(condition(completed ? "True" : "False", completed ? "Completed" : "Failed", message)));
    if (!writeStatus(backup, status)) {
      return;
    }
    var took = status.getStartedAt() == null ? Duration.ZERO : Duration.between(Instant.parse(status.getStartedAt()), finished);
    String line = "backup " + namespace + "/" + backup.getMetadata().getName() + " of cluster " + cluster + ": " + phase
        + (status.getSource() == null ? "" : ", from " + status.getSource()) + ", in " + took.toMillis() + " ms: " + message;
    if (completed) {
      LOG.info(line + ", " + status.getSizeBytes() + " bytes at " + status.getLocation());
      events.normal(backup, ClusterEvents.Reason.BackupCompleted, "Backup of " + cluster + " from " + status.getSource()
          + " complete in " + took.toMillis() + " ms: " + status.getSizeBytes() + " bytes, GTID position '"
          + status.getGtidPosition() + "', at " + status.getLocation());
      metrics.succeeded(namespace, cluster, finished, took, status.getSizeBytes());
    } else {
      LOG.warn(line);
      events.warning(backup, ClusterEvents.Reason.BackupFailed, "Backup of " + cluster + " failed: " + message);
      metrics.failed(namespace, cluster);
    }
  }

  private boolean writeStatus(MySQLBackup backup, MySQLBackupStatus status) {
    try {
      var written = StatusUpdate.put(client, backup, status, MySQLBackup::new);
      backup.getMetadata().setResourceVersion(written.getMetadata().getResourceVersion());
      backup.setStatus(status);
      return true;
    } catch (KubernetesClientException e) {
      // A conflict means a newer version is on its way to this reconciler: it decides again then.
      LOG.debugf("backup %s/%s: status not written (%s); the next reconcile retries", backup.getMetadata().getNamespace(),
          backup.getMetadata().getName(), e.getMessage());
      return false;
    }
  }

  /** The cluster's newest Completed backup in the same storage: the binary log archive starts at its position. */
  private Optional<MySQLBackup> previousBackup(MySQLBackup backup) {
    return client.resources(MySQLBackup.class).inNamespace(backup.getMetadata().getNamespace()).list().getItems().stream()
        .filter(other -> other.getSpec().getClusterRef().getName().equals(backup.getSpec().getClusterRef().getName()))
        .filter(other -> other.getStatus() != null && other.getStatus().getPhase() == BackupPhase.Completed)
        .filter(other -> other.getStatus().getFinishedAt() != null && other.getStatus().getGtidPosition() != null)
        .filter(other -> RestoreSource.sameStorage(other.getSpec().getStorage(), backup.getSpec().getStorage()))
        .max(Comparator.comparing(other -> Instant.parse(other.getStatus().getFinishedAt())));
  }

  /** What the Pod of one of the backup's Jobs printed, per container that printed: init containers first. */
  private List<String> logs(MySQLBackup backup, String jobName) {
    var pods = client.pods().inNamespace(backup.getMetadata().getNamespace()).withLabel("job-name", jobName).list().getItems();
    var logs = new ArrayList<String>();
    for (Pod pod : pods) {
      var containers = new ArrayList<Container>(Optional.ofNullable(pod.getSpec().getInitContainers()).orElse(List.of()));
      containers.addAll(pod.getSpec().getContainers());
      for (var container : containers) {
        try {
          Optional.ofNullable(client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
              .inContainer(container.getName()).getLog()).filter(log -> !log.isBlank()).ifPresent(logs::add);
        } catch (KubernetesClientException e) {
          LOG.debugf("backup %s: no log from %s/%s: %s", backup.getMetadata().getName(), pod.getMetadata().getName(),
              container.getName(), e.getMessage());
        }
      }
      if (!logs.isEmpty()) {
        break;
      }
    }
    return logs;
  }

  private static boolean isFinished(Job job) {
    return succeeded(job) || failed(job);
  }

  private static boolean succeeded(Job job) {
    return job.getStatus() != null && job.getStatus().getSucceeded() != null && job.getStatus().getSucceeded() > 0;
  }

  private static boolean failed(Job job) {
    return job.getStatus() != null && job.getStatus().getFailed() != null && job.getStatus().getFailed() > 0;
  }

  /** The log's last lines, without the result line: what a failure message needs. */
  private static String lastLines(String log) {
    var lines = Arrays.stream(log.split("\n")).map(String::strip)
        .filter(line -> !line.isEmpty() && !line.startsWith(BackupJob.RESULT_PREFIX)).toList();
    return lines.isEmpty() ? "(no log)" : String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
  }

  private static Condition condition(String status, String reason, String message) {
    return new ConditionBuilder().withType("Complete").withStatus(status).withReason(reason).withMessage(message)
        .withLastTransitionTime(Instant.now().toString()).build();
  }
}
