package dev.tandem.replication;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * One instance as observed at one moment. An unreachable instance has no server state, only the
 * reason it could not be read.
 */
public record InstanceSnapshot(String name, Endpoint endpoint, Optional<ServerState> server, Optional<String> failure, Duration probeLatency) {

  /**
   * What a reachable server reported.
   *
   * @param feeding the addresses of the replicas it streams its binlog to, read before the GTID
   *     sets: a replica it was not feeding then holds no more than {@code executed}
   * @param uptime since mysqld started (whole seconds): a replica that restarted has lost what it
   *     had received and not applied
   */
  public record ServerState(
      Dialect dialect,
      String version,
      long serverId,
      Optional<String> serverUuid,
      boolean readOnly,
      GtidSet executed,
      Optional<ReplicationStatus> replication,
      SemiSync semiSync,
      Set<String> feeding,
      Duration uptime) {

    public ServerState {
      feeding = Set.copyOf(feeding);
    }

    /**
     * Executed plus what sits unapplied in the relay log. MariaDB's receiver marks this server's
     * own transactions as received when they come back round a ring, without keeping them: only
     * others' count.
     */
    public GtidSet received() {
      return replication.map(status -> executed.union(foreignPart(status.received()))).orElse(executed);
    }

    /** The part of {@code gtids} that was written on this server itself. */
    public GtidSet ownPart(GtidSet gtids) {
      return gtids.subtract(foreignPart(gtids));
    }

    /** The part of {@code gtids} that was not written on this server itself. */
    public GtidSet foreignPart(GtidSet gtids) {
      if (gtids instanceof UuidGtidSet uuidSet) {
        return serverUuid.map(uuidSet::withoutServer).orElse(uuidSet);
      }
      return ((DomainGtidSet) gtids).withoutServer(serverId);
    }
  }

  /** The semi-synchronous replication plugin's state; all false when it is not loaded. */
  public record SemiSync(boolean sourceEnabled, boolean replicaEnabled, boolean sourceActive, int sourceClients) {
    public static final SemiSync OFF = new SemiSync(false, false, false, 0);
  }

  public static InstanceSnapshot reachable(String name, Endpoint endpoint, ServerState server, Duration latency) {
    return new InstanceSnapshot(name, endpoint, Optional.of(server), Optional.empty(), latency);
  }

  public static InstanceSnapshot unreachable(String name, Endpoint endpoint, String failure, Duration latency) {
    return new InstanceSnapshot(name, endpoint, Optional.empty(), Optional.of(failure), latency);
  }

  public boolean isReachable() {
    return server.isPresent();
  }

  /** Reachable and taking writes. */
  public boolean isWritable() {
    return server.map(state -> !state.readOnly()).orElse(false);
  }

  public Optional<ReplicationStatus> replication() {
    return server.flatMap(ServerState::replication);
  }

  /** The same look at a reachable instance, its replication status replaced. */
  public InstanceSnapshot withReplication(ReplicationStatus status) {
    var state = server.orElseThrow();
    return reachable(name, endpoint, new ServerState(state.dialect(), state.version(), state.serverId(), state.serverUuid(),
        state.readOnly(), state.executed(), Optional.of(status), state.semiSync(), state.feeding(), state.uptime()), probeLatency);
  }
}
