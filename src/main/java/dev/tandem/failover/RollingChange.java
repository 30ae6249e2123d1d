package dev.tandem.failover;

import dev.tandem.api.MySQLBackup;
import dev.tandem.api.MySQLBackupStatus;
import dev.tandem.api.MySQLCluster;
import dev.tandem.kubernetes.ClusterEvents;
import dev.tandem.kubernetes.ClusterStatusAggregator;
import dev.tandem.kubernetes.MyCnf;
import dev.tandem.kubernetes.StatefulSetDependent;
import dev.tandem.replication.ClusterView;
import dev.tandem.replication.Endpoint;
import dev.tandem.replication.GtidSet;
import dev.tandem.replication.InstanceSnapshot;
import dev.tandem.replication.ReplicationStatus;
import dev.tandem.replication.RuntimeSettings;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Carries a spec change to the running instances: settings mysqld can change at runtime are set
 * there (and the Pod's annotation says it runs them), everything else restarts the Pods in the
 * order {@link Rollout} decides. What it remembers between passes only saves work (which settings
 * the server refused at runtime) or makes a check stricter (the master's GTID set one pass ago):
 * an operator restarted mid-rollout decides from the Pods and the servers alone.
 */
final class RollingChange {

  private static final Logger LOG = Logger.getLogger(RollingChange.class);

  private final ResourceID id;
  private final KubernetesClient client;
  private final ClusterEvents events;
  /** Settings a server said it cannot change while running: a restart is the only way for them. */
  private final Set<String> restartOnly = new HashSet<>();
  /** Refusals already reported as an Event, so a refused value is one Event, not one per pass. */
  private final Set<String> reportedRefusals = new HashSet<>();
  /** Uids of the Pods this loop deleted for a restart. */
  private final Set<String> deleted = new HashSet<>();
  private Optional<String> lastMaster = Optional.empty();
  private Optional<GtidSet> lastMasterExecuted = Optional.empty();

  RollingChange(ResourceID id, KubernetesClient client, ClusterEvents events) {
    this.id = id;
    this.client = client;
    this.events = events;
  }

  /**
   * Applies the runtime settings each reachable instance lacks, then decides the rollout's next
   * step; empty while the StatefulSet predates the annotations a rollout compares.
   *
   * @param successors who may take over the master's role, best first
   * @param unhealthy why nothing may restart now, if so
   */
  Optional<Rollout.Decision> decide(MySQLCluster cluster, Optional<StatefulSet> statefulSet, Map<String, Pod> podsByName,
      ClusterView view, String master, List<String> successors, Optional<String> unhealthy, RuntimeSettings runtime) {
    var template = statefulSet.map(sts -> sts.getSpec().getTemplate().getMetadata().getAnnotations()).orElse(Map.of());
    String wantedHash = template.get(StatefulSetDependent.RESTART_HASH);
    if (wantedHash == null) {
      return Optional.empty();
    }
    var wanted = StatefulSetDependent.settingsOf(template);
    var refusals = new ArrayList<String>();
    var members = new ArrayList<Rollout.Member>();
    var masterExecuted = view.snapshot(master).server().map(InstanceSnapshot.ServerState::executed);
    if (!lastMaster.equals(Optional.of(master))) {
      lastMasterExecuted = Optional.empty();
    }
    deleted.retainAll(podsByName.values().stream().map(pod -> pod.getMetadata().getUid()).collect(Collectors.toSet()));
    Set<String> backupSources = null;
    for (String name : view.desired().names()) {
      var pod = Optional.ofNullable(podsByName.get(name));
      var snapshot = view.snapshot(name);
      boolean updated = pod.filter(p -> wantedHash.equals(annotations(p).get(StatefulSetDependent.RESTART_HASH)))
          .filter(p -> runsWantedSettings(cluster, p, snapshot, wanted, runtime, refusals))
          .isPresent();
      boolean ready = pod.filter(p -> !ClusterMonitor.isTerminating(p) && !deleted.contains(p.getMetadata().getUid())
          && ClusterStatusAggregator.isReady(p)).isPresent();
      if (!updated && backupSources == null) {
        backupSources = backupSources(cluster, view.desired().names());
      }
      members.add(new Rollout.Member(name, view.desired().ordinal(name), updated, view.desired().offline().contains(name), ready,
          name.equals(master) || caughtUp(snapshot, view.desired().members().get(master)),
          backupSources != null && backupSources.contains(name)));
    }
    lastMaster = Optional.of(master);
    lastMasterExecuted = masterExecuted;
    var blocked = refusals.isEmpty() ? unhealthy.map(reason -> "the cluster is not healthy: " + reason)
        : Optional.of(String.join("; ", refusals) + "; fix spec.mysqld");
    return Optional.of(Rollout.next(new Rollout.Input(members, master, successors, blocked, cluster.getSpec().getFailover().isAutomatic())));
  }

  /**
   * Deletes the Pod: the StatefulSet (updateStrategy OnDelete) creates it again from the current
   * template. Its uid is kept so that a pass reading a cache that does not show the deletion yet
   * does not delete the new Pod too.
   */
  void restart(MySQLCluster cluster, Pod pod, Rollout.Decision decision) {
    String instance = pod.getMetadata().getName();
    if (!deleted.add(pod.getMetadata().getUid())) {
      return;
    }
    LOG.infof("cluster %s: rolling restart: %s", id, decision.message());
    events.normal(cluster, ClusterEvents.Reason.RollingRestart, "Restarting " + instance + " to apply the spec ("
        + decision.updated() + "/" + decision.total() + " instances updated)");
    try {
      client.pods().inNamespace(cluster.getMetadata().getNamespace()).resource(pod).delete();
    } catch (KubernetesClientException e) {
      deleted.remove(pod.getMetadata().getUid());
      LOG.warnf("cluster %s: could not delete Pod %s for its restart: %s", id, instance, e.getMessage());
    }
  }

  /** The Pod was created from another template than the StatefulSet's current one. */
  static boolean runsOutdatedTemplate(Pod pod, Optional<StatefulSet> statefulSet) {
    var wanted = statefulSet.map(sts -> sts.getSpec().getTemplate().getMetadata().getAnnotations())
        .map(annotations -> annotations.get(StatefulSetDependent.RESTART_HASH));
    return pod != null && wanted.isPresent() && !wanted.get().equals(annotations(pod).get(StatefulSetDependent.RESTART_HASH));
  }

  /**
   * Whether the Pod's mysqld runs the wanted spec.mysqld, after setting at runtime what it lacks
   * and the server can change: false when one of them can only be taken by a restart, or the
   * server cannot be reached to find out. A refused value is added to {@code refusals}.
   */
  private boolean runsWantedSettings(MySQLCluster cluster, Pod pod, InstanceSnapshot snapshot, Map<String, String> wanted,
      RuntimeSettings runtime, List<String> refusals) {
    var running = StatefulSetDependent.settingsOf(annotations(pod));
    var changed = new TreeSet<String>();
    changed.addAll(wanted.keySet());
    changed.addAll(running.keySet());
    changed.removeIf(key -> Objects.equals(wanted.get(key), running.get(key)));
    if (changed.isEmpty()) {
      return true;
    }
    if (!snapshot.isReachable() || changed.stream().anyMatch(restartOnly::contains)) {
      return false;
    }
    // A setting spec.mysqld no longer names goes back to Tandem's own value, or the server's default.
    var base = MyCnf.settings(cluster.getSpec(), Map.of());
    var values = new LinkedHashMap<String, Optional<String>>();
    changed.forEach(key -> values.put(key, Optional.ofNullable(wanted.containsKey(key) ? wanted.get(key) : base.get(key))));
    String name = pod.getMetadata().getName();
    List<RuntimeSettings.Result> results;
    try {
      results = runtime.apply(snapshot.endpoint(), values);
    } catch (SQLException e) {
      LOG.debugf("cluster %s: could not reach %s to change settings: %s", id, name, e.getMessage());
      return false;
    }
    var refused = results.stream().filter(result -> result.outcome() == RuntimeSettings.Outcome.REFUSED).toList();
    refused.forEach(result -> {
      String message = "mysqld on " + name + " refuses spec.mysqld." + result.setting() + "=" + wanted.get(result.setting())
          + " (" + result.detail() + ")";
      refusals.add(message);
      if (reportedRefusals.add(result.setting() + "=" + wanted.get(result.setting()))) {
        LOG.warnf("cluster %s: %s", id, message);
        events.warning(cluster, ClusterEvents.Reason.SettingRefused, message + "; nothing restarts until it is fixed");
      }
    });
    var restartFor = results.stream().filter(result -> result.outcome() == RuntimeSettings.Outcome.NEEDS_RESTART)
        .map(RuntimeSettings.Result::setting).collect(Collectors.toCollection(TreeSet::new));
    restartOnly.addAll(restartFor);
    if (refused.isEmpty() && restartFor.isEmpty()) {
      String applied = changed.stream().map(key -> key + "=" + values.get(key).orElse("DEFAULT")).collect(Collectors.joining(", "));
      LOG.infof("cluster %s: applied %s to %s at runtime, no restart", id, applied, name);
      events.normal(cluster, ClusterEvents.Reason.SettingsApplied, "Applied " + applied + " to " + name + " without a restart");
      // Not recorded on the Pod: the next pass sets them again (a no-op) and tries the record again.
      return markRunning(pod, wanted);
    }
    if (!restartFor.isEmpty()) {
      LOG.infof("cluster %s: %s takes %s only at start: it restarts in the rollout", id, name, restartFor);
    }
    return false;
  }

  /** The Pod's annotation now says its mysqld runs these settings: it needs no restart for them. */
  private boolean markRunning(Pod pod, Map<String, String> settings) {
    var patch = Map.of("metadata", Map.of("annotations",
        Map.of(StatefulSetDependent.MYSQLD_SETTINGS, StatefulSetDependent.settingsAnnotation(settings))));
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(patch));
      return true;
    } catch (KubernetesClientException e) {
      LOG.warnf("cluster %s: could not record the settings %s runs: %s", id, pod.getMetadata().getName(), e.getMessage());
      return false;
    }
  }

  /**
   * Replicating from the master with both threads running, nothing left to apply, and holding
   * what the master had committed one pass ago (now is too strict under writes: the two were read
   * at the same time).
   */
  private boolean caughtUp(InstanceSnapshot snapshot, Endpoint master) {
    var replication = snapshot.replication();
    if (replication.isEmpty() || snapshot.server().isEmpty()) {
      return false;
    }
    var status = replication.get();
    boolean streaming = status.replicatesFrom(master) && status.ioThread() == ReplicationStatus.IoThread.RUNNING
        && status.sqlThreadRunning() && status.secondsBehindSource().filter(lag -> lag == 0).isPresent();
    return streaming && lastMasterExecuted.filter(gtids -> snapshot.server().get().executed().contains(gtids)).isPresent();
  }

  private Set<String> backupSources(MySQLCluster cluster, List<String> instances) {
    try {
      return client.resources(MySQLBackup.class).inNamespace(cluster.getMetadata().getNamespace()).list().getItems().stream()
          .filter(backup -> cluster.getMetadata().getName().equals(backup.getSpec().getClusterRef().getName()))
          .filter(backup -> backup.getStatus() != null && backup.getStatus().getPhase() == MySQLBackupStatus.BackupPhase.Running)
          .map(backup -> backup.getStatus().getSource())
          .filter(Objects::nonNull)
          .collect(Collectors.toSet());
    } catch (KubernetesClientException e) {
      // Not knowing which instance a backup reads must not restart it: hold every instance.
      LOG.warnf("cluster %s: could not list backups: %s", id, e.getMessage());
      return Set.copyOf(instances);
    }
  }

  private static Map<String, String> annotations(Pod pod) {
    return Optional.ofNullable(pod.getMetadata().getAnnotations()).orElse(Map.of());
  }
}
