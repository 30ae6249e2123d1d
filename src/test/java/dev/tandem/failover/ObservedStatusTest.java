package dev.tandem.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.api.FailoverRecord;
import dev.tandem.api.InstanceRole;
import dev.tandem.api.InstanceStatus;
import dev.tandem.api.MySQLClusterStatus;
import dev.tandem.api.Phase;
import dev.tandem.kubernetes.ClusterStatusAggregator;
import dev.tandem.replication.Planner;
import dev.tandem.replication.ReplicationStatus.IoThread;
import dev.tandem.replication.View;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The status a user reads: why Tandem did or did not fail over, in the conditions. */
class ObservedStatusTest {

  static final Instant NOW = Instant.parse("2026-11-28T10:00:00Z");

  /** What the Pods alone say: every one ready and shop-0 labelled master (the writer Service selects it). */
  static MySQLClusterStatus base(String labelledMaster) {
    var status = new MySQLClusterStatus();
    status.setPhase(Phase.Ready);
    status.setObservedGeneration(1L);
    status.setMaster(labelledMaster);
    status.setInstances(List.of(InstanceStatus.fromPod("shop-0", InstanceRole.Master, true),
        InstanceStatus.fromPod("shop-1", InstanceRole.Replica, true), InstanceStatus.fromPod("shop-2", InstanceRole.Replica, true)));
    status.setConditions(List.of(ClusterStatusAggregator.condition(null, ClusterStatusAggregator.READY, true, "AllInstancesReady",
        "The master and every replica are ready", 1L, NOW), ClusterStatusAggregator.condition(null,
        ClusterStatusAggregator.PROGRESSING, false, "UpToDate", "Every object matches the spec", 1L, NOW)));
    return status;
  }

  static MySQLClusterStatus withRollout(Rollout.Decision decision) {
    var built = RoleLabelsTest.healthy3().build();
    var observation = new ObservedStatus.Observation(built, Planner.plan(built), Optional.empty(), Set.of(), Optional.of(decision), Optional.empty());
    return ObservedStatus.apply(base("shop-0"), null, Optional.of("shop-0"), null, List.of(), Optional.empty(), Optional.of(observation), NOW);
  }

  @Test
  void aRolloutUnderWayIsProgressingWithItsStepAndAPausedOneSaysWhy() {
    var restarting = withRollout(new Rollout.Decision(new Rollout.Restart("shop-2"), 0, 3, "0/3 instances updated; restarting shop-2"));
    var waiting = withRollout(new Rollout.Decision(new Rollout.Wait("waiting for shop-2 to be ready", false), 1, 3,
        "1/3 instances updated; waiting for shop-2 to be ready"));
    var paused = withRollout(new Rollout.Decision(new Rollout.Wait("a backup reads from shop-1, which restarts next", true), 1, 3,
        "1/3 instances updated; a backup reads from shop-1, which restarts next"));
    var done = withRollout(new Rollout.Decision(new Rollout.Done(), 3, 3, "every instance runs the current template"));

    assertThat(condition(restarting, "Progressing").getStatus()).isEqualTo("True");
    assertThat(condition(restarting, "Progressing").getReason()).isEqualTo("RollingOut");
    assertThat(condition(restarting, "Progressing").getMessage()).isEqualTo("0/3 instances updated; restarting shop-2");
    assertThat(condition(waiting, "Progressing").getReason()).isEqualTo("RollingOut");
    assertThat(condition(waiting, "Progressing").getMessage()).isEqualTo("1/3 instances updated; waiting for shop-2 to be ready");
    assertThat(condition(paused, "Progressing").getStatus()).isEqualTo("True");
    assertThat(condition(paused, "Progressing").getReason()).isEqualTo("RolloutPaused");
    assertThat(condition(done, "Progressing").getStatus()).isEqualTo("False");
    assertThat(condition(done, "Progressing").getReason()).isEqualTo("UpToDate");
    assertThat(condition(restarting, "Ready").getStatus()).isEqualTo("True");
  }

  static MySQLClusterStatus apply(View view, Optional<String> hold, FailoverRecord intent) {
    return apply(view, hold, intent, Set.of(), "shop-0");
  }

  static MySQLClusterStatus apply(View view, Optional<String> hold, FailoverRecord intent, Set<String> promoted, String labelled) {
    var built = view.build();
    var observation = new ObservedStatus.Observation(built, Planner.plan(built), hold, promoted, Optional.empty(), Optional.empty());
    return ObservedStatus.apply(base(labelled), null, Optional.of("shop-0"), intent, List.of(), Optional.empty(), Optional.of(observation), NOW);
  }

  static Condition condition(MySQLClusterStatus status, String type) {
    return status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
  }

  @Test
  void aCertificateProblemIsTheCertificateValidConditionsMessageThenATrustedReplacedCaIsNamedUntilGoneAndReadyIsLeftAlone() {
    var healthy = apply(RoleLabelsTest.healthy3(), Optional.empty(), null);

    var refused = ObservedStatus.withCertificates(healthy, healthy, Optional.of("shop-1 could not load the Secret's certificate: x"),
        Optional.of("1 CA not in TLS Secret shop-tls stays trusted until shop-2 is seen serving the Secret's certificate"), NOW);
    assertThat(condition(refused, ObservedStatus.CERTIFICATE_VALID).getStatus()).isEqualTo("False");
    assertThat(condition(refused, ObservedStatus.CERTIFICATE_VALID).getReason()).isEqualTo("CertificateInvalid");
    assertThat(condition(refused, ObservedStatus.CERTIFICATE_VALID).getMessage()).isEqualTo("shop-1 could not load the Secret's certificate: x");
    assertThat(condition(refused, ClusterStatusAggregator.READY)).isEqualTo(condition(healthy, ClusterStatusAggregator.READY));

    var waiting = ObservedStatus.withCertificates(refused, refused, Optional.empty(),
        Optional.of("1 CA not in TLS Secret shop-tls stays trusted until shop-2 is seen serving the Secret's certificate"), NOW);
    assertThat(condition(waiting, ObservedStatus.CERTIFICATE_VALID).getStatus()).isEqualTo("True");
    assertThat(condition(waiting, ObservedStatus.CERTIFICATE_VALID).getReason()).isEqualTo("PreviousCATrusted");
    assertThat(condition(waiting, ObservedStatus.CERTIFICATE_VALID).getMessage()).endsWith("until shop-2 is seen serving the Secret's"
        + " certificate");

    var fixed = ObservedStatus.withCertificates(waiting, waiting, Optional.empty(), Optional.empty(), NOW);
    assertThat(fixed.getConditions()).filteredOn(c -> ObservedStatus.CERTIFICATE_VALID.equals(c.getType())).singleElement()
        .satisfies(c -> {
          assertThat(c.getStatus()).isEqualTo("True");
          assertThat(c.getReason()).isEqualTo("Valid");
        });
  }

  @Test
  void aHealthyClusterIsWritableReplicatingAndNeedsNoFailover() {
    var status = apply(RoleLabelsTest.healthy3(), Optional.empty(), null);

    assertThat(condition(status, "Writable").getStatus()).isEqualTo("True");
    assertThat(condition(status, "Replicating").getStatus()).isEqualTo("True");
    assertThat(condition(status, "FailoverInProgress").getReason()).isEqualTo("NoFailoverNeeded");
    assertThat(status.getMaster()).isEqualTo("shop-0");
    assertThat(status.getInstances().get(1).readOnly()).isTrue();
    assertThat(status.getInstances().get(1).gtidExecuted()).isEqualTo("0-1000-10");
    assertThat(status.getInstances().get(1).replicating()).isTrue();
  }

  @Test
  void theOperatorAloneLosingTheMasterIsHeldAndSaysWhy() {
    var status = apply(RoleLabelsTest.healthy3().unreachable("shop-0"), Optional.empty(), null);

    var held = condition(status, "FailoverInProgress");
    assertThat(held.getStatus()).isEqualTo("False");
    assertThat(held.getReason()).isEqualTo("FailoverHeld");
    assertThat(held.getMessage()).contains("still receive from it; not failing over");
  }

  @Test
  void aMissedProbeIsReportedWhileTheFailureIsConfirmed() {
    var status = apply(RoleLabelsTest.healthy3().unreachable("shop-0").io("shop-1", IoThread.CONNECTING).io("shop-2", IoThread.CONNECTING),
        Optional.of("master shop-0 missed 1 of 2 probes needed to confirm its failure"), null);

    assertThat(condition(status, "FailoverInProgress").getReason()).isEqualTo("ConfirmingFailure");
    assertThat(condition(status, "Writable").getStatus()).isEqualTo("False");
  }

  @Test
  void withAutomaticFailoverOffTheCandidateIsRecommended() {
    var status = apply(RoleLabelsTest.healthy3().manualFailover().unreachable("shop-0")
        .io("shop-1", IoThread.CONNECTING).io("shop-2", IoThread.CONNECTING), Optional.empty(), null);

    var condition = condition(status, "FailoverInProgress");
    assertThat(condition.getReason()).isEqualTo("AutomaticFailoverDisabled");
    assertThat(condition.getMessage()).contains("recommended candidate is shop-1");
  }

  @Test
  void aChangeInProgressIsTheLastFailoverAndThePhase() {
    var intent = new FailoverRecord("Failover", "shop-0", "shop-1", NOW.toString(), null, null, "master shop-0 failed");

    var status = apply(RoleLabelsTest.healthy3().unreachable("shop-0"), Optional.empty(), intent);

    assertThat(status.getPhase()).isEqualTo(Phase.FailingOver);
    assertThat(status.getLastFailover()).isEqualTo(intent);
    assertThat(condition(status, "FailoverInProgress").getStatus()).isEqualTo("True");
    assertThat(condition(status, "FailoverInProgress").getMessage()).contains("from shop-0 to shop-1");
  }

  @Test
  void positionsAloneAreNoChangeButARoleIs() {
    var before = apply(RoleLabelsTest.healthy3(), Optional.empty(), null);
    var moved = apply(RoleLabelsTest.healthy3().replica("shop-1", "shop-0", "0-1000-11").master("shop-0", "0-1000-11"), Optional.empty(), null);
    var unreachable = apply(RoleLabelsTest.healthy3().unreachable("shop-2"), Optional.empty(), null);

    assertThat(moved).isNotEqualTo(before);
    assertThat(ObservedStatus.withoutPositions(moved)).isEqualTo(ObservedStatus.withoutPositions(before));
    assertThat(ObservedStatus.withoutPositions(unreachable)).isNotEqualTo(ObservedStatus.withoutPositions(before));
  }

  @Test
  void aHealthyClusterWhoseWriterServiceSelectsTheMasterIsReady() {
    var status = apply(RoleLabelsTest.healthy3(), Optional.empty(), null);

    assertThat(status.getPhase()).isEqualTo(Phase.Ready);
    assertThat(condition(status, "Ready").getStatus()).isEqualTo("True");
  }

  @Test
  void aReadOnlyMasterWithEveryPodReadyIsUnavailableNotReady() {
    var status = apply(RoleLabelsTest.healthy3().standalone("shop-0", "0-1000-10"), Optional.empty(), null);

    assertThat(status.getPhase()).isEqualTo(Phase.Unavailable);
    var ready = condition(status, "Ready");
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("NoWriter");
    assertThat(ready.getMessage()).contains("shop-0 does not take writes");
  }

  @Test
  void anUnreachableMasterIsUnavailableNotReady() {
    var status = apply(RoleLabelsTest.healthy3().unreachable("shop-0"), Optional.empty(), null);

    assertThat(status.getPhase()).isEqualTo(Phase.Unavailable);
    assertThat(condition(status, "Ready").getStatus()).isEqualTo("False");
  }

  @Test
  void aWritableMasterTheWriterServiceDoesNotSelectIsNotReady() {
    var status = apply(RoleLabelsTest.healthy3(), Optional.empty(), null, Set.of(), "shop-1");

    assertThat(status.getPhase()).isEqualTo(Phase.Unavailable);
    assertThat(condition(status, "Ready").getReason()).isEqualTo("WriterServiceNotOnMaster");
    assertThat(condition(status, "Ready").getMessage()).contains("selects Pod shop-1, not the master shop-0");
  }

  @Test
  void aMasterPromotedAfterItWasObservedTakesWrites() {
    var status = apply(RoleLabelsTest.healthy3().standalone("shop-0", "0-1000-10"), Optional.empty(), null, Set.of("shop-0"), "shop-0");

    assertThat(condition(status, "Writable").getStatus()).isEqualTo("True");
    assertThat(status.getPhase()).isEqualTo(Phase.Ready);
  }

  @Test
  void aClusterNotProbedIsNeverReady() {
    var status = ObservedStatus.apply(base("shop-0"), null, Optional.of("shop-0"), null, List.of(), Optional.empty(), Optional.empty(), NOW);

    assertThat(condition(status, "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(status, "Ready").getReason()).isEqualTo("NotObserved");
    assertThat(status.getPhase()).isEqualTo(Phase.Unavailable);
  }

  @Test
  void aChangeOfMasterUnderWayIsFailingOverAndNotReady() {
    var intent = new FailoverRecord("Failover", "shop-0", "shop-1", NOW.toString(), null, null, "master shop-0 failed");

    var status = apply(RoleLabelsTest.healthy3().unreachable("shop-0"), Optional.empty(), intent);

    assertThat(status.getPhase()).isEqualTo(Phase.FailingOver);
    assertThat(condition(status, "Ready").getStatus()).isEqualTo("False");
  }
}
