package dev.tandem.replication;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the user asked for, in the engine's terms: no Kubernetes types.
 *
 * @param members instance names in ordinal order, with the address of each
 * @param preferredMaster the wished master; a change of it asks for a planned switchover
 * @param priority failover preference; ties in GTID position go to the earliest listed
 * @param offline never candidates, never repointed while offline
 * @param automaticFailover when false, a failed master is reported with the recommended
 *     candidate and nothing is done
 */
public record DesiredCluster(
    Layout layout,
    Map<String, Endpoint> members,
    Optional<String> preferredMaster,
    List<String> priority,
    Set<String> offline,
    boolean semiSync,
    boolean automaticFailover) {

  public enum Layout {
    /** One writable master; every other instance replicates from it. */
    MASTER_REPLICA,
    /** The first two members are masters replicating from each other; the rest read from the active one. */
    DUAL_MASTER
  }

  public DesiredCluster {
    members = Collections.unmodifiableMap(new LinkedHashMap<>(members));
    priority = List.copyOf(priority);
    offline = Set.copyOf(offline);
    if (layout == Layout.DUAL_MASTER && members.size() < 2) {
      throw new IllegalArgumentException("a DualMaster cluster needs at least 2 members, got " + members.size());
    }
    if (preferredMaster.isPresent() && !members.containsKey(preferredMaster.get())) {
      throw new IllegalArgumentException("preferred master '" + preferredMaster.get() + "' is not a member: " + members.keySet());
    }
  }

  public DesiredCluster withPreferredMaster(String name) {
    return new DesiredCluster(layout, members, Optional.of(name), priority, offline, semiSync, automaticFailover);
  }

  public List<String> names() {
    return List.copyOf(members.keySet());
  }

  public int ordinal(String name) {
    return names().indexOf(name);
  }

  /** Semi-sync applies only where a master has a replica to wait for. */
  public boolean semiSyncEffective() {
    return semiSync && members.size() > 1;
  }
}
