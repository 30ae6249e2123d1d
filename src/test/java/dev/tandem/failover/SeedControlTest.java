package dev.tandem.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.api.InstanceRole;
import dev.tandem.api.InstanceStatus;
import dev.tandem.api.MySQLClusterStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class SeedControlTest {

  static InstanceStatus replica(String name, boolean ready, Boolean replicating, Long lag) {
    return new InstanceStatus(name, InstanceRole.Replica, ready, true, null, lag, replicating);
  }

  static MySQLClusterStatus status(String master, InstanceStatus... instances) {
    var status = new MySQLClusterStatus();
    status.setMaster(master);
    var all = new java.util.ArrayList<InstanceStatus>();
    all.add(new InstanceStatus(master, InstanceRole.Master, true, false, null, null, null));
    all.addAll(List.of(instances));
    status.setInstances(all);
    return status;
  }

  @Test
  void theLeastBehindHealthyReplicaGivesTheCopy() {
    var status = status("shop-0", replica("shop-1", true, true, 3L), replica("shop-2", true, true, 0L), replica("shop-3", false, null, null));

    var donor = SeedControl.donor(status, List.of(), "shop-3");

    assertThat(donor.instance()).contains("shop-2");
    assertThat(donor.reason()).isEqualTo("replica shop-2, 0 s behind");
  }

  @Test
  void offlineNotReplicatingAndUnreadyReplicasAreNotDonorsAndTheMasterIsNotEither() {
    var status = status("shop-0", replica("shop-1", true, true, 0L), replica("shop-2", true, false, 0L), replica("shop-3", false, true, 0L),
        replica("shop-4", false, null, null));

    var donor = SeedControl.donor(status, List.of("shop-1"), "shop-4");

    assertThat(donor.instance()).isEmpty();
    assertThat(donor.reason()).contains("shop-1 is offline", "shop-2 is not replicating", "shop-3 is not ready",
        "the master gives a copy only when it is the one other instance");
  }

  @Test
  void theMasterGivesTheCopyWhenItIsTheOneOtherInstance() {
    var donor = SeedControl.donor(status("shop-1", replica("shop-0", false, null, null)), List.of(), "shop-0");

    assertThat(donor.instance()).contains("shop-1");
  }

  @Test
  void nothingIsCopiedBeforeTheClusterHasAMaster() {
    var status = new MySQLClusterStatus();
    status.setInstances(List.of(replica("shop-1", true, true, 0L)));

    assertThat(SeedControl.donor(status, List.of(), "shop-0").instance()).isEmpty();
  }
}
