package dev.tandem.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.api.InstanceRole;
import dev.tandem.api.InstanceStatus;
import dev.tandem.api.MySQLCluster;
import dev.tandem.api.Phase;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClusterStatusAggregatorTest {

  static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");

  static Pod pod(String name, String role, boolean ready) {
    var builder = new PodBuilder().withNewMetadata().withName(name).addToLabels("app.kubernetes.io/instance", "shop");
    if (role != null) {
      builder.addToLabels(ClusterLabels.ROLE, role);
    }
    return builder.endMetadata().withNewStatus().addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition().endStatus().build();
  }

  static dev.tandem.api.MySQLClusterStatus aggregate(MySQLCluster cluster, List<Pod> pods, List<String> problems) {
    return ClusterStatusAggregator.aggregate(cluster, cluster.getStatus(), pods, Optional.empty(), problems, NOW);
  }

  @Test
  void aClusterWithAMasterAndEveryInstanceReadyIsReady() {
    var status = aggregate(ClusterFixture.named("shop").build(),
        List.of(pod("shop-0", "master", true), pod("shop-1", "replica", true), pod("shop-2", "replica", true)), List.of());

    assertThat(status.getPhase()).isEqualTo(Phase.Ready);
    assertThat(status.getMaster()).isEqualTo("shop-0");
    assertThat(status.getReady()).isEqualTo("3/3");
    assertThat(status.getObservedGeneration()).isEqualTo(1L);
    assertThat(status.getInstances()).extracting(InstanceStatus::role).containsExactly(InstanceRole.Master, InstanceRole.Replica, InstanceRole.Replica);
    assertThat(status.getEndpoints().writer()).isEqualTo("shop.prod.svc:3306");
    assertThat(status.getEndpoints().readers()).isEqualTo("shop-replicas.prod.svc:3306");
    assertThat(status.getConditions()).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo("Ready");
      assertThat(c.getStatus()).isEqualTo("True");
    });
  }

  @Test
  void withoutAMasterTheClusterIsStillProvisioning() {
    var status = aggregate(ClusterFixture.named("shop").build(), List.of(pod("shop-0", null, true)), List.of());

    assertThat(status.getPhase()).isEqualTo(Phase.Provisioning);
    assertThat(status.getReady()).isEqualTo("1/3");
    assertThat(status.getInstances()).extracting(InstanceStatus::ready).containsExactly(true, false, false);
  }

  @Test
  void aMissingReplicaDegradesTheCluster() {
    var status = aggregate(ClusterFixture.named("shop").build(), List.of(pod("shop-0", "master", true), pod("shop-1", "replica", false)), List.of());

    assertThat(status.getPhase()).isEqualTo(Phase.Degraded);
  }

  @Test
  void anInvalidSpecIsAnErrorWhoseMessageSaysWhatToFix() {
    var status = aggregate(ClusterFixture.named("shop").build(), List.of(), List.of("Secret mine does not exist"));

    assertThat(status.getPhase()).isEqualTo(Phase.Error);
    assertThat(status.getConditions().get(0).getReason()).isEqualTo("InvalidSpec");
    assertThat(status.getConditions().get(0).getMessage()).isEqualTo("Secret mine does not exist. Nothing was changed in the running cluster.");
  }

  @Test
  void offlineInstancesAreReportedOffline() {
    var status = aggregate(ClusterFixture.named("shop").offline("shop-2").build(),
        List.of(pod("shop-0", "master", true), pod("shop-1", "replica", true), pod("shop-2", null, true)), List.of());

    assertThat(status.getInstances().get(2).role()).isEqualTo(InstanceRole.Offline);
  }

  @Test
  void theSameObservationGivesAnEqualStatusSoNothingIsWritten() {
    var cluster = ClusterFixture.named("shop").build();
    var pods = List.of(pod("shop-0", "master", true));
    cluster.setStatus(aggregate(cluster, pods, List.of()));

    var later = ClusterStatusAggregator.aggregate(cluster, cluster.getStatus(), pods, Optional.empty(), List.of(), NOW.plusSeconds(60));

    assertThat(later).isEqualTo(cluster.getStatus());
  }
}
