package dev.tandem.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.api.MySQLClusterStatus;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SeedingTest {

  static dev.tandem.api.MySQLCluster cluster(String master, String reseed) {
    var cluster = ClusterFixture.named("shop").mariaDb().instances(3).build();
    if (master != null) {
      var status = new MySQLClusterStatus();
      status.setMaster(master);
      cluster.setStatus(status);
    }
    if (reseed != null) {
      cluster.getMetadata().setAnnotations(Map.of(Seeding.ANNOTATION, reseed));
    }
    return cluster;
  }

  @Test
  void aClusterWithoutAMasterInitializesEmptyDataDirectoriesAndOneWithAMasterSeedsThem() {
    assertThat(Seeding.of(cluster(null, null), Optional.empty()).seedEmpty()).isFalse();
    assertThat(Seeding.of(cluster("shop-0", null), Optional.empty()).seedEmpty()).isTrue();
  }

  @Test
  void theMasterAndNamesOutsideTheClusterAreNeverReseeded() {
    var seeding = Seeding.of(cluster("shop-0", "shop-0, shop-2,shop-7 other-1"), Optional.empty());

    assertThat(seeding.reseeds()).containsOnlyKeys("shop-2");
    assertThat(Seeding.requested(cluster("shop-0", "shop-0, shop-2,shop-7 other-1"))).containsExactly("shop-0", "shop-2", "shop-7", "other-1");
  }

  @Test
  void neitherDualMasterMasterIsReseeded() {
    var cluster = ClusterFixture.named("shop").mariaDb().dualMaster().instances(3).build();
    var status = new MySQLClusterStatus();
    status.setMaster("shop-0");
    cluster.setStatus(status);
    cluster.getMetadata().setAnnotations(Map.of(Seeding.ANNOTATION, "shop-1,shop-2"));

    assertThat(Seeding.of(cluster, Optional.empty()).reseeds()).containsOnlyKeys("shop-2");
  }

  @Test
  void aStandingRequestKeepsTheTimeItBeganSoItsDataIsPutAsideOnce() {
    var begun = StatefulSetDependent.desiredFor(cluster("shop-0", null), Optional.empty(), new Seeding(true, Map.of("shop-1", "1700000000")));

    var again = Seeding.of(cluster("shop-0", "shop-1,shop-2"), Optional.of(begun));

    assertThat(again.reseeds()).containsEntry("shop-1", "1700000000").containsKey("shop-2");
    assertThat(Long.parseLong(again.reseeds().get("shop-2"))).isGreaterThan(1700000000L);
  }
}
