package dev.tandem.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.failover.RoleLabels.Labels;
import dev.tandem.replication.ClusterView;
import dev.tandem.replication.Finding;
import dev.tandem.replication.DomainGtidSet;
import dev.tandem.replication.ReplicationStatus.IoThread;
import dev.tandem.replication.View;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Where traffic goes: the role labels decided from what the control loop saw. */
class RoleLabelsTest {

  static final Labels MASTER = new Labels(Optional.of("master"), false);
  static final Labels REPLICA = new Labels(Optional.of("replica"), false);

  static View healthy3() {
    return View.of(3).recorded("shop-0").master("shop-0", "0-1000-10")
        .replica("shop-1", "shop-0", "0-1000-10").replica("shop-2", "shop-0", "0-1000-10");
  }

  static Map<String, Labels> decide(ClusterView view, List<String> writers, List<Finding> findings, Map<String, Labels> current) {
    return RoleLabels.decide(view.desired(), view.observed(), writers, findings, current);
  }

  @Test
  void theMasterGetsTheMasterLabelAndItsFollowersTheReplicaLabel() {
    var labels = decide(healthy3().build(), List.of("shop-0"), List.of(), Map.of());

    assertThat(labels).containsEntry("shop-0", MASTER).containsEntry("shop-1", REPLICA).containsEntry("shop-2", REPLICA);
  }

  @Test
  void betweenFencingAndPromotionNobodyIsMasterAndReadersKeepTheirLabels() {
    var view = healthy3().unreachable("shop-0").io("shop-1", IoThread.CONNECTING).io("shop-2", IoThread.CONNECTING).build();

    var labels = decide(view, List.of(), List.of(), Map.of("shop-0", MASTER, "shop-1", REPLICA, "shop-2", REPLICA));

    assertThat(labels).containsEntry("shop-0", Labels.NONE).containsEntry("shop-1", REPLICA).containsEntry("shop-2", REPLICA);
  }

  @Test
  void anOfflineInstanceIsOfflineEvenWhileItFollowsTheMaster() {
    var labels = decide(healthy3().offline("shop-2").build(), List.of("shop-0"), List.of(), Map.of());

    assertThat(labels.get("shop-2").role()).contains("offline");
  }

  @Test
  void anErrantInstanceIsLabelledErrantAndLeavesTheReaders() {
    var view = healthy3().build();
    var errant = new Finding.Errant("shop-2", DomainGtidSet.parse("0-1002-11"));

    assertThat(decide(view, List.of("shop-0"), List.of(errant), Map.of("shop-2", REPLICA)).get("shop-2").role()).contains("errant");
  }

  @Test
  void anUnreachableReplicaKeepsItsLabelButAnUnreachableOldMasterLosesTheMasterLabel() {
    var view = healthy3().recorded("shop-1").unreachable("shop-0", "shop-2").master("shop-1", "0-1000-10").build();

    var labels = decide(view, List.of("shop-1"), List.of(), Map.of("shop-0", MASTER, "shop-2", REPLICA));

    assertThat(labels).containsEntry("shop-0", Labels.NONE).containsEntry("shop-1", MASTER).containsEntry("shop-2", REPLICA);
  }

  @Test
  void aReachableInstanceThatFollowsNoWriterHasNoRole() {
    var view = healthy3().recorded("shop-1").master("shop-1", "0-1000-10").standalone("shop-0", "0-1000-10")
        .replica("shop-2", "shop-1", "0-1000-10").build();

    var labels = decide(view, List.of("shop-1"), List.of(), Map.of("shop-0", REPLICA));

    assertThat(labels).containsEntry("shop-0", Labels.NONE).containsEntry("shop-2", REPLICA);
  }

  @Test
  void dualMasterTheActiveMasterTakesTheWriterAndBothMastersAreWritable() {
    var view = View.of(3).dualMaster().recorded("shop-1")
        .master("shop-0", "0-1000-10").replica("shop-0", "shop-1", "0-1000-10").writable("shop-0")
        .master("shop-1", "0-1000-10").replica("shop-1", "shop-0", "0-1000-10").writable("shop-1")
        .replica("shop-2", "shop-1", "0-1000-10").build();

    var labels = decide(view, List.of("shop-1", "shop-0"), List.of(), Map.of());

    assertThat(labels).containsEntry("shop-1", new Labels(Optional.of("master"), true))
        .containsEntry("shop-0", new Labels(Optional.of("replica"), true))
        .containsEntry("shop-2", REPLICA);
  }
}
