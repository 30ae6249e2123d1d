package dev.tandem.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.replication.Action.CatchUp;
import dev.tandem.replication.Action.CutOff;
import dev.tandem.replication.Action.Detach;
import dev.tandem.replication.Action.Fence;
import dev.tandem.replication.Action.Promote;
import dev.tandem.replication.Action.Readmit;
import dev.tandem.replication.Action.Replicate;
import dev.tandem.replication.Action.StartReplication;
import dev.tandem.replication.Action.StopReceiver;
import dev.tandem.replication.Plan.State;
import dev.tandem.replication.ReplicationStatus.IoThread;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The planner, one observed cluster per test; named {@code <state><instances>-<cause>} in the display name. */
class PlannerTest {

  static View healthy3() {
    return View.of(3).recorded("shop-0").master("shop-0", "0-1000-10")
        .replica("shop-1", "shop-0", "0-1000-10").replica("shop-2", "shop-0", "0-1000-10");
  }

  /** The master is gone and both replicas noticed. */
  static View masterLost3() {
    return healthy3().unreachable("shop-0").io("shop-1", IoThread.CONNECTING).io("shop-2", IoThread.CONNECTING);
  }

  @Nested
  class Bootstrap {
    @Test
    void bootstrap3FreshChoosesTheFirstInstanceAndStartsReplicasBeforeSemiSync() {
      var plan = View.of(3).plan();

      assertThat(plan.state()).isEqualTo(State.BOOTSTRAP);
      assertThat(plan.masters()).containsExactly("shop-0");
      assertThat(plan.actions()).containsExactly(
          new Replicate("shop-1", "shop-0"), new Replicate("shop-2", "shop-0"), new Promote("shop-0", true));
    }

    @Test
    void bootstrap3WithAPreferredMasterStartsThere() {
      var plan = View.of(3).preferred("shop-2").plan();

      assertThat(plan.masters()).containsExactly("shop-2");
      assertThat(plan.actions()).last().isEqualTo(new Promote("shop-2", true));
    }

    @Test
    void bootstrap1SingleInstanceHasNoSemiSyncToWaitFor() {
      var plan = View.of(1).plan();

      assertThat(plan.actions()).containsExactly(new Promote("shop-0", false));
    }

    @Test
    void bootstrap3AsyncLeavesSemiSyncOff() {
      assertThat(View.of(3).async().plan().actions()).last().isEqualTo(new Promote("shop-0", false));
    }

    @Test
    void waiting3FreshWithAnUnreachableInstanceDoesNotChooseYet() {
      var plan = View.of(3).unreachable("shop-2").plan();

      assertThat(plan.state()).isEqualTo(State.WAITING);
      assertThat(plan.actions()).isEmpty();
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains("waiting for [shop-2]"));
    }

    @Test
    void bootstrap3AnOfflineInstanceIsNotWaitedForNorConfigured() {
      var plan = View.of(3).offline("shop-2").unreachable("shop-2").plan();

      assertThat(plan.state()).isEqualTo(State.BOOTSTRAP);
      assertThat(plan.actions()).containsExactly(new Replicate("shop-1", "shop-0"), new Promote("shop-0", true));
    }
  }

  @Nested
  class Steady {
    @Test
    void healthy3NothingToDo() {
      var plan = healthy3().plan();

      assertThat(plan.state()).isEqualTo(State.HEALTHY);
      assertThat(plan.masters()).containsExactly("shop-0");
      assertThat(plan.actions()).isEmpty();
      assertThat(plan.findings()).isEmpty();
    }

    @Test
    void healthy3TurningTlsOnRepointsEveryReplicaStillReplicatingInPlaintext() {
      var plan = healthy3().replicationOverTls("/etc/mysql/tls/ca.crt").receiverOverTls("shop-1", "/etc/mysql/tls/ca.crt").plan();

      assertThat(plan.masters()).containsExactly("shop-0");
      assertThat(plan.actions()).containsExactly(new Replicate("shop-2", "shop-0"));
    }

    @Test
    void healthy3MidRolloutOnlyAReplicaWhoseEndsBothHaveTheirCertificateMovesToTls() {
      var plan = healthy3().replicationOverTls("/etc/mysql/tls/ca.crt").servingTls("shop-0", "shop-1").plan();

      assertThat(plan.actions()).containsExactly(new Replicate("shop-1", "shop-0"));
    }

    @Test
    void healthy3TurningTlsOffRepointsAReplicaStillOnTls() {
      var plan = healthy3().receiverOverTls("shop-2", "/etc/mysql/tls/ca.crt").plan();

      assertThat(plan.actions()).containsExactly(new Replicate("shop-2", "shop-0"));
    }

    @Test
    void healthy3OverTlsWithEveryReceiverOnTheWantedCaIsLeftAlone() {
      var plan = healthy3().replicationOverTls("/etc/mysql/tls/ca.crt")
          .receiverOverTls("shop-1", "/etc/mysql/tls/ca.crt").receiverOverTls("shop-2", "/etc/mysql/tls/ca.crt").plan();

      assertThat(plan.state()).isEqualTo(State.HEALTHY);
      assertThat(plan.actions()).isEmpty();
    }

    @Test
    void healthy3ALaggingReplicaIsLeftToCatchUp() {
      assertThat(healthy3().replica("shop-2", "shop-0", "0-1000-4").plan().state()).isEqualTo(State.HEALTHY);
    }

    @Test
    void healthy3AReplicaAheadOfTheMastersSnapshotByTheMastersOwnWritesIsNotErrant() {
      var plan = healthy3().replica("shop-1", "shop-0", "0-1000-12").plan();

      assertThat(plan.state()).isEqualTo(State.HEALTHY);
    }

    @Test
    void degraded3AReplicaStoppedWithoutAnErrorIsRestarted() {
      var plan = healthy3().io("shop-1", IoThread.STOPPED).sqlStopped("shop-1").plan();

      assertThat(plan.state()).isEqualTo(State.DEGRADED);
      assertThat(plan.actions()).containsExactly(new StartReplication("shop-1"));
    }

    @Test
    void degraded3AnApplierErrorIsReportedAndNeverSkipped() {
      var plan = healthy3().sqlError("shop-1", 1062, "0-1000-11").plan();

      assertThat(plan.actions()).isEmpty();
      assertThat(plan.findings()).singleElement().isInstanceOfSatisfying(Finding.ReplicationBroken.class, broken -> {
        assertThat(broken.instance()).isEqualTo("shop-1");
        assertThat(broken.message()).contains("error 1062 at GTID 0-1000-11");
      });
    }

    @Test
    void degraded3AReceiverStoppedOnAnErrorIsReportedNotRestarted() {
      var plan = healthy3().ioError("shop-2", 1593).plan();

      assertThat(plan.actions()).isEmpty();
      assertThat(plan.findings()).singleElement().extracting(Finding::message).asString().contains("error 1593");
    }

    @Test
    void degraded3AReceiverRefusedBySourceHoldingEverythingItHoldsIsSetUpAgainAndStillReported() {
      var plan = healthy3().ioError("shop-2", 1236).plan();

      assertThat(plan.actions()).containsExactly(new Replicate("shop-2", "shop-0"));
      assertThat(plan.findings()).singleElement().extracting(Finding::message).asString().contains("error 1236");
    }

    @Test
    void degraded3AReceiverReconnectingOnItsOwnNeedsNothing() {
      assertThat(healthy3().io("shop-2", IoThread.CONNECTING).plan().state()).isEqualTo(State.HEALTHY);
    }

    @Test
    void degraded3AnUnconfiguredReplicaIsPointedAtTheMaster() {
      var plan = healthy3().standalone("shop-2", "0-1000-3").plan();

      assertThat(plan.actions()).containsExactly(new Replicate("shop-2", "shop-0"));
    }

    @Test
    void degraded3AReplicaOfTheWrongSourceIsRepointed() {
      var plan = healthy3().replica("shop-2", "shop-1", "0-1000-10").plan();

      assertThat(plan.actions()).containsExactly(new Replicate("shop-2", "shop-0"));
    }

    @Test
    void degraded3AReplicaLeftAsSemiSyncSourceIsDemoted() {
      var plan = healthy3().semiSyncSource("shop-1", true).plan();

      assertThat(plan.actions()).containsExactly(new Replicate("shop-1", "shop-0"));
    }

    @Test
    void degraded3AMasterWithoutItsSemiSyncSourceSideIsPromotedAgain() {
      var plan = healthy3().semiSyncSource("shop-0", false).plan();

      assertThat(plan.actions()).containsExactly(new Promote("shop-0", true));
    }

    @Test
    void degraded3AnUnreachableReplicaIsReported() {
      var plan = healthy3().unreachable("shop-2").plan();

      assertThat(plan.state()).isEqualTo(State.DEGRADED);
      assertThat(plan.actions()).isEmpty();
      assertThat(plan.findings()).singleElement().isInstanceOf(Finding.Unreachable.class);
    }

    @Test
    void degraded3AnErrantReplicaIsReportedAndNotRepointed() {
      var plan = healthy3().standalone("shop-2", "0-1000-9,0-1002-10").plan();

      assertThat(plan.actions()).isEmpty();
      assertThat(plan.findings()).singleElement().isInstanceOfSatisfying(Finding.Errant.class, errant -> {
        assertThat(errant.instance()).isEqualTo("shop-2");
        assertThat(errant.transactions()).hasToString("0-1002-10");
      });
    }

    @Test
    void healthy3AnOfflineReplicaIsLeftAloneEvenWhenStopped() {
      var plan = healthy3().offline("shop-2").io("shop-2", IoThread.STOPPED).sqlStopped("shop-2").plan();

      assertThat(plan.state()).isEqualTo(State.HEALTHY);
    }

    @Test
    void degraded3AnOfflineReplicaRemovedFromTheListIsRestarted() {
      // Stopped while offline (a DBA's maintenance); the planner keeps no memory of it, so the
      // same observation is planned with and then without shop-2 in spec.offline.
      var stoppedWhileOffline = healthy3().offline("shop-2").io("shop-2", IoThread.STOPPED).sqlStopped("shop-2");
      assertThat(stoppedWhileOffline.plan().actions()).as("while listed").isEmpty();

      var plan = stoppedWhileOffline.offline().plan();

      assertThat(plan.state()).isEqualTo(State.DEGRADED);
      assertThat(plan.actions()).containsExactly(new StartReplication("shop-2"));
    }
  }

  @Nested
  class Switchover {
    @Test
    void switchover3FencesCatchesUpPromotesAndRepointsEveryoneIncludingTheOldMaster() {
      var plan = healthy3().preferred("shop-1").plan();

      assertThat(plan.state()).isEqualTo(State.SWITCHOVER);
      assertThat(plan.masters()).containsExactly("shop-1");
      assertThat(plan.actions()).containsExactly(new Fence("shop-0"), new CatchUp("shop-1", "shop-0"), new Detach("shop-1"),
          new Replicate("shop-2", "shop-1"), new Replicate("shop-0", "shop-1"), new Promote("shop-1", true));
    }

    @Test
    void degraded3NoSwitchoverToAnOfflineInstance() {
      assertSwitchoverWaits(healthy3().offline("shop-1").preferred("shop-1"), "shop-1 is offline");
    }

    @Test
    void degraded3NoSwitchoverToAnUnreachableInstance() {
      assertSwitchoverWaits(healthy3().unreachable("shop-1").preferred("shop-1"), "shop-1 is unreachable");
    }

    @Test
    void degraded3NoSwitchoverToAnInstanceNotReplicatingFromTheMaster() {
      assertSwitchoverWaits(healthy3().standalone("shop-1", "0-1000-10").preferred("shop-1"), "does not replicate from shop-0");
    }

    @Test
    void degraded3NoSwitchoverToAnInstanceWhoseReplicationIsDown() {
      assertSwitchoverWaits(healthy3().io("shop-1", IoThread.CONNECTING).preferred("shop-1"), "replication is not running");
    }

    @Test
    void degraded3NoSwitchoverToAnErrantInstance() {
      assertSwitchoverWaits(healthy3().replica("shop-1", "shop-0", "0-1001-11").preferred("shop-1"), "errant transactions 0-1001-11");
    }

    void assertSwitchoverWaits(View view, String reason) {
      var plan = view.plan();
      assertThat(plan.state()).isNotEqualTo(State.SWITCHOVER);
      assertThat(plan.masters()).containsExactly("shop-0");
      assertThat(plan.actions()).doesNotContain(new Fence("shop-0"));
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains("switchover from shop-0 to shop-1 waits").contains(reason));
    }
  }

  @Nested
  class Failover {
    @Test
    void failover3PromotesTheReplicaThatReceivedTheMost() {
      var plan = masterLost3().replica("shop-1", "shop-0", "0-1000-8").received("shop-1", "0-1000-10")
          .replica("shop-2", "shop-0", "0-1000-9").io("shop-1", IoThread.CONNECTING).io("shop-2", IoThread.CONNECTING).plan();

      assertThat(plan.state()).isEqualTo(State.FAILOVER);
      assertThat(plan.masters()).containsExactly("shop-1");
      assertThat(plan.actions()).containsExactly(new StopReceiver("shop-1"), new StopReceiver("shop-2"), new Fence("shop-0", true),
          new Detach("shop-1"), new Replicate("shop-2", "shop-1"), new Promote("shop-1", true));
    }

    @Test
    void failover3EqualPositionsGoToThePriorityList() {
      assertThat(masterLost3().priority("shop-2", "shop-1").plan().masters()).containsExactly("shop-2");
    }

    @Test
    void failover3EqualPositionsGoToThePreferredMasterBeforeThePriorityList() {
      assertThat(masterLost3().priority("shop-1").preferred("shop-2").plan().masters()).containsExactly("shop-2");
    }

    @Test
    void failover3EqualPositionsWithoutPreferenceGoToTheLowestOrdinal() {
      assertThat(masterLost3().plan().masters()).containsExactly("shop-1");
    }

    @Test
    void waiting3AReplicaStillReceivingFromTheMasterOutweighsItsPodReportedDown() {
      // A Pod reported down (NotReady, node lost) whose mysqld still streams binlog to shop-2 is
      // alive and may still take writes: promoting now would make two writers.
      var plan = healthy3().unreachable("shop-0").down("shop-0").io("shop-1", IoThread.CONNECTING).plan();

      assertThat(plan.state()).isEqualTo(State.WAITING);
      assertThat(plan.actions()).isEmpty();
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains("[shop-2] still receive from it"));
    }

    @Test
    void failover3APodKnownDownIsEnoughWitnessOnceNoReplicaReceivesFromIt() {
      var plan = healthy3().unreachable("shop-0").down("shop-0").io("shop-1", IoThread.CONNECTING).io("shop-2", IoThread.STOPPED).plan();

      assertThat(plan.state()).isEqualTo(State.FAILOVER);
      assertThat(plan.masters()).containsExactly("shop-1");
    }

    @Test
    void waiting3TheOperatorAloneLosingTheMasterIsNoFailover() {
      var plan = healthy3().unreachable("shop-0").plan();

      assertThat(plan.state()).isEqualTo(State.WAITING);
      assertThat(plan.actions()).isEmpty();
      assertThat(plan.findings()).anySatisfy(finding ->
          assertThat(finding.message()).contains("the operator cannot reach master shop-0 but [shop-1, shop-2] still receive from it"));
    }

    @Test
    void failover3ReplicasSilentForTheWindowConfirmTheFailureBeforeTheirConnectionsTimeOut() {
      // Still connected (their net timeout has not run out), but nothing, not even a heartbeat,
      // came from shop-0 for the detection window: both witnesses agree, and both receivers are stopped.
      var plan = healthy3().unreachable("shop-0").io("shop-1", IoThread.SILENT).io("shop-2", IoThread.SILENT).plan();

      assertThat(plan.state()).isEqualTo(State.FAILOVER);
      assertThat(plan.actions()).startsWith(new StopReceiver("shop-1"), new StopReceiver("shop-2"), new Fence("shop-0", true));
    }

    @Test
    void waiting3OneReplicaStillHearingTheMasterHoldsTheFailoverThoughTheOtherIsSilent() {
      var plan = healthy3().unreachable("shop-0").io("shop-1", IoThread.SILENT).plan();

      assertThat(plan.state()).isEqualTo(State.WAITING);
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains("[shop-2] still receive from it"));
    }

    @Test
    void healthy3ASilentReceiverOfAnAnsweringMasterIsNoFailoverAndNotRestarted() {
      // A replica cut off from a master the operator still reaches: the master keeps its role,
      // and a connected receiver is not restarted (it reconnects by itself at its net timeout).
      var plan = healthy3().io("shop-2", IoThread.SILENT).plan();

      assertThat(plan.state()).isEqualTo(State.HEALTHY);
      assertThat(plan.masters()).containsExactly("shop-0");
      assertThat(plan.actions()).isEmpty();
    }

    @Test
    void waiting2AMasterNobodyCanVouchForIsNotFailedOver() {
      var plan = View.of(2).recorded("shop-0").unreachable("shop-0").standalone("shop-1", "0-1000-10").plan();

      assertThat(plan.state()).isEqualTo(State.WAITING);
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains("no replica can confirm it is down"));
    }

    @Test
    void failover2APodKnownDownConfirmsTheMasterIsGone() {
      var plan = View.of(2).recorded("shop-0").unreachable("shop-0").down("shop-0").standalone("shop-1", "0-1000-10").plan();

      assertThat(plan.state()).isEqualTo(State.FAILOVER);
      assertThat(plan.masters()).containsExactly("shop-1");
    }

    @Test
    void waiting3LosslessModeWaitsForAnUnreachableReplicaThatMayHoldTheOnlyAcknowledgedCopy() {
      var plan = masterLost3().unreachable("shop-2").plan();

      assertThat(plan.state()).isEqualTo(State.WAITING);
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains("[shop-2] may hold the only copy"));
    }

    @Test
    void failover3AsyncModeFailsOverToTheReachableReplica() {
      var plan = masterLost3().async().unreachable("shop-2").plan();

      assertThat(plan.state()).isEqualTo(State.FAILOVER);
      assertThat(plan.masters()).containsExactly("shop-1");
      assertThat(plan.actions()).last().isEqualTo(new Promote("shop-1", false));
    }

    @Test
    void waiting3DivergentReplicasAreNotResolvedAutomatically() {
      var plan = masterLost3().mySql()
          .replica("shop-1", "shop-0", View.uuid(0) + ":1-10," + View.uuid(7) + ":1")
          .replica("shop-2", "shop-0", View.uuid(0) + ":1-10," + View.uuid(8) + ":1")
          .io("shop-1", IoThread.CONNECTING).io("shop-2", IoThread.CONNECTING).plan();

      assertThat(plan.state()).isEqualTo(State.WAITING);
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains("GTID sets diverge"));
    }

    @Test
    void failoverNeeded3WithAutomaticFailoverOffOnlyRecommendsTheCandidate() {
      var plan = masterLost3().manualFailover().replica("shop-2", "shop-0", "0-1000-11").io("shop-2", IoThread.CONNECTING).plan();

      assertThat(plan.state()).isEqualTo(State.FAILOVER_NEEDED);
      assertThat(plan.actions()).isEmpty();
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains("recommended candidate is shop-2"));
    }

    @Test
    void failover3WithAutomaticFailoverOffSettingSpecMasterToTheCandidateFailsOver() {
      var plan = masterLost3().manualFailover().preferred("shop-1").plan();

      assertThat(plan.state()).isEqualTo(State.FAILOVER);
      assertThat(plan.masters()).containsExactly("shop-1");
    }

    @Test
    void failover3WithAutomaticFailoverOffARestartedMasterThatHoldsEverythingTakesWritesAgain() {
      var plan = healthy3().manualFailover().standalone("shop-0", "0-1000-10")
          .io("shop-1", IoThread.CONNECTING).io("shop-2", IoThread.CONNECTING).plan();

      assertThat(plan.state()).isEqualTo(State.FAILOVER);
      assertThat(plan.masters()).containsExactly("shop-0");
      assertThat(plan.actions()).contains(new Promote("shop-0", true)).doesNotContain(new Fence("shop-0"));
    }

    @Test
    void failover3EqualCandidatesGoToTheOneWithoutARelayLogBacklog() {
      var plan = masterLost3().replica("shop-1", "shop-0", "0-1000-7").received("shop-1", "0-1000-10").plan();

      assertThat(plan.masters()).containsExactly("shop-2");
    }

    @Test
    void failover3ThePriorityListWinsOverARelayLogBacklog() {
      var plan = masterLost3().priority("shop-1").replica("shop-1", "shop-0", "0-1000-7").received("shop-1", "0-1000-10").plan();

      assertThat(plan.masters()).containsExactly("shop-1");
    }

    @Test
    void failover3AnOfflineReplicaIsNeverTheCandidateNorRepointed() {
      var plan = masterLost3().offline("shop-1").plan();

      assertThat(plan.masters()).containsExactly("shop-2");
      assertThat(plan.actions()).doesNotContain(new Replicate("shop-1", "shop-2"));
    }

    @Test
    void waiting3AnOfflineReplicaHoldingMoreThanEveryCandidateBlocksTheFailover() {
      var plan = masterLost3().offline("shop-1").replica("shop-1", "shop-0", "0-1000-12").io("shop-1", IoThread.CONNECTING).plan();

      assertThat(plan.state()).isEqualTo(State.WAITING);
    }

    @Test
    void failover3AnErrantReplicaIsNeverTheCandidateEvenFirstInPriority() {
      var plan = masterLost3().priority("shop-2").replica("shop-2", "shop-0", "0-1000-10,0-1002-11")
          .io("shop-2", IoThread.CONNECTING).plan();

      assertThat(plan.masters()).containsExactly("shop-1");
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding).isInstanceOf(Finding.Errant.class)
          .extracting(Finding::instance).isEqualTo("shop-2"));
      assertThat(plan.actions()).doesNotContain(new Replicate("shop-2", "shop-1"));
    }

    @Test
    void failover3ARestartedMasterHoldingWhatEveryReplicaHoldsTakesWritesAgainBeforeTheLowerOrdinalAndThePriorityList() {
      var plan = View.of(3).recorded("shop-1").priority("shop-0").standalone("shop-1", "0-1001-10")
          .replica("shop-0", "shop-1", "0-1001-10").replica("shop-2", "shop-1", "0-1001-10")
          .io("shop-0", IoThread.CONNECTING).io("shop-2", IoThread.CONNECTING).plan();

      assertThat(plan.masters()).containsExactly("shop-1");
      assertThat(plan.actions()).contains(new Promote("shop-1", true)).doesNotContain(new Fence("shop-1"));
    }

    @Test
    void failover3EveryInstanceRestartedReadOnlyAfterAFullRestartPromotesTheRecordedMasterAgain() {
      var plan = View.of(3).recorded("shop-2").standalone("shop-2", "0-1002-40")
          .replica("shop-0", "shop-2", "0-1002-40").replica("shop-1", "shop-2", "0-1002-40")
          .io("shop-0", IoThread.STOPPED).io("shop-1", IoThread.STOPPED).sqlStopped("shop-0").sqlStopped("shop-1").plan();

      assertThat(plan.state()).isEqualTo(State.FAILOVER);
      assertThat(plan.masters()).containsExactly("shop-2");
      assertThat(plan.actions()).containsExactly(new Replicate("shop-0", "shop-2"), new Replicate("shop-1", "shop-2"),
          new Promote("shop-2", true));
    }

    @Test
    void failover3ThePreferredMasterStillWinsATieWithTheRestartedRecordedOne() {
      var plan = healthy3().preferred("shop-2").standalone("shop-0", "0-1000-10")
          .io("shop-1", IoThread.CONNECTING).io("shop-2", IoThread.CONNECTING).plan();

      assertThat(plan.masters()).containsExactly("shop-2");
      assertThat(plan.actions()).contains(new Fence("shop-0"), new Replicate("shop-0", "shop-2"));
    }

    @Test
    void failover3ARestartedMasterThatHoldsTheMostIsPromotedAgain() {
      var plan = healthy3().standalone("shop-0", "0-1000-12").replica("shop-1", "shop-0", "0-1000-11").plan();

      assertThat(plan.state()).isEqualTo(State.FAILOVER);
      assertThat(plan.masters()).containsExactly("shop-0");
      assertThat(plan.actions()).containsExactly(new StopReceiver("shop-1"), new StopReceiver("shop-2"),
          new Replicate("shop-1", "shop-0"), new Replicate("shop-2", "shop-0"), new Promote("shop-0", true));
    }

    @Test
    void waiting3ARestartedMasterIsNotReplacedWhileAReplicaThatMayHoldMoreCannotBeRead() {
      var plan = healthy3().standalone("shop-0", "0-1000-9").unreachable("shop-2").plan();

      assertThat(plan.state()).isEqualTo(State.WAITING);
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains("[shop-2] may hold the only copy"));
    }

    @Test
    void failover3ARestartedMasterThatTruncatedLosesToTheReplicaThatHoldsMore() {
      var plan = healthy3().standalone("shop-0", "0-1000-9").plan();

      assertThat(plan.masters()).containsExactly("shop-1");
      assertThat(plan.actions()).contains(new Fence("shop-0"), new Replicate("shop-0", "shop-1"));
    }

    @Test
    void failover3MySqlGtidSetsByServerUuid() {
      String base = View.uuid(0) + ":1-100";
      var plan = View.of(3).mySql().recorded("shop-0").unreachable("shop-0")
          .replica("shop-1", "shop-0", base).io("shop-1", IoThread.CONNECTING)
          .replica("shop-2", "shop-0", View.uuid(0) + ":1-90").received("shop-2", View.uuid(0) + ":1-101")
          .io("shop-2", IoThread.CONNECTING).plan();

      assertThat(plan.masters()).containsExactly("shop-2");
    }

    @Test
    void failover3AResumedFailoverFinishesWhereItStopped() {
      // The previous pass stopped the receivers and crashed before promoting.
      var plan = masterLost3().io("shop-1", IoThread.STOPPED).io("shop-2", IoThread.STOPPED).plan();

      assertThat(plan.state()).isEqualTo(State.FAILOVER);
      assertThat(plan.masters()).containsExactly("shop-1");
      assertThat(plan.actions()).containsExactly(new Fence("shop-0", true), new Detach("shop-1"), new Replicate("shop-2", "shop-1"),
          new Promote("shop-1", true));
    }
  }

  @Nested
  class AfterFailover {
    static View promoted() {
      return View.of(3).recorded("shop-1").master("shop-1", "0-1000-10,0-1001-15").replica("shop-2", "shop-1", "0-1000-10,0-1001-15");
    }

    @Test
    void degraded3TheOldMasterReturningWithASubsetRejoinsAsReplica() {
      var plan = promoted().standalone("shop-0", "0-1000-10").plan();

      assertThat(plan.masters()).containsExactly("shop-1");
      assertThat(plan.actions()).containsExactly(new Replicate("shop-0", "shop-1"));
    }

    @Test
    void degraded3TheOldMasterReturningWithExtraTransactionsIsErrantAndLeftAlone() {
      var plan = promoted().standalone("shop-0", "0-1000-11").plan();

      assertThat(plan.actions()).isEmpty();
      assertThat(plan.findings()).singleElement().isInstanceOfSatisfying(Finding.Errant.class,
          errant -> assertThat(errant.transactions()).hasToString("0-1000-11"));
    }

    @Test
    void degraded3AnUnreachableOldMasterStillRecordedIsFencedAsAZombie() {
      var plan = View.of(3).recorded("shop-0").unreachable("shop-0").master("shop-1", "0-1000-10")
          .replica("shop-2", "shop-1", "0-1000-10").plan();

      assertThat(plan.masters()).containsExactly("shop-1");
      assertThat(plan.actions()).containsExactly(new Fence("shop-0", true));
    }
  }

  /** Replicas restarted since the master was last seen lost their unapplied relay log: they vouch for nothing. */
  @Nested
  class RestartedReplicas {

    @Test
    void waiting3EveryReplicaRestartedSinceTheMasterWasSeenWaitsForTheMaster() {
      var plan = masterLost3().restartedSinceMasterSeen("shop-1").restartedSinceMasterSeen("shop-2").plan();

      assertThat(plan.state()).isEqualTo(State.WAITING);
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message())
          .contains("[shop-1, shop-2] restarted since it was last seen").contains("set spec.master"));
    }

    @Test
    void waiting3OneRestartedReplicaIsEnoughToWaitSinceItAloneMayHaveAcknowledged() {
      assertThat(masterLost3().restartedSinceMasterSeen("shop-2").plan().state()).isEqualTo(State.WAITING);
    }

    @Test
    void failover3ReplicasThatKeptRunningVouchAsBefore() {
      assertThat(masterLost3().plan().state()).isEqualTo(State.FAILOVER);
    }

    @Test
    void failover3APersonNamingTheNewMasterOverridesTheWait() {
      var plan = masterLost3().restartedSinceMasterSeen("shop-1").restartedSinceMasterSeen("shop-2").preferred("shop-2").plan();

      assertThat(plan.state()).isEqualTo(State.FAILOVER);
      assertThat(plan.masters()).containsExactly("shop-2");
    }

    @Test
    void failover3TheRestartedMasterItselfBackHoldingEverythingTakesWritesAgain() {
      var plan = healthy3().standalone("shop-0", "0-1000-10").restartedSinceMasterSeen("shop-1").restartedSinceMasterSeen("shop-2")
          .io("shop-1", IoThread.STOPPED).io("shop-2", IoThread.STOPPED).plan();

      assertThat(plan.state()).isEqualTo(State.FAILOVER);
      assertThat(plan.masters()).containsExactly("shop-0");
    }

    @Test
    void failover3AsyncModeDoesNotWaitForTheMaster() {
      assertThat(masterLost3().async().restartedSinceMasterSeen("shop-1").plan().state()).isEqualTo(State.FAILOVER);
    }
  }

  /** A replica lost while the master lived is cut off from the binlog, so a failover need not wait for it. */
  @Nested
  class LostReplica {

    @Test
    void degraded3AReplicaUnreachableForAWhileIsCutOffOnTheLivingMaster() {
      var plan = healthy3().longUnreachable("shop-2").plan();

      assertThat(plan.state()).isEqualTo(State.DEGRADED);
      assertThat(plan.actions()).containsExactly(new CutOff("shop-0", "shop-2", "10.0.0.12"));
    }

    @Test
    void degraded3AReplicaUnreachableOnlyNowIsNotCutOff() {
      assertThat(healthy3().unreachable("shop-2").plan().actions()).isEmpty();
    }

    @Test
    void degraded3NoCutOffWhileNoOtherReplicaReceivesToAcknowledgeIt() {
      var plan = healthy3().longUnreachable("shop-2").io("shop-1", IoThread.CONNECTING).plan();

      assertThat(plan.actions()).noneMatch(action -> action instanceof CutOff);
    }

    @Test
    void degraded3AsyncReplicationCutsNothingOff() {
      assertThat(healthy3().async().longUnreachable("shop-2").plan().actions()).noneMatch(action -> action instanceof CutOff);
    }

    @Test
    void degraded3AReplicaCutOffAlreadyIsNotCutOffAgain() {
      assertThat(healthy3().longUnreachable("shop-2").lost("shop-2", "").plan().actions()).isEmpty();
    }

    @Test
    void failover3ALostReplicaWhoseBoundTheCandidateHoldsIsNotWaitedFor() {
      var plan = masterLost3().unreachable("shop-2").lost("shop-2", "0-1000-9").plan();

      assertThat(plan.state()).isEqualTo(State.FAILOVER);
      assertThat(plan.masters()).containsExactly("shop-1");
    }

    @Test
    void waiting3ALostReplicaWhoseBoundIsNotKnownYetIsWaitedFor() {
      var plan = masterLost3().unreachable("shop-2").lost("shop-2", "").plan();

      assertThat(plan.state()).isEqualTo(State.WAITING);
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains("[shop-2] may hold the only copy"));
    }

    @Test
    void waiting3ALostReplicaThatMayHoldMoreThanEveryCandidateBlocksTheFailover() {
      var plan = masterLost3().unreachable("shop-2").lost("shop-2", "0-1000-12").plan();

      assertThat(plan.state()).isEqualTo(State.WAITING);
    }

    @Test
    void degraded3ALostReplicaReachableAgainIsReadmittedOnTheMaster() {
      var plan = healthy3().lost("shop-2", "0-1000-8").plan();

      assertThat(plan.state()).isEqualTo(State.DEGRADED);
      assertThat(plan.actions()).containsExactly(new Readmit("shop-0", "shop-2", "10.0.0.12"));
    }

    @Test
    void failover3AReadmissionRunsOnTheNewMasterAfterItsPromotion() {
      var plan = masterLost3().lost("shop-2", "0-1000-10").plan();

      assertThat(plan.state()).isEqualTo(State.FAILOVER);
      assertThat(plan.actions().get(plan.actions().size() - 1)).isEqualTo(new Readmit("shop-1", "shop-2", "10.0.0.12"));
    }

    @Test
    void waiting3NoReadmissionWhileNoMasterTakesWrites() {
      var plan = masterLost3().unreachable("shop-2").lost("shop-1", "0-1000-10").plan();

      assertThat(plan.state()).isEqualTo(State.WAITING);
      assertThat(plan.actions()).noneMatch(action -> action instanceof Readmit);
    }
  }

  @Nested
  class SplitBrain {
    @Test
    void splitBrain3KeepsTheRecordedMasterAndFencesTheOther() {
      var plan = healthy3().writable("shop-2").plan();

      assertThat(plan.state()).isEqualTo(State.SPLIT_BRAIN);
      assertThat(plan.masters()).containsExactly("shop-0");
      assertThat(plan.actions()).containsExactly(new Fence("shop-2"));
    }

    @Test
    void splitBrain3WithoutARecordedMasterFencesEveryWriter() {
      var plan = View.of(3).master("shop-0", "0-1000-10").master("shop-1", "0-1000-10").plan();

      assertThat(plan.masters()).isEmpty();
      assertThat(plan.actions()).containsExactly(new Fence("shop-0"), new Fence("shop-1"));
    }
  }

  @Nested
  class DualMaster {
    static View bothHealthy() {
      return View.of(3).dualMaster().recorded("shop-0")
          .master("shop-0", "0-1000-10,1-1001-20").replica("shop-0", "shop-1", "0-1000-10,1-1001-20").writable("shop-0")
          .master("shop-1", "0-1000-10,1-1001-20").replica("shop-1", "shop-0", "0-1000-10,1-1001-20").writable("shop-1")
          .replica("shop-2", "shop-0", "0-1000-10,1-1001-20");
    }

    @Test
    void turningTlsOnRepointsBothMastersAndTheReplica() {
      var plan = bothHealthy().replicationOverTls("/etc/mysql/tls/ca.crt").plan();

      assertThat(plan.actions()).containsExactlyInAnyOrder(
          new Replicate("shop-0", "shop-1"), new Replicate("shop-1", "shop-0"), new Replicate("shop-2", "shop-0"));
    }

    @Test
    void degraded2AReceiverRefusedByASourceLackingWhatItGotFromThereIsReportedNotRestarted() {
      // shop-0 lost 0-1000-11 in crash recovery after shop-1 had applied it: resuming would be refused again.
      var plan = View.of(2).dualMaster().recorded("shop-1").master("shop-0", "0-1000-10,1-1001-5").master("shop-1", "0-1000-11,1-1001-5")
          .replica("shop-0", "shop-1", "0-1000-10,1-1001-5").replica("shop-1", "shop-0", "0-1000-11,1-1001-5")
          .writable("shop-0").writable("shop-1").ioError("shop-1", 1236).plan();

      assertThat(plan.actions()).noneMatch(action -> action.instance().equals("shop-1")
          && (action instanceof StartReplication || action instanceof Replicate));
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding).isInstanceOf(Finding.ReplicationBroken.class)
          .extracting(Finding::instance).isEqualTo("shop-1"));
    }

    @Test
    void degraded2AReceiverRefusedEarlierIsSetUpAgainOnceItsSourceHoldsWhatItGotFromThere() {
      var plan = View.of(2).dualMaster().recorded("shop-1").master("shop-0", "0-1000-11,1-1001-5").master("shop-1", "0-1000-11,1-1001-9")
          .replica("shop-0", "shop-1", "0-1000-11,1-1001-5").replica("shop-1", "shop-0", "0-1000-11,1-1001-9")
          .writable("shop-0").writable("shop-1").ioError("shop-1", 1236).plan();

      assertThat(plan.actions()).contains(new Replicate("shop-1", "shop-0"));
      assertThat(plan.findings()).as("still reported while refused").anySatisfy(finding ->
          assertThat(finding).isInstanceOf(Finding.ReplicationBroken.class).extracting(Finding::instance).isEqualTo("shop-1"));
    }

    @Test
    void bootstrap2BothMastersReplicateFromEachOtherAndTakeWritesWithoutSemiSyncWhileNeitherReceives() {
      var plan = View.of(2).dualMaster().plan();

      assertThat(plan.masters()).containsExactly("shop-0", "shop-1");
      assertThat(plan.actions()).containsExactly(new Replicate("shop-0", "shop-1"), new Promote("shop-0", false),
          new Replicate("shop-1", "shop-0"), new Promote("shop-1", false));
    }

    @Test
    void degraded2AMasterWithoutSemiSyncTurnsItOnOnceItsPeersReceiverIsConnectedToIt() {
      var plan = View.of(2).dualMaster().recorded("shop-0")
          .master("shop-0", "0-1000-3").replica("shop-0", "shop-1", "0-1000-3").writable("shop-0").semiSyncSource("shop-0", false)
          .master("shop-1", "0-1000-3").replica("shop-1", "shop-0", "0-1000-3").writable("shop-1").semiSyncSource("shop-1", false)
          .io("shop-1", IoThread.CONNECTING).plan();

      assertThat(plan.actions()).as("shop-1's receiver reconnects to shop-0: nobody would acknowledge shop-0's commits")
          .containsExactly(new Promote("shop-1", true));
    }

    @Test
    void degraded2ASemiSyncMasterWhosePeersReceiverIsReconnectingTurnsSemiSyncOffSoCommitsDoNotStall() {
      var plan = View.of(2).dualMaster().recorded("shop-0")
          .master("shop-0", "0-1000-3").replica("shop-0", "shop-1", "0-1000-3").writable("shop-0")
          .master("shop-1", "0-1000-3").replica("shop-1", "shop-0", "0-1000-3").writable("shop-1")
          .io("shop-1", IoThread.CONNECTING).plan();

      assertThat(plan.actions()).containsExactly(new Promote("shop-0", false));
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains("shop-0 takes writes without semi-sync"));
    }

    @Test
    void degraded2AReturningMasterThatReceivedButDidNotApplyItsOwnTailDoesNotTakeWrites() {
      var plan = View.of(2).dualMaster().recorded("shop-1").master("shop-1", "0-1000-11,1-1001-5").replica("shop-1", "shop-0", "0-1000-11,1-1001-5")
          .standalone("shop-0", "0-1000-10,1-1001-5").replica("shop-0", "shop-1", "0-1000-10,1-1001-5").received("shop-0", "0-1000-11,1-1001-5")
          .behind("shop-0", 0).plan();

      assertThat(plan.actions()).doesNotContain(new Promote("shop-0", true), new Promote("shop-0", false));
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains("shop-0 catches up with shop-1"));
    }

    @Test
    void degraded3AWriteOnlyAReadReplicaHoldsFromAnotherServerIsNotFetchedAsALostTail() {
      var plan = bothHealthy().recorded("shop-1").master("shop-1", "0-1000-10,1-1001-20").replica("shop-1", "shop-0", "0-1000-10,1-1001-20")
          .standalone("shop-0", "0-1000-10,1-1001-20").replica("shop-0", "shop-1", "0-1000-10,1-1001-20")
          .replica("shop-2", "shop-1", "0-1000-10,0-1002-11,1-1001-20").plan();

      assertThat(plan.actions()).doesNotContain(new Replicate("shop-0", "shop-2")).contains(new Promote("shop-0", true));
    }

    @Test
    void degraded2AMasterNobodyReceivesFromTurnsSemiSyncOffSoItsCommitsDoNotWaitForever() {
      var plan = View.of(2).dualMaster().recorded("shop-1").master("shop-1", "0-1000-11,1-1001-5").replica("shop-1", "shop-0", "0-1000-11,1-1001-5")
          .standalone("shop-0", "0-1000-10,1-1001-5").plan();

      assertThat(plan.actions()).contains(new Promote("shop-1", false));
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains("shop-1 takes writes without semi-sync"));
    }

    @Test
    void degraded3AReturningMasterFetchesTheTailOnlyAReadReplicaHoldsBeforeItsPeerOrWrites() {
      // shop-0 crashed after sending 0-1000-12 to shop-2 alone; crash recovery dropped it from shop-0's binlog.
      var plan = bothHealthy().recorded("shop-0").master("shop-1", "0-1000-11,1-1001-20").replica("shop-1", "shop-0", "0-1000-11,1-1001-20")
          .standalone("shop-0", "0-1000-10,1-1001-20").replica("shop-0", "shop-1", "0-1000-10,1-1001-20").io("shop-0", IoThread.STOPPED)
          .replica("shop-2", "shop-0", "0-1000-12,1-1001-20").ioError("shop-2", 1236).plan();

      assertThat(plan.masters()).as("the peer is the only writer until shop-0 holds 0-1000-12").containsExactly("shop-1");
      assertThat(plan.actions()).contains(new Replicate("shop-0", "shop-2")).doesNotContain(new Promote("shop-0", true), new Promote("shop-0", false));
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains("shop-0 fetches 0-1000-12 from shop-2"));
    }

    @Test
    void degraded3AReturningMasterThatFetchedTheTailGoesBackToItsPeer() {
      var plan = bothHealthy().recorded("shop-1").master("shop-1", "0-1000-11,1-1001-25").replica("shop-1", "shop-0", "0-1000-11,1-1001-25")
          .standalone("shop-0", "0-1000-12,1-1001-20").replica("shop-0", "shop-2", "0-1000-12,1-1001-20")
          .replica("shop-2", "shop-0", "0-1000-12,1-1001-20").ioError("shop-2", 1236).plan();

      assertThat(plan.actions()).contains(new Replicate("shop-0", "shop-1"));
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains("shop-0 catches up with shop-1"));
    }

    @Test
    void waiting3AReturningMasterLackingATailNoInstanceCanServeWithWhatItHoldsTakesNoWrites() {
      var plan = bothHealthy().recorded("shop-0").unreachable("shop-1")
          .standalone("shop-0", "0-1000-10,1-1001-21").replica("shop-2", "shop-0", "0-1000-12,1-1001-20").plan();

      assertThat(plan.masters()).isEmpty();
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains("shop-0 lacks 0-1000-12"));
    }

    @Test
    void healthy3BothMastersWritableAndTheReplicaFollowsTheActiveOne() {
      var plan = bothHealthy().plan();

      assertThat(plan.state()).isEqualTo(State.HEALTHY);
      assertThat(plan.masters()).containsExactly("shop-0", "shop-1");
    }

    @Test
    void healthy3ThePreferredMasterIsTheActiveOne() {
      var plan = bothHealthy().preferred("shop-1").replica("shop-2", "shop-1", "0-1000-10,1-1001-20").plan();

      assertThat(plan.masters()).containsExactly("shop-1", "shop-0");
      assertThat(plan.state()).isEqualTo(State.HEALTHY);
    }

    @Test
    void healthy3TheActiveMasterStaysWhereItIsWhenTheFirstReturns() {
      var plan = bothHealthy().recorded("shop-1").replica("shop-2", "shop-1", "0-1000-10,1-1001-20").plan();

      assertThat(plan.masters()).containsExactly("shop-1", "shop-0");
      assertThat(plan.state()).isEqualTo(State.HEALTHY);
    }

    @Test
    void degraded3LosingOneMasterMakesThePeerActiveWithoutSemiSyncAndMovesTheReplica() {
      var plan = bothHealthy().unreachable("shop-0").io("shop-1", IoThread.CONNECTING).plan();

      assertThat(plan.masters()).containsExactly("shop-1");
      assertThat(plan.actions()).containsExactly(new Promote("shop-1", false), new Replicate("shop-2", "shop-1"));
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains("without semi-sync"));
    }

    @Test
    void degraded3AReplicaHoldingWhatTheNewActiveMasterLacksWaits() {
      var plan = bothHealthy().unreachable("shop-0").replica("shop-2", "shop-0", "0-1000-12,1-1001-20").plan();

      assertThat(plan.actions()).doesNotContain(new Replicate("shop-2", "shop-1"));
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains("shop-2 holds 0-1000-12"));
    }

    @Test
    void degraded3AReturningMasterCatchesUpBeforeTakingWrites() {
      var plan = bothHealthy().master("shop-1", "0-1000-10,1-1001-30").semiSyncSource("shop-1", false)
          .standalone("shop-0", "0-1000-10,1-1001-25").replica("shop-0", "shop-1", "0-1000-10,1-1001-25").behind("shop-0", 3)
          .replica("shop-2", "shop-1", "0-1000-10,1-1001-30").plan();

      assertThat(plan.masters()).containsExactly("shop-1");
      assertThat(plan.actions()).containsExactly(new Promote("shop-1", true));
      assertThat(plan.findings()).anySatisfy(finding -> assertThat(finding.message()).contains("shop-0 catches up with shop-1"));
    }

    @Test
    void degraded3AReturningMasterThatCaughtUpTakesWritesAgainAndBecomesActive() {
      var plan = bothHealthy().standalone("shop-0", "0-1000-10,1-1001-20").replica("shop-0", "shop-1", "0-1000-10,1-1001-20").plan();

      assertThat(plan.actions()).containsExactly(new Promote("shop-0", true));
      assertThat(plan.masters()).containsExactly("shop-0", "shop-1");
    }

    @Test
    void degraded2AConflictIsReportedAndNotSkipped() {
      var plan = bothHealthy().sqlError("shop-1", 1062, "0-1000-11").plan();

      assertThat(plan.actions()).isEmpty();
      assertThat(plan.findings()).singleElement().isInstanceOf(Finding.ReplicationBroken.class);
    }

    @Test
    void waiting3BothMastersDown() {
      var plan = bothHealthy().unreachable("shop-0", "shop-1").plan();

      assertThat(plan.state()).isEqualTo(State.WAITING);
      assertThat(plan.masters()).isEmpty();
    }
  }
}
