package dev.tandem.replication;

import dev.tandem.replication.Plan.State;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Two masters replicating from each other, both writable while healthy; read replicas follow
 * the active one. A master that comes back read-only first catches up with its peer, then takes
 * writes again. The writer Service's master (the active one) is spec.master when set, else the
 * recorded one while it takes writes, else the first by failover priority. Conflicts stop the
 * applier and are reported, never skipped.
 */
final class DualMasterPlanner {

  private DualMasterPlanner() {}

  static Plan plan(ClusterView view) {
    var desired = view.desired();
    var masters = desired.names().subList(0, 2);
    var actions = new ArrayList<Action>();
    var findings = new ArrayList<Finding>();
    var writers = new ArrayList<String>();

    for (String master : masters) {
      String peer = masters.get(0).equals(master) ? masters.get(1) : masters.get(0);
      var snapshot = view.snapshot(master);
      if (!snapshot.isReachable()) {
        findings.add(new Finding.Unreachable(master, snapshot.failure().orElse("no answer")));
        continue;
      }
      var state = snapshot.server().orElseThrow();
      var missingElsewhere = state.readOnly() ? heldOnlyElsewhere(view, master, peer) : state.dialect().emptyGtidSet();
      Optional<String> source = missingElsewhere.isEmpty() ? Optional.of(peer) : holderOf(view, master, missingElsewhere);
      if (source.isEmpty()) {
        findings.add(new Finding.Waiting(master, master + " lacks " + missingElsewhere + ", which " + peer
            + " lacks too, and no instance holds it together with what " + master + " holds: it takes no writes"));
      } else if (!missingElsewhere.isEmpty()) {
        findings.add(new Finding.Waiting(master, master + " fetches " + missingElsewhere + " from " + source.get()
            + " before it replicates from " + peer + " again and takes writes"));
      }
      source.filter(name -> view.snapshot(name).isReachable())
          .ifPresent(name -> repairReceiver(view, master, name, actions, findings));
      boolean semiSync = desired.semiSyncEffective() && peerReceivesFrom(view, peer, master);
      if (!state.readOnly()) {
        writers.add(master);
        if (state.semiSync().sourceEnabled() != semiSync) {
          actions.add(new Action.Promote(master, semiSync));
        }
        if (!semiSync && desired.semiSyncEffective()) {
          findings.add(new Finding.Waiting(master, master + " takes writes without semi-sync while " + peer
              + " does not receive from it: a write acknowledged now is on " + master + " alone"));
        }
      } else if (missingElsewhere.isEmpty() && caughtUpWithPeer(view, master, peer)) {
        actions.add(new Action.Promote(master, semiSync));
        writers.add(master);
      } else if (missingElsewhere.isEmpty()) {
        findings.add(new Finding.Waiting(master, master + " catches up with " + peer + " before it takes writes again"));
      }
    }

    if (writers.isEmpty()) {
      findings.add(new Finding.Waiting(masters.get(0), "neither master " + masters + " can take writes"));
      return new Plan(State.WAITING, List.of(), actions, findings);
    }
    // The active master stays where it is unless spec.master asks otherwise: failing back to a
    // returning master would stop writes a second time for nothing.
    var ordered = writers.stream().sorted(Candidates.tieBreak(desired, view.recordedMaster())).toList();
    String active = ordered.get(0);
    for (String name : desired.names().subList(2, desired.names().size())) {
      var snapshot = view.snapshot(name);
      if (!snapshot.isReachable()) {
        findings.add(new Finding.Unreachable(name, snapshot.failure().orElse("no answer")));
        continue;
      }
      var state = snapshot.server().orElseThrow();
      boolean followsActive = state.replication().filter(status -> status.replicatesFrom(view.snapshot(active).endpoint())).isPresent();
      var ahead = Candidates.errant(state, view.reachableServer(active));
      if (!followsActive && !ahead.isEmpty() && !desired.offline().contains(name)) {
        // Masters replicate from each other asynchronously: the active one may not have the
        // other's last writes yet. Moving the replica now would break its replication.
        findings.add(new Finding.Waiting(name, name + " holds " + ahead + " that " + active
            + " lacks; it stays on its current source until " + active + " has them"));
        continue;
      }
      Planner.repairReplica(view, name, active, actions, findings);
    }
    State state = actions.isEmpty() && findings.isEmpty() ? State.HEALTHY : State.DEGRADED;
    return new Plan(state, ordered, actions, findings);
  }

  /**
   * Points a master's receiver at its source, or leaves the rest to {@link Planner#repairReceiver}:
   * a refused one is set up again once the source holds everything the master got from others.
   */
  private static void repairReceiver(ClusterView view, String master, String source, List<Action> actions, List<Finding> findings) {
    var state = view.reachableServer(master);
    var replication = state.replication();
    if (replication.isEmpty() || !replication.get().replicatesFrom(view.snapshot(source).endpoint())
        || !replication.get().connectsAs(view.desired().sourceAuthorities(master, source))) {
      actions.add(new Action.Replicate(master, source));
    } else {
      boolean sourceHoldsWhatItGot = view.reachableServer(source).executed().contains(state.foreignPart(state.executed()));
      Planner.repairReceiver(master, source, replication.get(), sourceHoldsWhatItGot, actions, findings);
    }
  }

  /**
   * What instances other than the two masters hold of this master's own writes that neither
   * master has: the tail a crashed master wrote, sent to a read replica and lost in crash
   * recovery, which its peer never got. Writing again before fetching it would give new
   * transactions the numbers of those. Others' writes there are errant, reported elsewhere.
   */
  private static GtidSet heldOnlyElsewhere(ClusterView view, String master, String peer) {
    var state = view.reachableServer(master);
    var missing = state.dialect().emptyGtidSet();
    for (String name : reachableReadReplicas(view)) {
      missing = missing.union(state.ownPart(view.reachableServer(name).executed().subtract(state.received())));
    }
    return view.snapshot(peer).isReachable() ? missing.subtract(view.reachableServer(peer).executed()) : missing;
  }

  /** A reachable read replica that can serve the master what it lacks: it holds that, and every transaction the master got from others. */
  private static Optional<String> holderOf(ClusterView view, String master, GtidSet missing) {
    var state = view.reachableServer(master);
    return reachableReadReplicas(view).stream()
        .filter(name -> view.reachableServer(name).executed().contains(missing)
            && view.reachableServer(name).executed().contains(state.foreignPart(state.executed())))
        .findFirst();
  }

  /** Every instance after the two masters that answered this pass. */
  private static List<String> reachableReadReplicas(ClusterView view) {
    var names = view.desired().names();
    return names.subList(2, names.size()).stream().filter(name -> view.snapshot(name).isReachable()).toList();
  }

  /**
   * Semi-sync only while the peer's receiver is connected to the master: otherwise every commit
   * would wait for an acknowledgement nobody sends (a peer down, cut off, or back and fetching a
   * lost tail elsewhere first), for as long as that lasts. Read replicas never acknowledge
   * (init.sh): a write only one of them had would be missing from the peer that takes over.
   */
  private static boolean peerReceivesFrom(ClusterView view, String peer, String master) {
    var endpoint = view.snapshot(master).endpoint();
    return view.snapshot(peer).replication()
        .filter(status -> status.replicatesFrom(endpoint) && status.ioThread() == ReplicationStatus.IoThread.RUNNING)
        .isPresent();
  }

  /**
   * A returning master takes writes only once it holds what its peer holds, or when its peer is
   * gone and there is nothing to wait for.
   */
  private static boolean caughtUpWithPeer(ClusterView view, String master, String peer) {
    var peerSnapshot = view.snapshot(peer);
    if (!peerSnapshot.isReachable()) {
      return true;
    }
    var state = view.reachableServer(master);
    var peerState = peerSnapshot.server().orElseThrow();
    if (state.received().contains(peerState.executed())) {
      return true;
    }
    // Its own transactions the peer holds must be applied, not only received: the receiver counts
    // those coming back as received without applying them.
    if (!state.executed().contains(state.ownPart(peerState.executed()))) {
      return false;
    }
    return state.replication()
        .filter(status -> status.replicatesFrom(peerSnapshot.endpoint()))
        .filter(status -> status.ioThread() == ReplicationStatus.IoThread.RUNNING && status.sqlThreadRunning())
        .flatMap(ReplicationStatus::secondsBehindSource)
        .map(seconds -> seconds == 0)
        .orElse(false);
  }
}
