package dev.tandem.replication;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the planner decides from: the wish, one snapshot per member, the master the
 * control loop last recorded (status), the members known to be down from outside SQL (their
 * Pod is gone or not running) — the second witness when a master stops answering —, the members
 * the control loop has not reached for a while ({@code longUnreachable}), the replicas cut off
 * from the binlog while the master lived ({@code lost}, recorded in status), and the replicas
 * whose mysqld started after the recorded master was last seen ({@code restartedSinceMasterSeen}):
 * a semi-sync acknowledgement they gave may have been for what they lost in the restart.
 */
public record ClusterView(
    DesiredCluster desired,
    Map<String, InstanceSnapshot> observed,
    Optional<String> recordedMaster,
    Set<String> knownDown,
    Set<String> longUnreachable,
    Map<String, LostReplica> lost,
    Set<String> restartedSinceMasterSeen) {

  /**
   * A replica cut off from the binlog while the master lived (status.lostReplicas).
   *
   * @param host the address its replication account is refused from
   * @param bound the most it can hold: the master's GTID set read after its dumps to it were
   *     seen gone; empty until then, and a failover waits for it as for any unreadable replica
   */
  public record LostReplica(String host, Optional<GtidSet> bound) {}

  public ClusterView(DesiredCluster desired, Map<String, InstanceSnapshot> observed, Optional<String> recordedMaster,
      Set<String> knownDown) {
    this(desired, observed, recordedMaster, knownDown, Set.of(), Map.of(), Set.of());
  }

  public ClusterView {
    observed = Map.copyOf(observed);
    knownDown = Set.copyOf(knownDown);
    longUnreachable = Set.copyOf(longUnreachable);
    lost = Map.copyOf(lost);
    restartedSinceMasterSeen = Set.copyOf(restartedSinceMasterSeen);
    for (String name : desired.names()) {
      if (!observed.containsKey(name)) {
        throw new IllegalArgumentException("no snapshot of member " + name);
      }
    }
  }

  /** The same observation, planned toward another master: a switchover the control loop decided on its own. */
  public ClusterView withPreferredMaster(String name) {
    return new ClusterView(desired.withPreferredMaster(name), observed, recordedMaster, knownDown, longUnreachable, lost,
        restartedSinceMasterSeen);
  }

  public InstanceSnapshot snapshot(String name) {
    return observed.get(name);
  }

  public InstanceSnapshot.ServerState reachableServer(String name) {
    return observed.get(name).server().orElseThrow(() -> new IllegalStateException(name + " is not reachable"));
  }
}
