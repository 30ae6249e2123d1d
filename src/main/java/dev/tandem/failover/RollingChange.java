package dev.tandem.failover;

import dev.tandem.api.MySQLBackup;
import dev.tandem.api.MySQLBackupStatus;
import dev.tandem.api.MySQLCluster;
import dev.tandem.kubernetes.ClusterEvents;
import dev.tandem.kubernetes.ClusterStatusAggregator;
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
   * Applies the runtime settings each reachable instance lacks (only when {@code mayChangeSettings}:
   * not while a pass has a failover to run), then decides the rollout's next step; empty while the
   * StatefulSet predates the annotations a rollout compares.
   *
   * @param successors who may take over the master's role, best first
   * @param hold why nothing may restart now, if so
   * @param degraded why the cluster is not healthy, if it is not
   */
  Optional<Rollout.Decision> decide(MySQLCluster cluster, Optional<StatefulSet> statefulSet, Map<String, Pod> podsByName,
      ClusterView view, String master, List<String> successors, Optional<String> hold, Optional<String> degraded,
      boolean mayChangeSettings, RuntimeSettings runtime) {
    var template = statefulSet.map(RollingChange::templateAnnotations).orElse(Map.of());
    String wantedHash = template.get(StatefulSetDependent.RESTART_HASH);
    if (wantedHash == null) {
      return Optional.empty();
    }
    var sts = statefulSet.get();
    var wanted = StatefulSetDependent.settingsOf(template);
    var holds = new ArrayList<String>();
    hold.ifPresent(holds::add);
    // A controller that has not seen the new template yet would create a restarted Pod from the old one.
    if (sts.getStatus() == null || !Objects.equals(sts.getStatus().getObservedGeneration(), sts.getMetadata().getGeneration())) {
      holds.add("the StatefulSet controller has not taken the new Pod template yet");
    }
    var masterExecuted = view.snapshot(master).server().map(InstanceSnapshot.ServerState::executed);
    if (!lastMaster.equals(Optional.of(master))) {
      lastMasterExecuted = Optional.empty();
    }
    deleted.retainAll(podsByName.values().stream().map(pod -> pod.getMetadata().getUid()).collect(Collectors.toSet()));
    var refused = new HashSet<String>();
    var members = new ArrayList<Rollout.Member>();
    for (String name : view.desired().names()) {
      var pod = Optional.ofNullable(podsByName.get(name)).map(p -> adopted(p, template));
      var snapshot = view.snapshot(name);
      boolean updated = pod.filter(p -> wantedHash.equals(annotations(p).get(StatefulSetDependent.RESTART_HASH)))
          .filter(p -> runsWantedSettings(cluster, p, snapshot, wanted, mayChangeSettings, runtime, holds, refused))
          .isPresent();
      boolean present = pod.filter(p -> !ClusterMonitor.isTerminating(p) && !deleted.contains(p.getMetadata().getUid())).isPresent();
      boolean ready = present && pod.filter(ClusterStatusAggregator::isReady).isPresent();
      members.add(new Rollout.Member(name, view.desired().ordinal(name), updated, view.desired().offline().contains(name), present,
          ready, name.equals(master) || caughtUp(snapshot, view.desired().members().get(master)), false));
    }
    reportedRefusals.retainAll(refused);
    lastMaster = Optional.of(master);
    lastMasterExecuted = masterExecuted;
    var input = new Rollout.Input(members, master, successors, holds.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", holds)),
        degraded, cluster.getSpec().getFailover().isAutomatic());
    var decision = Rollout.next(input);
    // Backups are looked up for the instance about to restart only: the API server is not asked every pass.
    if (decision.step() instanceof Rollout.Restart restart && readByABackup(cluster, restart.instance())) {
      members.replaceAll(member -> member.name().equals(restart.instance())
          ? new Rollout.Member(member.name(), member.ordinal(), member.updated(), member.offline(), member.present(), member.ready(),
              member.caughtUp(), true)
          : member);
      decision = Rollout.next(new Rollout.Input(members, master, successors, input.hold(), degraded, input.automaticFailover()));
    }
    return Optional.of(decision);
  }

  private static Map<String, String> templateAnnotations(StatefulSet statefulSet) {
    return Optional.ofNullable(statefulSet.getSpec().getTemplate().getMetadata().getAnnotations()).orElse(Map.of());
  }

  /**
   * A Pod created before Pods carried a restart hash (an operator upgrade) is taken as it is,
   * stamped with the current template's hash and settings: an upgrade of the operator alone
   * restarts nothing. Later changes compare against the stamp.
   */
  private Pod adopted(Pod pod, Map<String, String> template) {
    if (annotations(pod).containsKey(StatefulSetDependent.RESTART_HASH)) {
      return pod;
    }
    var stamp = new LinkedHashMap<String, String>();
    stamp.put(StatefulSetDependent.RESTART_HASH, template.get(StatefulSetDependent.RESTART_HASH));
    stamp.put(StatefulSetDependent.MYSQLD_SETTINGS, template.get(StatefulSetDependent.MYSQLD_SETTINGS));
    var patched = annotate(pod, stamp);
    patched.ifPresent(adopted ->
        LOG.infof("cluster %s: Pod %s predates restart hashes; adopted as running the current template", id, pod.getMetadata().getName()));
    return patched.orElse(pod);
  }

  /** A merge patch of the Pod's annotations; empty when the API server did not take it. */
  private Optional<Pod> annotate(Pod pod, Map<String, String> annotations) {
    try {
      return Optional.of(client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("metadata", Map.of("annotations", annotations)))));
    } catch (KubernetesClientException e) {
      LOG.warnf("cluster %s: could not annotate Pod %s with %s: %s", id, pod.getMetadata().getName(), annotations.keySet(), e.getMessage());
      return Optional.empty();
    }
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
    var wanted = statefulSet.map(RollingChange::templateAnnotations).map(annotations -> annotations.get(StatefulSetDependent.RESTART_HASH));
    return pod != null && wanted.isPresent() && !wanted.get().equals(annotations(pod).get(StatefulSetDependent.RESTART_HASH));
  }

  /**
   * Whether the Pod's mysqld runs the wanted spec.mysqld, after setting at runtime what it lacks
   * and the server can change: false when one of them can only be taken by a restart. When the
   * server cannot be asked, or the result cannot be recorded, it holds the rollout (not knowing
   * must not restart anything); a refused value holds it too, and is added to {@code refused}.
   */
  private boolean runsWantedSettings(MySQLCluster cluster, Pod pod, InstanceSnapshot snapshot, Map<String, String> wanted,
      boolean mayChange, RuntimeSettings runtime, List<String> holds, Set<String> refused) {
    String name = pod.getMetadata().getName();
    var values = StatefulSetDependent.settingsToChange(cluster, StatefulSetDependent.runningSettings(pod), wanted);
    if (values.isEmpty()) {
      return true;
    }
    if (values.keySet().stream().anyMatch(restartOnly::contains)) {
      return false;
    }
    if (!snapshot.isReachable() || !mayChange) {
      holds.add("the settings " + values.keySet() + " of " + name + " are not changed while "
          + (snapshot.isReachable() ? "a change of master runs" : name + " is unreachable"));
      return false;
    }
    List<RuntimeSettings.Result> results;
    try {
      results = runtime.apply(snapshot.endpoint(), values);
    } catch (SQLException e) {
      holds.add("could not change the settings of " + name + ": " + e.getMessage());
      return false;
    }
    var refusals = results.stream().filter(result -> result.outcome() == RuntimeSettings.Outcome.REFUSED).toList();
    refusals.forEach(result -> {
      String setting = "spec.mysqld." + result.setting() + (wanted.containsKey(result.setting()) ? "=" + wanted.get(result.setting())
          : " (removed)");
      String message = "mysqld on " + name + " refuses " + setting + " (" + result.detail() + "); fix spec.mysqld";
      holds.add(message);
      refused.add(setting);
      if (reportedRefusals.add(setting)) {
        LOG.warnf("cluster %s: %s", id, message);
        events.warning(cluster, ClusterEvents.Reason.SettingRefused, message + "; nothing restarts until it is fixed");
      }
    });
    var restartFor = results.stream().filter(result -> result.outcome() == RuntimeSettings.Outcome.NEEDS_RESTART
        || result.outcome() == RuntimeSettings.Outcome.NOT_PERMITTED).map(RuntimeSettings.Result::setting)
        .collect(Collectors.toCollection(TreeSet::new));
    // Not permitted on this server says nothing of the others: only what the server cannot change is remembered.
    results.stream().filter(result -> result.outcome() == RuntimeSettings.Outcome.NEEDS_RESTART)
        .forEach(result -> restartOnly.add(result.setting()));
    if (!refusals.isEmpty()) {
      return false;
    }
    if (!restartFor.isEmpty()) {
      LOG.infof("cluster %s: %s takes %s only at start: it restarts in the rollout", id, name, restartFor);
      return false;
    }
    String applied = values.entrySet().stream().map(entry -> entry.getKey() + "=" + entry.getValue().orElse("DEFAULT"))
        .collect(Collectors.joining(", "));
    if (!recordRuntimeSettings(pod, wanted)) {
      holds.add("could not record on Pod " + name + " the settings it now runs");
      return false;
    }
    LOG.infof("cluster %s: applied %s to %s at runtime, no restart", id, applied, name);
    events.normal(cluster, ClusterEvents.Reason.SettingsApplied, "Applied " + applied + " to " + name + " without a restart");
    return true;
  }

  /**
   * Records on the Pod that its mysqld now runs these settings, with the mysqld container's
   * restart count: a container restart reads the my.cnf its Pod started with, and the record
   * then no longer counts.
   */
  private boolean recordRuntimeSettings(Pod pod, Map<String, String> settings) {
    return annotate(pod, Map.of(StatefulSetDependent.RUNTIME_SETTINGS, StatefulSetDependent.runtimeSettingsAnnotation(settings, pod)))
        .isPresent();
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

  private boolean readByABackup(MySQLCluster cluster, String instance) {
    try {
      return client.resources(MySQLBackup.class).inNamespace(cluster.getMetadata().getNamespace()).list().getItems().stream()
          .filter(backup -> cluster.getMetadata().getName().equals(backup.getSpec().getClusterRef().getName()))
          .filter(backup -> backup.getStatus() != null && backup.getStatus().getPhase() == MySQLBackupStatus.BackupPhase.Running)
          .anyMatch(backup -> instance.equals(backup.getStatus().getSource()));
    } catch (KubernetesClientException e) {
      // Not knowing whether a backup reads the instance must not restart it.
      LOG.warnf("cluster %s: could not list backups: %s", id, e.getMessage());
      return true;
    }
  }

  private static Map<String, String> annotations(Pod pod) {
    return Optional.ofNullable(pod.getMetadata().getAnnotations()).orElse(Map.of());
  }
}
