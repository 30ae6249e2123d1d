package dev.tandem.failover;

import dev.tandem.api.FailoverRecord;
import dev.tandem.api.InstanceStatus;
import dev.tandem.api.LostReplica;
import dev.tandem.api.MySQLClusterStatus;
import dev.tandem.api.Phase;
import dev.tandem.kubernetes.ClusterStatusAggregator;
import dev.tandem.replication.ClusterView;
import dev.tandem.replication.DesiredCluster;
import dev.tandem.replication.Finding;
import dev.tandem.replication.Plan;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Adds what the control loop saw inside mysqld to the status built from the Kubernetes objects:
 * the recorded master, the change in progress, each instance's replication state, and the
 * conditions Writable, Replicating and FailoverInProgress, whose messages say why Tandem did or
 * did not fail over. Pure.
 */
final class ObservedStatus {

  static final String WRITABLE = "Writable";
  static final String REPLICATING = "Replicating";
  /** Progressing's reasons while instances restart to take a new template or setting. */
  static final String ROLLING_OUT = "RollingOut";
  static final String ROLLOUT_PAUSED = "RolloutPaused";
  static final String FAILOVER_IN_PROGRESS = "FailoverInProgress";
  static final String CERTIFICATE_VALID = "CertificateValid";

  /**
   * One pass of the control loop: what it saw and planned, why it held back, if it did, and
   * whom it made writable after looking (the snapshot predates the promotion).
   */
  /** @param seeding what is under way to give instances a donor's copy, or why it waits */
  record Observation(ClusterView view, Plan plan, Optional<String> hold, Set<String> promoted, Optional<Rollout.Decision> rollout,
      Optional<String> seeding) {
    Observation {
      promoted = Set.copyOf(promoted);
    }

    static Observation held(ClusterView view, Plan plan, String reason) {
      return new Observation(view, plan, Optional.of(reason), Set.of(), Optional.empty(), Optional.empty());
    }
  }

  private ObservedStatus() {}

  static MySQLClusterStatus apply(
      MySQLClusterStatus base,
      MySQLClusterStatus previous,
      Optional<String> master,
      FailoverRecord intent,
      List<LostReplica> lostReplicas,
      Optional<Instant> masterLastSeenAt,
      Optional<Observation> observation,
      Instant now) {
    var status = copy(base);
    status.setMaster(master.orElse(null));
    status.setLostReplicas(List.copyOf(lostReplicas));
    status.setMasterLastSeenAt(masterLastSeenAt.map(Instant::toString).orElse(null));
    if (intent != null) {
      status.setLastFailover(intent);
      if (status.getPhase() != Phase.Error) {
        status.setPhase(Phase.FailingOver);
      }
    }
    var conditions = new ArrayList<>(base.getConditions());
    Optional<Condition> writable = Optional.empty();
    if (observation.isPresent()) {
      var seen = observation.get();
      status.setInstances(base.getInstances().stream().map(instance -> withReplication(instance, seen.view())).toList());
      writable = Optional.of(writable(previous, master, seen, intent, base.getObservedGeneration(), now));
      conditions.add(writable.get());
      conditions.add(replicating(previous, master, seen, base.getObservedGeneration(), now));
    }
    conditions.add(failoverInProgress(previous, intent, observation, base.getObservedGeneration(), now));
    observation.flatMap(Observation::rollout).filter(Rollout.Decision::inProgress).ifPresent(rollout ->
        conditions.replaceAll(condition -> ClusterStatusAggregator.PROGRESSING.equals(condition.getType())
            && !ClusterStatusAggregator.REASON_INVALID_SPEC.equals(condition.getReason())
            ? ClusterStatusAggregator.condition(previous, ClusterStatusAggregator.PROGRESSING, true,
                rollout.paused() ? ROLLOUT_PAUSED : ROLLING_OUT, rollout.message(), base.getObservedGeneration(), now)
            : condition));
    observation.flatMap(Observation::seeding).ifPresent(seeding ->
        conditions.replaceAll(condition -> ClusterStatusAggregator.PROGRESSING.equals(condition.getType())
            && !ClusterStatusAggregator.REASON_INVALID_SPEC.equals(condition.getReason())
            ? ClusterStatusAggregator.condition(previous, ClusterStatusAggregator.PROGRESSING, true, "Seeding",
                "True".equals(condition.getStatus()) && condition.getMessage() != null && !condition.getMessage().isEmpty()
                    ? seeding + "; " + condition.getMessage() : seeding, base.getObservedGeneration(), now)
            : condition));
    var takingWrites = noWriterReason(Optional.ofNullable(base.getMaster()), master, writable);
    if (takingWrites.isPresent() && base.getPhase() != Phase.Error) {
      conditions.replaceAll(condition -> ClusterStatusAggregator.READY.equals(condition.getType())
          ? ClusterStatusAggregator.condition(previous, ClusterStatusAggregator.READY, false, takingWrites.get().reason(),
              takingWrites.get().message(), base.getObservedGeneration(), now)
          : condition);
      if (intent == null && (master.isPresent() || base.getPhase() == Phase.Ready)) {
        status.setPhase(Phase.Unavailable);
      }
    }
    status.setConditions(conditions);
    return status;
  }

  private record NoWriter(String reason, String message) {}

  /**
   * Why the writer Service takes no writes, if it does not: Ready is never True then, whatever
   * the Pods' readiness says. The writer Service selects the Pod labelled master, so the label
   * must be on the recorded master, and that master must be seen writable.
   */
  private static Optional<NoWriter> noWriterReason(Optional<String> labelled, Optional<String> master, Optional<Condition> writable) {
    if (writable.isEmpty()) {
      return Optional.of(new NoWriter("NotObserved", "the instances have not been probed, so no master is known to take writes"));
    }
    if (!"True".equals(writable.get().getStatus())) {
      return Optional.of(new NoWriter("NoWriter", "nothing takes writes: " + writable.get().getMessage()));
    }
    if (!labelled.equals(master)) {
      return Optional.of(new NoWriter("WriterServiceNotOnMaster", "the writer Service selects "
          + labelled.map(pod -> "Pod " + pod).orElse("no Pod") + ", not the master " + master.orElseThrow()));
    }
    return Optional.empty();
  }

  /** The status as it must be recorded before a change of master starts. */
  static MySQLClusterStatus withIntent(MySQLClusterStatus status, FailoverRecord intent) {
    var copy = withCondition(status, failoverInProgress(status, intent, Optional.empty(), status.getObservedGeneration(), Instant.now()));
    copy.setLastFailover(intent);
    copy.setPhase(Phase.FailingOver);
    return copy;
  }

  /** The status without what moves with every write (GTID positions, lag), to tell real changes apart. */
  static MySQLClusterStatus withoutPositions(MySQLClusterStatus status) {
    var copy = copy(status);
    copy.setInstances(status.getInstances().stream()
        .map(i -> new InstanceStatus(i.name(), i.role(), i.ready(), i.readOnly(), null, null, i.replicating())).toList());
    return copy;
  }

  static MySQLClusterStatus withLostReplicas(MySQLClusterStatus status, List<LostReplica> lostReplicas) {
    var copy = copy(status);
    copy.setLostReplicas(List.copyOf(lostReplicas));
    return copy;
  }

  static MySQLClusterStatus withLastFailover(MySQLClusterStatus status, FailoverRecord record) {
    var copy = copy(status);
    copy.setLastFailover(record);
    return copy;
  }

  private static InstanceStatus withReplication(InstanceStatus instance, ClusterView view) {
    var snapshot = view.observed().get(instance.name());
    if (snapshot == null || snapshot.server().isEmpty()) {
      return instance;
    }
    var server = snapshot.server().get();
    var replication = server.replication();
    return new InstanceStatus(instance.name(), instance.role(), instance.ready(), server.readOnly(), server.executed().toString(),
        replication.flatMap(r -> r.secondsBehindSource()).orElse(null),
        replication.map(r -> r.threadsRunning()).orElse(null));
  }

  private static Condition writable(MySQLClusterStatus previous, Optional<String> master, Observation seen, FailoverRecord intent,
      Long generation, Instant now) {
    boolean writable = master.filter(name -> seen.view().snapshot(name).isWritable() || seen.promoted().contains(name)).isPresent();
    if (writable) {
      return ClusterStatusAggregator.condition(previous, WRITABLE, true, "MasterWritable", master.get() + " takes writes", generation, now);
    }
    String reason = intent != null ? "ChangingMaster" : master.isEmpty() ? "NoMaster" : "MasterNotWritable";
    String message = master.map(m -> m + " does not take writes").orElse("no master has been chosen yet")
        + waitingReasons(seen.plan()).map(reasons -> ": " + reasons).orElse("");
    return ClusterStatusAggregator.condition(previous, WRITABLE, false, reason, message, generation, now);
  }

  private static Condition replicating(MySQLClusterStatus previous, Optional<String> master, Observation seen, Long generation,
      Instant now) {
    var view = seen.view();
    var problems = new ArrayList<String>();
    for (String name : view.desired().names()) {
      // In DualMaster each master replicates from the other, so only there is the master checked.
      boolean singleMaster = view.desired().layout() == DesiredCluster.Layout.MASTER_REPLICA && master.filter(name::equals).isPresent();
      if (singleMaster || view.desired().offline().contains(name)) {
        continue;
      }
      var snapshot = view.observed().get(name);
      if (!snapshot.isReachable()) {
        problems.add(name + " is unreachable");
      } else if (snapshot.replication().isEmpty()) {
        problems.add(name + " does not replicate");
      } else if (!snapshot.replication().get().threadsRunning()) {
        problems.add(name + "'s replication is not running");
      }
    }
    seen.plan().findings().stream()
        .filter(f -> f instanceof Finding.Errant || f instanceof Finding.ReplicationBroken)
        .forEach(f -> problems.add(f.message()));
    return problems.isEmpty()
        ? ClusterStatusAggregator.condition(previous, REPLICATING, true, "AllReplicasReplicating",
            "every online instance replicates from the master", generation, now)
        : ClusterStatusAggregator.condition(previous, REPLICATING, false, "ReplicationIncomplete",
            String.join("; ", problems), generation, now);
  }

  private static Condition failoverInProgress(MySQLClusterStatus previous, FailoverRecord intent, Optional<Observation> observation,
      Long generation, Instant now) {
    if (intent != null) {
      return ClusterStatusAggregator.condition(previous, FAILOVER_IN_PROGRESS, true, intent.type(),
          intent.type() + " from " + intent.from() + " to " + intent.to() + " since " + intent.startedAt() + ": " + intent.reason(),
          generation, now);
    }
    String reason = "NoFailoverNeeded";
    String message = "the master is healthy";
    if (observation.isEmpty()) {
      reason = "NotObserved";
      message = "instances are not probed until the spec is valid and the credentials exist";
    } else if (observation.get().hold().isPresent()) {
      reason = "ConfirmingFailure";
      message = observation.get().hold().get();
    } else if (observation.get().plan().state() == Plan.State.FAILOVER_NEEDED) {
      reason = "AutomaticFailoverDisabled";
      message = waitingReasons(observation.get().plan()).orElse("automatic failover is off");
    } else if (observation.get().plan().state() == Plan.State.WAITING) {
      reason = "FailoverHeld";
      message = waitingReasons(observation.get().plan()).orElse("waiting");
    }
    return ClusterStatusAggregator.condition(previous, FAILOVER_IN_PROGRESS, false, reason, message, generation, now);
  }

  private static Optional<String> waitingReasons(Plan plan) {
    String reasons = plan.findings().stream()
        .filter(f -> f instanceof Finding.Waiting)
        .map(Finding::message)
        .collect(Collectors.joining("; "));
    return reasons.isEmpty() ? Optional.empty() : Optional.of(reasons);
  }

  /**
   * While TLS is on or served, whether the TLS Secret's certificate is one the instances can load
   * and none refused it, or what is wrong: an Event alone is missed, and gone after an hour. Valid
   * with reason PreviousCATrusted while a replaced CA is still trusted, for the instances named.
   */
  static MySQLClusterStatus withCertificates(MySQLClusterStatus status, MySQLClusterStatus previous, Optional<String> problem,
      Optional<String> previousAuthoritiesTrusted, Instant now) {
    String valid = "The TLS Secret's certificate is valid and no instance refused to load it";
    String reason = problem.isPresent() ? "CertificateInvalid" : previousAuthoritiesTrusted.isPresent() ? "PreviousCATrusted" : "Valid";
    String message = problem.orElse(previousAuthoritiesTrusted.map(trusted -> valid + "; " + trusted).orElse(valid));
    return withCondition(status, ClusterStatusAggregator.condition(previous, CERTIFICATE_VALID, problem.isEmpty(), reason, message,
        status.getObservedGeneration(), now));
  }

  /** A copy of the status with {@code condition} in place of the one of its type, if any. */
  private static MySQLClusterStatus withCondition(MySQLClusterStatus status, Condition condition) {
    var copy = copy(status);
    var conditions = new ArrayList<>(status.getConditions().stream().filter(c -> !condition.getType().equals(c.getType())).toList());
    conditions.add(condition);
    copy.setConditions(conditions);
    return copy;
  }

  private static MySQLClusterStatus copy(MySQLClusterStatus status) {
    var copy = new MySQLClusterStatus();
    copy.setObservedGeneration(status.getObservedGeneration());
    copy.setPhase(status.getPhase());
    copy.setMaster(status.getMaster());
    copy.setReady(status.getReady());
    copy.setReadyInstances(status.getReadyInstances());
    copy.setInstances(List.copyOf(status.getInstances()));
    copy.setConditions(List.copyOf(status.getConditions()));
    copy.setLastFailover(status.getLastFailover());
    copy.setEndpoints(status.getEndpoints());
    copy.setLostReplicas(List.copyOf(status.getLostReplicas()));
    copy.setMasterLastSeenAt(status.getMasterLastSeenAt());
    return copy;
  }
}
