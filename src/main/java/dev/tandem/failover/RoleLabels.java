package dev.tandem.failover;

import dev.tandem.kubernetes.ClusterLabels;
import dev.tandem.replication.DesiredCluster;
import dev.tandem.replication.Finding;
import dev.tandem.replication.InstanceSnapshot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which role label each Pod should carry. The writer Service selects role=master and the reader
 * Service role=replica, so these labels are where traffic goes: a Pod gets the replica label only
 * while it is seen replicating from a writer, and loses the master label the moment a failover
 * starts. Pure, so every rule is unit-tested.
 */
final class RoleLabels {

  /** The two labels the control loop moves on a Pod; an empty role means no role label. */
  record Labels(Optional<String> role, boolean writable) {
    static final Labels NONE = new Labels(Optional.empty(), false);

    static Labels of(Map<String, String> podLabels) {
      return new Labels(Optional.ofNullable(podLabels.get(ClusterLabels.ROLE)),
          "true".equals(podLabels.get(ClusterLabels.WRITABLE)));
    }
  }

  private RoleLabels() {}

  /**
   * @param writers the instances that take writes now, the writer Service's first; empty while
   *     a failover is between fencing and promotion
   * @param current the labels each Pod carries now
   */
  static Map<String, Labels> decide(
      DesiredCluster desired,
      Map<String, InstanceSnapshot> observed,
      List<String> writers,
      List<Finding> findings,
      Map<String, Labels> current) {
    boolean dualMaster = desired.layout() == DesiredCluster.Layout.DUAL_MASTER;
    var labels = new LinkedHashMap<String, Labels>();
    for (String name : desired.names()) {
      boolean writable = dualMaster && writers.contains(name);
      labels.put(name, new Labels(role(name, desired, observed, writers, findings, current), writable));
    }
    return labels;
  }

  private static Optional<String> role(
      String name,
      DesiredCluster desired,
      Map<String, InstanceSnapshot> observed,
      List<String> writers,
      List<Finding> findings,
      Map<String, Labels> current) {
    if (!writers.isEmpty() && writers.get(0).equals(name)) {
      return Optional.of(ClusterLabels.ROLE_MASTER);
    }
    if (desired.offline().contains(name)) {
      return Optional.of(ClusterLabels.ROLE_OFFLINE);
    }
    if (findings.stream().anyMatch(f -> f instanceof Finding.Errant && f.instance().equals(name))) {
      return Optional.of(ClusterLabels.ROLE_ERRANT);
    }
    var snapshot = observed.get(name);
    if (!snapshot.isReachable()) {
      // Unseen is not unhealthy: the kubelet's readiness decides whether it gets traffic.
      return currentRoleUnlessMaster(name, current);
    }
    if (writers.isEmpty()) {
      // Between fencing and promotion nobody is master: readers keep reading where they were.
      return currentRoleUnlessMaster(name, current);
    }
    if (writers.contains(name)) {
      return Optional.of(ClusterLabels.ROLE_REPLICA);
    }
    boolean followsAWriter = snapshot.replication()
        .filter(status -> writers.stream().anyMatch(writer -> status.replicatesFrom(observed.get(writer).endpoint())))
        .isPresent();
    return followsAWriter ? Optional.of(ClusterLabels.ROLE_REPLICA) : Optional.empty();
  }

  /** The master label never outlives a change of master; any other role stays. */
  private static Optional<String> currentRoleUnlessMaster(String name, Map<String, Labels> current) {
    return current.getOrDefault(name, Labels.NONE).role().filter(role -> !role.equals(ClusterLabels.ROLE_MASTER));
  }
}
