package dev.tandem.replication;

import dev.tandem.replication.Plan.State;
import java.util.ArrayList;
import java.util.List;

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
      var replication = state.replication();
      if (replication.isEmpty() || !replication.get().replicatesFrom(view.snapshot(peer).endpoint())) {
        actions.add(new Action.Replicate(master, peer));
      } else if (replication.get().lastSqlError().isPresent() && !replication.get().sqlThreadRunning()) {
        findings.add(new Finding.ReplicationBroken(master, replication.get().lastSqlError().get()));
      } else if (replication.get().lastIoError().isPresent() && replication.get().ioThread() == ReplicationStatus.IoThread.STOPPED) {
        // A receiver refused by its source (a GTID it asks for is gone) fails again at once: restarting it every pass hides that.
        findings.add(new Finding.ReplicationBroken(master, replication.get().lastIoError().get()));
      } else if (!replication.get().threadsRunning()) {
        actions.add(new Action.StartReplication(master));
      }
      // A master whose peer is down would wait for acknowledgements nobody sends: it runs
      // without semi-sync until the peer is back, and says so (RPO > 0 while single).
      boolean semiSync = desired.semiSyncEffective() && view.snapshot(peer).isReachable();
      if (!state.readOnly()) {
        writers.add(master);
        if (state.semiSync().sourceEnabled() != semiSync) {
          actions.add(new Action.Promote(master, semiSync));
        }
        if (!semiSync && desired.semiSyncEffective()) {
          findings.add(new Finding.Waiting(master, master + " takes writes without semi-sync while " + peer
              + " is down: a write acknowledged now is on " + master + " alone"));
        }
      } else if (caughtUpWithPeer(view, master, peer)) {
        actions.add(new Action.Promote(master, semiSync));
        writers.add(master);
      } else {
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
    return state.replication()
        .filter(status -> status.ioThread() == ReplicationStatus.IoThread.RUNNING && status.sqlThreadRunning())
        .flatMap(ReplicationStatus::secondsBehindSource)
        .map(seconds -> seconds == 0)
        .orElse(false);
  }
}
