package dev.tandem.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.failover.Rollout.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RolloutTest {

  static Member updated(String name) {
    return new Member(name, ordinal(name), true, false, true, true, true, false);
  }

  static Member outdated(String name) {
    return new Member(name, ordinal(name), false, false, true, true, true, false);
  }

  static int ordinal(String name) {
    return Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
  }

  static Rollout.Input input(String master, Member... members) {
    var successors = new ArrayList<String>();
    for (var member : members) {
      if (!member.name().equals(master)) {
        successors.add(member.name());
      }
    }
    return new Rollout.Input(List.of(members), master, successors, Optional.empty(), Optional.empty(), true);
  }

  @Test
  void nothingOutdatedIsDone() {
    var decision = Rollout.next(input("shop-0", updated("shop-0"), updated("shop-1"), updated("shop-2")));

    assertThat(decision.step()).isEqualTo(new Rollout.Done());
    assertThat(decision.inProgress()).isFalse();
    assertThat(decision.updated()).isEqualTo(3);
  }

  @Test
  void replicasRestartFirstHighestOrdinalFirst() {
    var decision = Rollout.next(input("shop-0", outdated("shop-0"), outdated("shop-1"), outdated("shop-2")));

    assertThat(decision.step()).isEqualTo(new Rollout.Restart("shop-2"));
    assertThat(decision.message()).isEqualTo("0/3 instances updated; restarting shop-2");
  }

  @Test
  void theMasterIsSkippedWhateverItsOrdinal() {
    var decision = Rollout.next(input("shop-2", outdated("shop-0"), outdated("shop-1"), outdated("shop-2")));

    assertThat(decision.step()).isEqualTo(new Rollout.Restart("shop-1"));
  }

  @Test
  void aRestartedReplicaIsWaitedForUntilReadyThenUntilCaughtUp() {
    var notReady = new Member("shop-2", 2, true, false, true, false, false, false);
    var notCaughtUp = new Member("shop-2", 2, true, false, true, true, false, false);

    var first = Rollout.next(input("shop-0", outdated("shop-0"), outdated("shop-1"), notReady));
    var second = Rollout.next(input("shop-0", outdated("shop-0"), outdated("shop-1"), notCaughtUp));

    assertThat(first.step()).isEqualTo(new Rollout.Wait("waiting for shop-2 to be ready", false));
    assertThat(first.message()).isEqualTo("1/3 instances updated; waiting for shop-2 to be ready");
    assertThat(second.step()).isEqualTo(new Rollout.Wait("waiting for shop-2 to catch up", false));
  }

  @Test
  void aLaggingReplicaNotRestartedYetIsRestartedAnyway() {
    var lagging = new Member("shop-2", 2, false, false, true, true, false, false);

    var decision = Rollout.next(input("shop-0", outdated("shop-0"), outdated("shop-1"), lagging));

    assertThat(decision.step()).isEqualTo(new Rollout.Restart("shop-2"));
  }

  @Test
  void theMasterMovesOnlyToAnInstanceThatCaughtUp() {
    var lagging = new Member("shop-1", 1, true, false, true, true, false, false);
    var input = new Rollout.Input(List.of(outdated("shop-0"), lagging), "shop-0", List.of("shop-1"), Optional.empty(), Optional.empty(), true);

    assertThat(Rollout.next(input).step()).isEqualTo(new Rollout.Wait("waiting for shop-1 to catch up", false));
  }

  @Test
  void anUpdatedInstanceThatIsNotReadyHoldsTheNextRestart() {
    var starting = new Member("shop-1", 1, true, false, true, false, false, false);

    var decision = Rollout.next(input("shop-0", outdated("shop-0"), starting, outdated("shop-2")));

    assertThat(decision.step()).isEqualTo(new Rollout.Wait("waiting for shop-1 to be ready", false));
  }

  @Test
  void aDegradedClusterPausesTheRolloutSayingWhy() {
    var input = new Rollout.Input(List.of(outdated("shop-0"), outdated("shop-1")), "shop-0", List.of("shop-1"),
        Optional.empty(), Optional.of("degraded (shop-2 is unreachable)"), true);

    var decision = Rollout.next(input);

    assertThat(decision.step()).isEqualTo(new Rollout.Wait("paused while the cluster is not healthy: degraded (shop-2 is unreachable)", true));
  }

  @Test
  void anInstanceWhosePodIsBeingReplacedIsWaitedForNotRestartedAgain() {
    var replaced = new Member("shop-2", 2, false, false, false, false, false, false);

    var decision = Rollout.next(input("shop-0", outdated("shop-0"), outdated("shop-1"), replaced));

    assertThat(decision.step()).isEqualTo(new Rollout.Wait("waiting for shop-2 to be ready", false));
  }

  @Test
  void aHoldStopsEverythingEvenTheRestartOfAnInstanceThatIsDown() {
    var down = new Member("shop-1", 1, false, false, true, false, false, false);
    var input = new Rollout.Input(List.of(outdated("shop-0"), down), "shop-0", List.of("shop-1"),
        Optional.of("a switchover from shop-0 to shop-1 is under way"), Optional.empty(), true);

    var decision = Rollout.next(input);

    assertThat(decision.step()).isEqualTo(new Rollout.Wait("paused: a switchover from shop-0 to shop-1 is under way", true));
  }

  @Test
  void anOutdatedInstanceThatIsDownIsRestartedEvenInADegradedCluster() {
    var crashLooping = new Member("shop-1", 1, false, false, true, false, false, false);
    var input = new Rollout.Input(List.of(outdated("shop-0"), crashLooping, outdated("shop-2")), "shop-0", List.of("shop-1", "shop-2"),
        Optional.empty(), Optional.of("degraded (shop-1 is unreachable)"), true);

    var decision = Rollout.next(input);

    assertThat(decision.step()).isEqualTo(new Rollout.Restart("shop-1"));
  }

  @Test
  void onlyTheMasterLeftSwitchesOverToTheFirstUpdatedSuccessor() {
    var input = new Rollout.Input(List.of(outdated("shop-0"), updated("shop-1"), updated("shop-2")), "shop-0",
        List.of("shop-2", "shop-1"), Optional.empty(), Optional.empty(), true);

    var decision = Rollout.next(input);

    assertThat(decision.step()).isEqualTo(new Rollout.SwitchOver("shop-2"));
    assertThat(decision.message()).isEqualTo("2/3 instances updated; switching the master over from shop-0 to shop-2 before restarting it");
  }

  @Test
  void afterTheSwitchoverTheOldMasterRestartsAsAReplica() {
    var decision = Rollout.next(input("shop-2", outdated("shop-0"), updated("shop-1"), updated("shop-2")));

    assertThat(decision.step()).isEqualTo(new Rollout.Restart("shop-0"));
  }

  @Test
  void withAutomaticFailoverOffTheMastersTurnWaitsForAPersonsSwitchover() {
    var input = new Rollout.Input(List.of(outdated("shop-0"), updated("shop-1")), "shop-0", List.of("shop-1"), Optional.empty(), Optional.empty(), false);

    var decision = Rollout.next(input);

    assertThat(decision.step()).isEqualTo(new Rollout.Wait("the master shop-0 restarts after a switchover, and"
        + " spec.failover.automatic is off: set spec.master to shop-1 to switch over", true));
  }

  @Test
  void withAutomaticFailoverOffReplicasStillRestart() {
    var input = new Rollout.Input(List.of(outdated("shop-0"), outdated("shop-1")), "shop-0", List.of("shop-1"), Optional.empty(), Optional.empty(), false);

    assertThat(Rollout.next(input).step()).isEqualTo(new Rollout.Restart("shop-1"));
  }

  @Test
  void noUpdatedSuccessorWaits() {
    var offlineUpdated = new Member("shop-1", 1, true, true, true, true, true, false);
    var input = new Rollout.Input(List.of(outdated("shop-0"), offlineUpdated), "shop-0", List.of("shop-1"), Optional.empty(), Optional.empty(), true);

    assertThat(Rollout.next(input).step()).isEqualTo(new Rollout.Wait("no updated instance can take over from the master shop-0", true));
  }

  @Test
  void aOneInstanceClusterRestartsItsMasterSayingWritesStop() {
    var decision = Rollout.next(new Rollout.Input(List.of(outdated("shop-0")), "shop-0", List.of(), Optional.empty(), Optional.empty(), true));

    assertThat(decision.step()).isEqualTo(new Rollout.Restart("shop-0"));
    assertThat(decision.message()).contains("writes stop until it is back");
  }

  @Test
  void theNextReplicaReadByABackupWaits() {
    var read = new Member("shop-2", 2, false, false, true, true, true, true);

    var decision = Rollout.next(input("shop-0", outdated("shop-0"), outdated("shop-1"), read));

    assertThat(decision.step()).isEqualTo(new Rollout.Wait("a backup reads from shop-2, which restarts next", true));
  }

  @Test
  void offlineInstancesAreNotRestartedNorWaitedForButReported() {
    var offlineOutdated = new Member("shop-2", 2, false, true, true, false, false, false);

    var replicasFirst = Rollout.next(input("shop-0", outdated("shop-0"), outdated("shop-1"), offlineOutdated));
    var onlyOfflineLeft = Rollout.next(input("shop-1", updated("shop-0"), updated("shop-1"), offlineOutdated));

    assertThat(replicasFirst.step()).isEqualTo(new Rollout.Restart("shop-1"));
    assertThat(onlyOfflineLeft.step()).isEqualTo(new Rollout.Wait("offline instance(s) shop-2 restart when back online", true));
    assertThat(onlyOfflineLeft.inProgress()).isTrue();
  }

  @Test
  void dualMasterRestartsReadReplicasThenThePassiveMasterThenMovesTheActiveRole() {
    var members = List.of(outdated("shop-0"), outdated("shop-1"), outdated("shop-2"));
    var successorsOfShop0 = List.of("shop-1");

    var first = Rollout.next(new Rollout.Input(members, "shop-0", successorsOfShop0, Optional.empty(), Optional.empty(), true));
    var second = Rollout.next(new Rollout.Input(List.of(outdated("shop-0"), outdated("shop-1"), updated("shop-2")), "shop-0",
        successorsOfShop0, Optional.empty(), Optional.empty(), true));
    var third = Rollout.next(new Rollout.Input(List.of(outdated("shop-0"), updated("shop-1"), updated("shop-2")), "shop-0",
        successorsOfShop0, Optional.empty(), Optional.empty(), true));

    assertThat(first.step()).isEqualTo(new Rollout.Restart("shop-2"));
    assertThat(second.step()).isEqualTo(new Rollout.Restart("shop-1"));
    assertThat(third.step()).isEqualTo(new Rollout.SwitchOver("shop-1"));
  }
}
