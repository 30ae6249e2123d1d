package dev.tandem.backup;

import dev.tandem.api.MySQLBackup;
import dev.tandem.api.MySQLBackupSchedule;
import dev.tandem.api.MySQLBackupScheduleStatus;
import dev.tandem.api.MySQLBackupSpec;
import dev.tandem.kubernetes.ClusterEvents;
import dev.tandem.kubernetes.ClusterLabels;
import dev.tandem.kubernetes.StatusUpdate;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Creates a schedule's MySQLBackups when they are due, never while its previous one still runs
 * (that run is skipped and says so), and deletes the Completed ones retention no longer keeps.
 * A run missed while the operator was down is taken once, late; older missed runs are not.
 */
@ControllerConfiguration(name = MySQLBackupScheduleReconciler.NAME)
public class MySQLBackupScheduleReconciler implements Reconciler<MySQLBackupSchedule> {

  public static final String NAME = "mysqlbackupschedule";
  /** Labels each backup with the schedule that made it. */
  public static final String SCHEDULE_LABEL = "mysql.tandem.dev/schedule";
  /** The time a backup was due, RFC 3339: how late it started can be told. */
  public static final String SCHEDULED_AT = "mysql.tandem.dev/scheduled-at";
  private static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);
  private static final Logger LOG = Logger.getLogger(MySQLBackupScheduleReconciler.class);

  private final KubernetesClient client;
  private final ClusterEvents events;

  public MySQLBackupScheduleReconciler(KubernetesClient client, ClusterEvents events) {
    this.client = client;
    this.events = events;
  }

  @Override
  public List<EventSource<?, MySQLBackupSchedule>> prepareEventSources(EventSourceContext<MySQLBackupSchedule> context) {
    // A backup finishing may let a skipped run's successor start, and retention act.
    var backups = InformerEventSourceConfiguration.from(MySQLBackup.class, MySQLBackupSchedule.class)
        .withLabelSelector(ClusterLabels.MANAGED_SELECTOR)
        .withSecondaryToPrimaryMapper(backup -> Optional.ofNullable(backup.getMetadata().getLabels())
            .map(labels -> labels.get(SCHEDULE_LABEL))
            .map(schedule -> Set.of(new ResourceID(schedule, backup.getMetadata().getNamespace())))
            .orElse(Set.of()))
        .build();
    return List.of(new InformerEventSource<>(backups, context));
  }

  @Override
  public UpdateControl<MySQLBackupSchedule> reconcile(MySQLBackupSchedule schedule, Context<MySQLBackupSchedule> context) {
    var previous = Optional.ofNullable(schedule.getStatus()).orElseGet(MySQLBackupScheduleStatus::new);
    var status = copy(previous);
    var spec = schedule.getSpec();
    var parsed = BackupCron.parse(spec.getSchedule());
    if (parsed.cron().isEmpty()) {
      status.setNextScheduleTime(null);
      status.setMessage(parsed.error());
      if (!parsed.error().equals(previous.getMessage())) {
        LOG.warnf("backup schedule %s/%s: %s", schedule.getMetadata().getNamespace(), schedule.getMetadata().getName(), parsed.error());
        events.warning(schedule, ClusterEvents.Reason.InvalidSchedule, parsed.error());
      }
      writeStatus(schedule, previous, status);
      return UpdateControl.noUpdate();
    }
    var cron = parsed.cron().get();
    var now = Instant.now();
    var backups = client.resources(MySQLBackup.class).inNamespace(schedule.getMetadata().getNamespace())
        .withLabel(SCHEDULE_LABEL, schedule.getMetadata().getName()).list().getItems();
    expire(schedule, backups, now);

    if (spec.isSuspend()) {
      status.setNextScheduleTime(null);
      status.setMessage("suspended: no new backups until spec.suspend is false");
      writeStatus(schedule, previous, status);
      return UpdateControl.noUpdate();
    }
    var since = Optional.ofNullable(previous.getLastScheduleTime()).map(Instant::parse)
        .orElseGet(() -> Instant.parse(schedule.getMetadata().getCreationTimestamp()));
    var due = cron.lastDue(now).filter(time -> time.isAfter(since));
    if (due.isPresent()) {
      run(schedule, backups, due.get(), status);
    }
    var next = cron.next(now).orElse(null);
    status.setNextScheduleTime(next == null ? null : next.toString());
    writeStatus(schedule, previous, status);
    return next == null ? UpdateControl.noUpdate()
        : UpdateControl.<MySQLBackupSchedule>noUpdate().rescheduleAfter(Duration.between(now, next).plusMillis(50));
  }

  private void run(MySQLBackupSchedule schedule, List<MySQLBackup> backups, Instant due, MySQLBackupScheduleStatus status) {
    String namespace = schedule.getMetadata().getNamespace();
    status.setLastScheduleTime(due.toString());
    var unfinished = backups.stream().filter(backup -> backup.getStatus() == null || !backup.getStatus().isFinished()).findFirst();
    if (unfinished.isPresent()) {
      String message = "skipped the run due at " + due + ": backup " + unfinished.get().getMetadata().getName()
          + " of this schedule has not finished";
      status.setMessage(message);
      LOG.warnf("backup schedule %s/%s: %s", namespace, schedule.getMetadata().getName(), message);
      events.warning(schedule, ClusterEvents.Reason.BackupSkipped, message);
      return;
    }
    var backup = new MySQLBackup();
    String name = schedule.getMetadata().getName() + "-" + NAME_TIME.format(due);
    backup.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace)
        .withLabels(Map.of(SCHEDULE_LABEL, schedule.getMetadata().getName(), ClusterLabels.MANAGED_BY, ClusterLabels.MANAGER))
        .withAnnotations(Map.of(SCHEDULED_AT, due.toString()))
        .build());
    var spec = new MySQLBackupSpec();
    spec.setClusterRef(schedule.getSpec().getClusterRef());
    spec.setMethod(schedule.getSpec().getMethod());
    spec.setSource(schedule.getSpec().getSource());
    spec.setStorage(schedule.getSpec().getStorage());
    backup.setSpec(spec);
    try {
      client.resource(backup).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // Created by an earlier pass whose status write was lost: the run was taken.
    }
    status.setLastBackup(name);
    status.setMessage("took backup " + name + " (due at " + due + ")");
    events.normal(schedule, ClusterEvents.Reason.BackupScheduled, "Created backup " + name + ", due at " + due);
  }

  private void expire(MySQLBackupSchedule schedule, List<MySQLBackup> backups, Instant now) {
    for (var backup : Retention.expired(backups, schedule.getSpec().getRetention(), now)) {
      String message = "Backup " + backup.getMetadata().getName() + " (started " + backup.getStatus().getStartedAt()
          + ") is past retention; deleting it and its files";
      LOG.infof("backup schedule %s/%s: %s", schedule.getMetadata().getNamespace(), schedule.getMetadata().getName(), message);
      events.normal(schedule, ClusterEvents.Reason.BackupExpired, message);
      client.resource(backup).delete();
    }
  }

  private void writeStatus(MySQLBackupSchedule schedule, MySQLBackupScheduleStatus previous, MySQLBackupScheduleStatus status) {
    if (status.equals(previous)) {
      return;
    }
    // A conflict brings a newer version to this reconciler, which decides again; the created
    // backup's name is fixed by its due time, so a second pass cannot take the run twice.
    StatusUpdate.put(client, schedule, status, MySQLBackupSchedule::new);
  }

  private static MySQLBackupScheduleStatus copy(MySQLBackupScheduleStatus status) {
    var copy = new MySQLBackupScheduleStatus();
    copy.setLastScheduleTime(status.getLastScheduleTime());
    copy.setNextScheduleTime(status.getNextScheduleTime());
    copy.setLastBackup(status.getLastBackup());
    copy.setMessage(status.getMessage());
    return copy;
  }
}
