package dev.tandem.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.api.InstanceRole;
import dev.tandem.api.InstanceStatus;
import dev.tandem.api.MySQLBackupSpec.BackupSource;
import dev.tandem.api.MySQLCluster;
import dev.tandem.api.MySQLClusterStatus;
import dev.tandem.kubernetes.ClusterFixture;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackupSourcesTest {

  static InstanceStatus master(String name) {
    return new InstanceStatus(name, InstanceRole.Master, true, false, "0-1000-9", 0L, null);
  }

  static InstanceStatus replica(String name, long lag) {
    return new InstanceStatus(name, InstanceRole.Replica, true, true, "0-1000-9", lag, true);
  }

  static MySQLCluster cluster(ClusterFixture fixture, InstanceStatus... instances) {
    var cluster = fixture.build();
    var status = new MySQLClusterStatus();
    status.setMaster(instances[0].name());
    status.setInstances(List.of(instances));
    cluster.setStatus(status);
    return cluster;
  }

  @Test
  void theLeastBehindHealthyReplicaIsTheSource() {
    var shop = cluster(ClusterFixture.named("shop"), master("shop-0"), replica("shop-1", 3), replica("shop-2", 0));

    var choice = BackupSources.choose(shop, BackupSource.Replica);

    assertThat(choice.instance()).contains("shop-2");
    assertThat(choice.reason()).isEqualTo("replica shop-2, 0 s behind");
  }

  @Test
  void equallyCaughtUpReplicasGoByName() {
    var shop = cluster(ClusterFixture.named("shop"), master("shop-2"), replica("shop-1", 0), replica("shop-0", 0));

    assertThat(BackupSources.choose(shop, BackupSource.Replica).instance()).contains("shop-0");
  }

  @Test
  void noReplicaFitRefusesAndSaysWhyForEachInstance() {
    var notReplicating = new InstanceStatus("shop-3", InstanceRole.Replica, true, true, "", null, false);
    var notReady = new InstanceStatus("shop-4", InstanceRole.Replica, false, true, "", 0L, true);
    var errant = new InstanceStatus("shop-5", InstanceRole.Errant, true, true, "", 0L, true);
    var shop = cluster(ClusterFixture.named("shop").instances(6).offline("shop-1"),
        master("shop-0"), replica("shop-1", 0), replica("shop-2", 61), notReplicating, notReady, errant);

    var choice = BackupSources.choose(shop, BackupSource.Replica);

    assertThat(choice.instance()).isEmpty();
    assertThat(choice.reason()).isEqualTo("no healthy caught-up replica of cluster shop to back up from: shop-0 is the master,"
        + " shop-1 is offline, shop-2 lags 61 s (limit 60 s), shop-3 is not replicating, shop-4 is not ready, shop-5 is Errant");
  }

  @Test
  void aClusterWithoutStatusHasNoSourceYet() {
    var shop = ClusterFixture.named("shop").build();

    var choice = BackupSources.choose(shop, BackupSource.Replica);

    assertThat(choice.reason()).isEqualTo("cluster shop has no master yet: a backup waits for a running cluster");
    assertThat(choice.waits()).isTrue();
  }

  @Test
  void replicasNotYetObservedMakeTheBackupWaitWhereOthersUnusableRefuseIt() {
    var unobserved = new InstanceStatus("shop-2", InstanceRole.Unknown, true, null, null, null, null);
    var starting = cluster(ClusterFixture.named("shop"), master("shop-0"), replica("shop-1", 61), unobserved);
    var lagging = cluster(ClusterFixture.named("shop"), master("shop-0"), replica("shop-1", 61), replica("shop-2", 61));

    var waiting = BackupSources.choose(starting, BackupSource.Replica);
    var refused = BackupSources.choose(lagging, BackupSource.Replica);

    assertThat(waiting.instance()).isEmpty();
    assertThat(waiting.waits()).isTrue();
    assertThat(waiting.reason()).isEqualTo("no healthy caught-up replica of cluster shop to back up from: shop-0 is the master,"
        + " shop-1 lags 61 s (limit 60 s), shop-2 is Unknown; waiting until the control loop has observed every instance");
    assertThat(refused.waits()).isFalse();
  }

  @Test
  void theMasterIsASourceOnlyForAOneInstanceCluster() {
    var single = cluster(ClusterFixture.named("solo").instances(1), master("solo-0"));
    var three = cluster(ClusterFixture.named("shop"), master("shop-0"), replica("shop-1", 0), replica("shop-2", 0));

    assertThat(BackupSources.choose(single, BackupSource.Master).instance()).contains("solo-0");
    assertThat(BackupSources.choose(single, BackupSource.Replica).reason()).endsWith("solo-0 is the master");
    assertThat(BackupSources.choose(three, BackupSource.Master).instance()).isEmpty();
    assertThat(BackupSources.choose(three, BackupSource.Master).reason()).startsWith("source Master is only for a cluster of one instance; shop has 3");
  }

  @Test
  void anOfflineSourceMustBeListedAndRunning() {
    var offlineDown = new InstanceStatus("shop-2", InstanceRole.Offline, false, true, "", null, false);
    var withOffline = cluster(ClusterFixture.named("shop").offline("shop-1"), master("shop-0"),
        new InstanceStatus("shop-1", InstanceRole.Offline, true, true, "", 40L, false), replica("shop-2", 0));
    var withoutOffline = cluster(ClusterFixture.named("shop"), master("shop-0"), replica("shop-1", 0), replica("shop-2", 0));
    var offlineStopped = cluster(ClusterFixture.named("shop").offline("shop-2"), master("shop-0"), replica("shop-1", 0), offlineDown);

    assertThat(BackupSources.choose(withOffline, BackupSource.Offline).instance()).contains("shop-1");
    assertThat(BackupSources.choose(withoutOffline, BackupSource.Offline).reason())
        .isEqualTo("source Offline needs an instance in spec.offline of cluster shop; it lists none");
    assertThat(BackupSources.choose(offlineStopped, BackupSource.Offline).reason())
        .isEqualTo("no instance of spec.offline [shop-2] is running");
  }
}
