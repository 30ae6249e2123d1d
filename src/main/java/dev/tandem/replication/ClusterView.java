package dev.tandem.replication;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the planner decides from: the wish, one snapshot per member, the master the
 * control loop last recorded (status), and the members known to be down from outside SQL (their
 * Pod is gone or not running) — the second witness when a master stops answering.
 */
public record ClusterView(
    DesiredCluster desired, Map<String, InstanceSnapshot> observed, Optional<String> recordedMaster, Set<String> knownDown) {

  public ClusterView {
    observed = Map.copyOf(observed);
    knownDown = Set.copyOf(knownDown);
    for (String name : desired.names()) {
      if (!observed.containsKey(name)) {
        throw new IllegalArgumentException("no snapshot of member " + name);
      }
    }
  }

  public InstanceSnapshot snapshot(String name) {
    return observed.get(name);
  }

  public InstanceSnapshot.ServerState reachableServer(String name) {
    return observed.get(name).server().orElseThrow(() -> new IllegalStateException(name + " is not reachable"));
  }
}
