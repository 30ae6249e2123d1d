package dev.tandem.replication;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who may become master: among the contenders, the one whose received transactions contain
 * every witness's. Equal positions go to the preferred master, then to the recorded master (taking
 * writes again is no change of master), then to the failover priority list, then to one that has
 * applied everything it received, then to the lowest ordinal.
 */
final class Candidates {

  private Candidates() {}

  /**
   * Empty when no contender holds everything the witnesses hold (their sets are incomparable).
   *
   * @param witnessSets what each witness holds that the new master must hold too
   */
  static Optional<String> mostAdvanced(ClusterView view, List<String> contenders, Map<String, GtidSet> witnessSets) {
    var desired = view.desired();
    var qualifying = contenders.stream()
        .filter(candidate -> witnessSets.values().stream().allMatch(view.reachableServer(candidate).received()::contains))
        .toList();
    var order = tieBreak(desired, view.recordedMaster());
    var best = qualifying.stream().min(order);
    if (best.isEmpty() || desired.preferredMaster().equals(best) || view.recordedMaster().equals(best)
        || desired.priority().contains(best.get())) {
      return best;
    }
    // Left to the ordinal, the choice goes to one that has applied what it received: a candidate
    // with a relay-log backlog (a replica that has just rejoined) is promoted only after applying it.
    return qualifying.stream()
        .filter(candidate -> qualifying.stream()
            .allMatch(other -> view.reachableServer(candidate).executed().contains(view.reachableServer(other).executed())))
        .min(order)
        .or(() -> best);
  }

  /**
   * Transactions an instance that is not the recorded master wrote itself and no other reachable
   * instance has: writes made on a replica. Such an instance is no candidate, and what it alone
   * holds is no reason to hold back a failover.
   */
  static GtidSet selfWritten(ClusterView view, String name, List<String> others) {
    var state = view.reachableServer(name);
    var othersHold = others.stream().filter(other -> !other.equals(name))
        .map(other -> view.reachableServer(other).received())
        .reduce(GtidSet::union);
    if (othersHold.isEmpty() || view.recordedMaster().filter(name::equals).isPresent()) {
      // A master's own writes are its clients' writes, not errant ones.
      return state.dialect().emptyGtidSet();
    }
    // Executed, not received: after a local write the applier stops on the next GTID from the
    // master (strict order), so the local write stays the last one it executed.
    return state.ownPart(state.executed()).subtract(othersHold.get());
  }

  static Comparator<String> tieBreak(DesiredCluster desired, Optional<String> recordedMaster) {
    return Comparator.<String, Boolean>comparing(name -> !desired.preferredMaster().map(name::equals).orElse(false))
        .thenComparing(name -> !recordedMaster.map(name::equals).orElse(false))
        .thenComparing(name -> desired.priority().contains(name) ? desired.priority().indexOf(name) : Integer.MAX_VALUE)
        .thenComparing(desired::ordinal);
  }

  /**
   * The transactions {@code replica} holds that {@code master} lacks, leaving out the master's
   * own: those are writes the master made after its snapshot was read, not errant ones.
   */
  static GtidSet errant(InstanceSnapshot.ServerState replica, InstanceSnapshot.ServerState master) {
    return master.foreignPart(replica.executed().subtract(master.executed()));
  }
}
