package dev.tandem.replication;

import dev.tandem.replication.Plan.State;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/**
 * Decides, from one look at the cluster, what to do next. Pure: no I/O, no clock, no state
 * between calls. Each call starts from what is observed, so a step cut short by a crash is
 * simply planned again; the states are listed in {@link Plan.State} and in docs/replication.md.
 */
public final class Planner {

  private Planner() {}

  public static Plan plan(ClusterView view) {
    return view.desired().layout() == DesiredCluster.Layout.DUAL_MASTER ? DualMasterPlanner.plan(view)
        : withReadmissions(view, planMasterReplica(view));
  }

  /**
   * A cut-off replica the control loop reaches again, or one no longer a member, is let back in
   * on the master this plan leaves taking writes (the account's removal replicates to every
   * instance); while no master takes writes, it waits.
   */
  private static Plan withReadmissions(ClusterView view, Plan plan) {
    var unsettled = List.of(State.WAITING, State.FAILOVER_NEEDED, State.SPLIT_BRAIN);
    if (plan.master().isEmpty() || unsettled.contains(plan.state())) {
      return plan;
    }
    String master = plan.master().get();
    var readmissions = view.lost().entrySet().stream()
        .filter(lost -> !view.desired().members().containsKey(lost.getKey()) || view.snapshot(lost.getKey()).isReachable())
        .<Action>map(lost -> new Action.Readmit(master, lost.getKey(), lost.getValue().host()))
        .toList();
    if (readmissions.isEmpty()) {
      return plan;
    }
    var actions = new ArrayList<>(plan.actions());
    actions.addAll(readmissions);
    return new Plan(plan.state() == State.HEALTHY ? State.DEGRADED : plan.state(), plan.masters(), actions, plan.findings());
  }

  private static Plan planMasterReplica(ClusterView view) {
    var desired = view.desired();
    var findings = new ArrayList<Finding>();
    desired.names().stream()
        .map(view::snapshot)
        .filter(snapshot -> !snapshot.isReachable())
        .forEach(snapshot -> findings.add(new Finding.Unreachable(snapshot.name(), snapshot.failure().orElse("no answer"))));
    List<String> writable = desired.names().stream().filter(name -> view.snapshot(name).isWritable()).toList();

    if (writable.size() > 1) {
      return splitBrain(view, writable, findings);
    }
    if (writable.size() == 1) {
      return withMaster(view, writable.get(0), findings);
    }
    return withoutWritableMaster(view, findings);
  }

  /**
   * Two writers: keep the recorded master, fence every other one. Without a recorded master
   * among them nobody can tell which writes matter, so all are fenced and the next look promotes
   * the most advanced (or reports that their transactions diverge).
   */
  private static Plan splitBrain(ClusterView view, List<String> writable, List<Finding> findings) {
    var keep = view.recordedMaster().filter(writable::contains);
    var actions = writable.stream().filter(name -> keep.map(k -> !k.equals(name)).orElse(true)).<Action>map(Action.Fence::new).toList();
    findings.add(new Finding.Waiting(keep.orElse(writable.get(0)), "more than one writable instance " + writable
        + (keep.isPresent() ? "; keeping the recorded master " + keep.get() : "; fencing all of them")));
    return new Plan(State.SPLIT_BRAIN, keep.stream().toList(), actions, findings);
  }

  private static Plan withMaster(ClusterView view, String master, List<Finding> findings) {
    var desired = view.desired();
    var actions = new ArrayList<Action>();
    view.recordedMaster()
        .filter(recorded -> !recorded.equals(master) && !view.snapshot(recorded).isReachable())
        .ifPresent(zombie -> actions.add(new Action.Fence(zombie, true)));

    var switchover = desired.preferredMaster().filter(preferred -> !preferred.equals(master));
    if (switchover.isPresent()) {
      var blocker = switchoverBlocker(view, master, switchover.get());
      if (blocker.isEmpty()) {
        return planSwitchover(view, master, switchover.get(), actions, findings);
      }
      findings.add(new Finding.Waiting(switchover.get(), "switchover from " + master + " to " + switchover.get() + " waits: " + blocker));
    }

    var masterState = view.reachableServer(master);
    if (masterState.replication().isPresent()) {
      actions.add(new Action.Detach(master));
    }
    boolean semiSync = desired.semiSyncEffective();
    if (masterState.replication().isPresent() || masterState.semiSync().sourceEnabled() != semiSync) {
      actions.add(new Action.Promote(master, semiSync));
    }
    for (String name : desired.names()) {
      if (!name.equals(master)) {
        repairReplica(view, name, master, actions, findings);
      }
    }
    cutOffLostReplicas(view, master, actions);
    State state = actions.isEmpty() && findings.isEmpty() ? State.HEALTHY : State.DEGRADED;
    return new Plan(state, List.of(master), actions, findings);
  }

  /** Keeps one replica following {@code source}, or reports why it can't. */
  static void repairReplica(ClusterView view, String name, String source, List<Action> actions, List<Finding> findings) {
    var snapshot = view.snapshot(name);
    if (!snapshot.isReachable()) {
      return;
    }
    var replica = snapshot.server().orElseThrow();
    if (view.desired().offline().contains(name)) {
      return;
    }
    var errant = Candidates.errant(replica, view.reachableServer(source));
    if (!errant.isEmpty()) {
      findings.add(new Finding.Errant(name, errant));
      return;
    }
    var replication = replica.replication();
    if (replication.isEmpty() || !replication.get().replicatesFrom(view.snapshot(source).endpoint())
        || !replication.get().connectsAs(view.desired().sourceAuthorities(name, source))
        || (replica.readOnly() && replica.semiSync().sourceEnabled())) {
      actions.add(new Action.Replicate(name, source));
      return;
    }
    // Nothing errant (above): the source holds everything the replica got from elsewhere.
    repairReceiver(name, source, replication.get(), true, actions, findings);
  }

  /**
   * A receiver already set on {@code source}: reported when stopped on an error, restarted when
   * merely stopped. One its source refused (1236) is also set up again when
   * {@code sourceHoldsWhatItGot}, everything the instance got from others: the source may have
   * lacked where the receiver resumed when it refused (a master back from crash recovery, since
   * refilled). Still reported while refused.
   */
  static void repairReceiver(String name, String source, ReplicationStatus status, boolean sourceHoldsWhatItGot,
      List<Action> actions, List<Finding> findings) {
    if (status.lastSqlError().isPresent() && !status.sqlThreadRunning()) {
      findings.add(new Finding.ReplicationBroken(name, status.lastSqlError().get()));
    } else if (status.lastIoError().isPresent() && status.lastIoError().get().number() == TLS_HANDSHAKE_FAILED) {
      // The server's own words ("SSL connection error: error:00000000:lib(0)::reason(0)") say nothing useful.
      var error = status.lastIoError().get();
      findings.add(new Finding.ReplicationBroken(name, new ReplicationStatus.ReplicationError(error.number(), error.message()
          + " (the TLS handshake with " + source + " failed: its certificate must be valid and signed by a CA in "
          + status.sourceAuthorities().orElse("the replica's CA file") + ")", error.failingGtid())));
    } else if (status.lastIoError().isPresent() && status.ioThread() == ReplicationStatus.IoThread.STOPPED) {
      findings.add(new Finding.ReplicationBroken(name, status.lastIoError().get()));
      if (status.lastIoError().get().number() == SOURCE_REFUSED_POSITION && sourceHoldsWhatItGot) {
        actions.add(new Action.Replicate(name, source));
      }
    } else if (!status.threadsRunning()) {
      actions.add(new Action.StartReplication(name));
    }
  }

  /**
   * CR_SSL_CONNECTION_ERROR: the receiver retries for ever, but a certificate its CA does not
   * verify never heals by itself, unlike a source that is merely down.
   */
  static final int TLS_HANDSHAKE_FAILED = 2026;

  /** ER_MASTER_FATAL_ERROR_READING_BINLOG: the source cannot serve from where the receiver asked. */
  static final int SOURCE_REFUSED_POSITION = 1236;

  /**
   * Semi-sync: a replica the control loop has not reached for a while is cut off from the binlog
   * while the master lives, so that what it may hold has a bound and a later failover need not
   * wait for it. Only while another replica receives: the refusal is a transaction, and it must
   * be acknowledged.
   */
  private static void cutOffLostReplicas(ClusterView view, String master, List<Action> actions) {
    if (!view.desired().semiSyncEffective()) {
      return;
    }
    var masterEndpoint = view.snapshot(master).endpoint();
    boolean anotherReceives = view.desired().names().stream().anyMatch(name -> view.snapshot(name).replication()
        .filter(status -> status.replicatesFrom(masterEndpoint) && status.ioThread() == ReplicationStatus.IoThread.RUNNING).isPresent());
    if (!anotherReceives) {
      return;
    }
    view.desired().names().stream()
        .filter(name -> !name.equals(master) && view.longUnreachable().contains(name) && !view.lost().containsKey(name))
        .forEach(name -> actions.add(new Action.CutOff(master, name, view.snapshot(name).endpoint().host())));
  }

  /**
   * A replica acknowledges a transaction once it is in its relay log, and a restart discards what
   * was received and not applied: after every instance was killed at once, the acknowledged tail
   * may be on the master alone. So a replica restarted since the master was last seen vouches for
   * nothing, and the failover waits for the master, unless a person names the new master.
   */
  private static String restartedReplicas(ClusterView view, String master) {
    var restarted = view.desired().names().stream()
        .filter(name -> !name.equals(master) && view.restartedSinceMasterSeen().contains(name) && view.snapshot(name).isReachable())
        .toList();
    boolean chosenByAPerson = view.desired().preferredMaster().filter(wished -> !wished.equals(master))
        .filter(wished -> view.snapshot(wished).isReachable()).isPresent();
    if (restarted.isEmpty() || chosenByAPerson || view.snapshot(master).isReachable()) {
      return "";
    }
    return "master " + master + " is down and " + restarted + " restarted since it was last seen: what they had received and not"
        + " applied is gone, and it may include acknowledged writes only " + master + " still holds; failover waits for " + master
        + " (set spec.master to an instance to promote it anyway and accept that loss)";
  }

  private static String switchoverBlocker(ClusterView view, String master, String target) {
    if (view.desired().offline().contains(target)) {
      return target + " is offline";
    }
    var snapshot = view.snapshot(target);
    if (!snapshot.isReachable()) {
      return target + " is unreachable";
    }
    var replica = snapshot.server().orElseThrow();
    var errant = Candidates.errant(replica, view.reachableServer(master));
    if (!errant.isEmpty()) {
      return target + " has errant transactions " + errant;
    }
    var replication = replica.replication();
    if (replication.isEmpty() || !replication.get().replicatesFrom(view.snapshot(master).endpoint())) {
      return target + " does not replicate from " + master + " yet";
    }
    if (replication.get().ioThread() != ReplicationStatus.IoThread.RUNNING || !replication.get().sqlThreadRunning()) {
      return target + "'s replication is not running";
    }
    return "";
  }

  /**
   * Fence the old master first, so nothing new arrives; the target catches up with every
   * transaction the old master has; then it is promoted and everyone else follows it.
   */
  private static Plan planSwitchover(ClusterView view, String master, String target, List<Action> actions, List<Finding> findings) {
    actions.add(new Action.Fence(master));
    actions.add(new Action.CatchUp(target, master));
    actions.add(new Action.Detach(target));
    for (String name : view.desired().names()) {
      if (!name.equals(target) && !name.equals(master) && view.snapshot(name).isReachable()
          && !view.desired().offline().contains(name) && Candidates.errant(view.reachableServer(name), view.reachableServer(master)).isEmpty()) {
        actions.add(new Action.Replicate(name, target));
      }
    }
    actions.add(new Action.Replicate(master, target));
    actions.add(new Action.Promote(target, view.desired().semiSyncEffective()));
    return new Plan(State.SWITCHOVER, List.of(target), actions, findings);
  }

  private static Plan withoutWritableMaster(ClusterView view, List<Finding> findings) {
    var desired = view.desired();
    List<String> reachable = desired.names().stream().filter(name -> view.snapshot(name).isReachable()).toList();
    List<String> contenders = reachable.stream().filter(name -> !desired.offline().contains(name)).toList();
    boolean fresh = view.recordedMaster().isEmpty() && reachable.stream().allMatch(name -> view.reachableServer(name).executed().isEmpty());

    if (view.recordedMaster().isPresent()) {
      String master = view.recordedMaster().get();
      var reason = view.snapshot(master).isReachable() ? "" : deathUnconfirmed(view, master);
      if (reason.isEmpty()) {
        reason = possibleLoss(view, master);
      }
      if (!reason.isEmpty()) {
        findings.add(new Finding.Waiting(master, reason));
        return new Plan(State.WAITING, List.of(), List.of(), findings);
      }
    } else {
      var missing = desired.names().stream().filter(name -> !desired.offline().contains(name) && !reachable.contains(name)).toList();
      if (!missing.isEmpty()) {
        findings.add(new Finding.Waiting(missing.get(0), "no master is known yet; waiting for " + missing
            + " before choosing one, so that the most advanced instance is chosen"));
        return new Plan(State.WAITING, List.of(), List.of(), findings);
      }
    }

    var witnessSets = new LinkedHashMap<String, GtidSet>();
    // A replica cut off while the master lived holds at most its bound: the new master must hold it.
    view.lost().forEach((name, lost) -> lost.bound().filter(bound -> !view.snapshot(name).isReachable())
        .ifPresent(bound -> witnessSets.put(name, bound)));
    var eligible = new ArrayList<String>();
    for (String name : reachable) {
      var state = view.reachableServer(name);
      var selfWritten = Candidates.selfWritten(view, name, reachable);
      if (selfWritten.isEmpty()) {
        witnessSets.put(name, state.received());
        if (contenders.contains(name)) {
          eligible.add(name);
        }
      } else {
        findings.add(new Finding.Errant(name, selfWritten));
        witnessSets.put(name, state.foreignPart(state.received()));
      }
    }
    var candidate = Candidates.mostAdvanced(view, eligible, witnessSets);
    if (candidate.isEmpty()) {
      findings.add(new Finding.Waiting(eligible.isEmpty() ? desired.names().get(0) : eligible.get(0),
          eligible.isEmpty() ? "no instance can become master: none is reachable, online and free of errant transactions"
              : "no instance holds every transaction the others received; their GTID sets diverge: "
                  + reachable.stream().map(name -> name + "=" + view.reachableServer(name).received()).toList()
                  + ". Promote one by setting spec.master after deciding which transactions to keep"));
      return new Plan(State.WAITING, List.of(), List.of(), findings);
    }
    String chosen = candidate.get();
    boolean sameMaster = view.recordedMaster().filter(chosen::equals).isPresent();
    boolean askedFor = desired.preferredMaster().filter(chosen::equals).isPresent();
    if (!fresh && !sameMaster && !askedFor && !desired.automaticFailover()) {
      findings.add(new Finding.Waiting(chosen, "no writable master and automatic failover is off; the recommended candidate is "
          + chosen + " (set spec.master to it, or enable failover.automatic)"));
      return new Plan(State.FAILOVER_NEEDED, List.of(), List.of(), findings);
    }

    var actions = new ArrayList<Action>();
    for (String name : reachable) {
      var replication = view.reachableServer(name).replication();
      if (replication.isPresent() && replication.get().ioThread() != ReplicationStatus.IoThread.STOPPED) {
        actions.add(new Action.StopReceiver(name));
      }
    }
    view.recordedMaster().filter(old -> !old.equals(chosen))
        .ifPresent(old -> actions.add(new Action.Fence(old, !view.snapshot(old).isReachable())));
    if (view.reachableServer(chosen).replication().isPresent()) {
      actions.add(new Action.Detach(chosen));
    }
    for (String name : eligible) {
      if (!name.equals(chosen)) {
        actions.add(new Action.Replicate(name, chosen));
      }
    }
    actions.add(new Action.Promote(chosen, desired.semiSyncEffective()));
    return new Plan(fresh ? State.BOOTSTRAP : State.FAILOVER, List.of(chosen), actions, findings);
  }

  /**
   * Two witnesses: the operator losing the master is not enough. Its Pod must be known down, or
   * the replicas must have lost it too. A replica still receiving from it outweighs both: that
   * mysqld is alive, whatever its Pod reports, and may still take writes.
   */
  private static String deathUnconfirmed(ClusterView view, String master) {
    var desired = view.desired();
    var masterEndpoint = view.snapshot(master).endpoint();
    List<String> stillReceiving = desired.names().stream()
        .filter(name -> view.snapshot(name).replication()
            .filter(status -> status.replicatesFrom(masterEndpoint) && status.ioThread() == ReplicationStatus.IoThread.RUNNING)
            .isPresent())
        .toList();
    if (!stillReceiving.isEmpty()) {
      return "the operator cannot reach master " + master + " but " + stillReceiving + " still receive from it; not failing over";
    }
    boolean replicasLostIt = desired.names().stream()
        .anyMatch(name -> view.snapshot(name).replication().filter(status -> status.replicatesFrom(masterEndpoint)).isPresent());
    if (!view.knownDown().contains(master) && !replicasLostIt) {
      return "the operator cannot reach master " + master + " and no replica can confirm it is down; not failing over";
    }
    return "";
  }

  /**
   * In loss-less mode every replica must be readable before a new master is chosen: the one that
   * is not may hold the only copy of an acknowledged write (semi-sync waits for one ack).
   */
  private static String possibleLoss(ClusterView view, String master) {
    if (!view.desired().semiSync()) {
      return "";
    }
    List<String> unreachableReplicas = view.desired().names().stream()
        .filter(name -> !name.equals(master) && !view.snapshot(name).isReachable())
        .filter(name -> !Optional.ofNullable(view.lost().get(name)).flatMap(ClusterView.LostReplica::bound).isPresent())
        .toList();
    if (unreachableReplicas.isEmpty()) {
      return restartedReplicas(view, master);
    }
    String state = view.snapshot(master).isReachable() ? " is read-only (restarted) and may lack a tail they received" : " is down";
    return "master " + master + state + ", but " + unreachableReplicas
        + " may hold the only copy of an acknowledged write and cannot be read; failover waits for it"
        + " (a replica lost while the master lived is cut off from the binlog and not waited for;"
        + " replication mode Async trades this guarantee for availability)";
  }
}
