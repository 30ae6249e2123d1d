package dev.tandem.kubernetes;

import dev.tandem.api.Endpoints;
import dev.tandem.api.InstanceRole;
import dev.tandem.api.InstanceStatus;
import dev.tandem.api.MySQLCluster;
import dev.tandem.api.MySQLClusterStatus;
import dev.tandem.api.Phase;
import dev.tandem.api.Topology;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Turns what was observed (Pods, the StatefulSet, spec problems) into the cluster's status.
 * Pure: the same observation gives the same status, so an unchanged cluster causes no write.
 */
public final class ClusterStatusAggregator {

  public static final String READY = "Ready";
  public static final String PROGRESSING = "Progressing";
  public static final String REASON_INVALID_SPEC = "InvalidSpec";

  private ClusterStatusAggregator() {}

  /** @param previousStatus the status last written, or null; conditions keep their transition times from it */
  public static MySQLClusterStatus aggregate(
      MySQLCluster cluster,
      MySQLClusterStatus previousStatus,
      List<Pod> pods,
      Optional<StatefulSet> statefulSet,
      List<String> problems,
      Instant now) {
    var previous = Optional.ofNullable(previousStatus).orElseGet(MySQLClusterStatus::new);
    var spec = cluster.getSpec();
    Map<String, Pod> podsByName =
        pods.stream().collect(Collectors.toMap(p -> p.getMetadata().getName(), Function.identity(), (a, b) -> a));

    var instances = new ArrayList<InstanceStatus>();
    for (int ordinal = 0; ordinal < spec.getInstances(); ordinal++) {
      String name = ClusterNames.instance(cluster, ordinal);
      var pod = Optional.ofNullable(podsByName.get(name));
      instances.add(
          InstanceStatus.fromPod(
              name, roleOf(pod, spec.getOffline().contains(name)), pod.map(ClusterStatusAggregator::isReady).orElse(false)));
    }
    int ready = (int) instances.stream().filter(InstanceStatus::ready).count();
    Optional<String> master = labelledMaster(pods);

    var status = new MySQLClusterStatus();
    status.setObservedGeneration(cluster.getMetadata().getGeneration());
    status.setInstances(instances);
    status.setReadyInstances(ready);
    status.setReady(ready + "/" + spec.getInstances());
    status.setMaster(master.orElse(null));
    status.setLastFailover(previous.getLastFailover());
    status.setEndpoints(endpoints(cluster));

    Phase phase;
    String readyReason;
    String readyMessage;
    if (!problems.isEmpty()) {
      phase = Phase.Error;
      readyReason = REASON_INVALID_SPEC;
      readyMessage = invalidSpecMessage(problems);
    } else if (master.isPresent() && ready == spec.getInstances()) {
      phase = Phase.Ready;
      readyReason = "AllInstancesReady";
      readyMessage = "The master " + master.get() + " and every replica are ready";
    } else if (master.isPresent()) {
      phase = Phase.Degraded;
      readyReason = "InstancesNotReady";
      readyMessage = (spec.getInstances() - ready) + " instance(s) not ready";
    } else {
      phase = Phase.Provisioning;
      readyReason = "NoMaster";
      readyMessage =
          ready + "/" + spec.getInstances() + " instances ready; no instance is master yet";
    }
    status.setPhase(phase);

    String pending = pendingWork(cluster, statefulSet, ready);
    var conditions = new ArrayList<Condition>();
    conditions.add(
        condition(previous, READY, phase == Phase.Ready, readyReason, readyMessage, cluster.getMetadata().getGeneration(), now));
    conditions.add(
        condition(
            previous,
            PROGRESSING,
            problems.isEmpty() && !pending.isEmpty(),
            problems.isEmpty() ? (pending.isEmpty() ? "UpToDate" : "Reconciling") : REASON_INVALID_SPEC,
            problems.isEmpty() ? (pending.isEmpty() ? "Every object matches the spec" : pending) : "Waiting for a valid spec",
            cluster.getMetadata().getGeneration(),
            now));
    status.setConditions(conditions);
    return status;
  }

  /** What the Ready condition says of an invalid spec. */
  public static String invalidSpecMessage(List<String> problems) {
    return String.join("; ", problems) + ". Nothing was changed in the running cluster.";
  }

  /** The Pod the writer Service selects: the one labelled role=master. */
  public static Optional<String> labelledMaster(List<Pod> pods) {
    return pods.stream()
        .filter(p -> ClusterLabels.ROLE_MASTER.equals(p.getMetadata().getLabels().get(ClusterLabels.ROLE)))
        .map(p -> p.getMetadata().getName())
        .sorted()
        .findFirst();
  }

  private static String pendingWork(MySQLCluster cluster, Optional<StatefulSet> statefulSet, int ready) {
    if (statefulSet.isEmpty()) {
      return "Creating the StatefulSet";
    }
    var parts = new ArrayList<String>();
    int wanted = cluster.getSpec().getInstances();
    if (ready < wanted) {
      parts.add("waiting for " + (wanted - ready) + " instance(s) to become ready");
    }
    return String.join("; ", parts);
  }

  private static Endpoints endpoints(MySQLCluster cluster) {
    String port = ":" + MyCnf.PORT;
    return new Endpoints(
        ClusterNames.serviceHost(ClusterNames.writerService(cluster), cluster) + port,
        ClusterNames.serviceHost(ClusterNames.readerService(cluster), cluster) + port,
        cluster.getSpec().getTopology() == Topology.DualMaster
            ? ClusterNames.serviceHost(ClusterNames.mastersService(cluster), cluster) + port
            : null);
  }

  private static InstanceRole roleOf(Optional<Pod> pod, boolean offline) {
    String role = pod.map(p -> p.getMetadata().getLabels().get(ClusterLabels.ROLE)).orElse(null);
    if (ClusterLabels.ROLE_MASTER.equals(role)) {
      return InstanceRole.Master;
    }
    if (ClusterLabels.ROLE_ERRANT.equals(role)) {
      return InstanceRole.Errant;
    }
    if (offline || ClusterLabels.ROLE_OFFLINE.equals(role)) {
      return InstanceRole.Offline;
    }
    if (ClusterLabels.ROLE_REPLICA.equals(role)) {
      return InstanceRole.Replica;
    }
    return InstanceRole.Unknown;
  }

  public static boolean isReady(Pod pod) {
    return pod.getMetadata().getDeletionTimestamp() == null
        && pod.getStatus() != null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /**
   * A condition that keeps its lastTransitionTime while its status does not change.
   *
   * @param previous the status last written, or null
   */
  public static Condition condition(
      MySQLClusterStatus previous,
      String type,
      boolean isTrue,
      String reason,
      String message,
      Long generation,
      Instant now) {
    String status = isTrue ? "True" : "False";
    String since =
        Optional.ofNullable(previous).map(MySQLClusterStatus::getConditions).orElse(List.of()).stream()
            .filter(c -> type.equals(c.getType()) && status.equals(c.getStatus()))
            .map(Condition::getLastTransitionTime)
            .findFirst()
            .orElse(now.toString());
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(since)
        .build();
  }
}
