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
 * @param sourceAuthorities where the instances find the CAs to verify their source's certificate
 *     with, when replication runs over TLS; empty for plaintext replication
 * @param servingTls the members that have their certificate: while a rollout turns TLS on or
 *     off, some have it and some do not, and a replica connects over TLS only when both ends do
 */
public record DesiredCluster(
    Layout layout,
    Map<String, Endpoint> members,
    Optional<String> preferredMaster,
    List<String> priority,
    Set<String> offline,
    boolean semiSync,
    boolean automaticFailover,
    Optional<String> sourceAuthorities,
    Set<String> servingTls) {

  public enum Layout {
    /** One writable master; every other instance replicates from it. */
    MASTER_REPLICA,
    /** The first two members are masters replicating from each other; the rest read from the active one. */
    DUAL_MASTER
  }

  /** A cluster that replicates in plaintext. */
  public DesiredCluster(Layout layout, Map<String, Endpoint> members, Optional<String> preferredMaster, List<String> priority,
      Set<String> offline, boolean semiSync, boolean automaticFailover) {
    this(layout, members, preferredMaster, priority, offline, semiSync, automaticFailover, Optional.empty(), Set.of());
  }

  public DesiredCluster {
    members = Collections.unmodifiableMap(new LinkedHashMap<>(members));
    priority = List.copyOf(priority);
    offline = Set.copyOf(offline);
    servingTls = Set.copyOf(servingTls);
    if (layout == Layout.DUAL_MASTER && members.size() < 2) {
      throw new IllegalArgumentException("a DualMaster cluster needs at least 2 members, got " + members.size());
    }
    if (preferredMaster.isPresent() && !members.containsKey(preferredMaster.get())) {
      throw new IllegalArgumentException("preferred master '" + preferredMaster.get() + "' is not a member: " + members.keySet());
    }
  }

  public DesiredCluster withPreferredMaster(String name) {
    return new DesiredCluster(layout, members, Optional.of(name), priority, offline, semiSync, automaticFailover, sourceAuthorities, servingTls);
  }

  /** How {@code replica} connects to {@code source}: over TLS with this CA file when both have their certificate, else in plaintext. */
  public Optional<String> sourceAuthorities(String replica, String source) {
    return sourceAuthorities.filter(file -> servingTls.contains(replica) && servingTls.contains(source));
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
