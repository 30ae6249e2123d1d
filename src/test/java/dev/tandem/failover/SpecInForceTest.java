package dev.tandem.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.api.MySQLCluster;
import dev.tandem.kubernetes.ClusterFixture;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which spec the control loop acts on while the current one is invalid or not checked yet. */
class SpecInForceTest {

  static final List<String> PROBLEM = List.of("Secret x (spec.tls.secretName) does not exist");

  final SpecInForce inForce = new SpecInForce();

  @Test
  void aCheckedValidSpecIsActedOnAsItIs() {
    var cluster = generation(1, "shop-0");

    var acting = inForce.actingOn(cluster, List.of(), 1L);

    assertThat(acting.cluster()).isSameAs(cluster);
    assertThat(acting.hold()).isEmpty();
  }

  @Test
  void anInvalidEditIsNotActedOnTheLastValidSpecIsWithoutAHold() {
    inForce.actingOn(generation(1, "shop-0"), List.of(), 1L);
    var edited = generation(2, "shop-2");

    var acting = inForce.actingOn(edited, PROBLEM, 2L);

    assertThat(acting.cluster().getSpec().getMaster()).isEqualTo("shop-0");
    assertThat(acting.cluster().getMetadata()).isSameAs(edited.getMetadata());
    assertThat(acting.hold()).isEmpty();
  }

  @Test
  void aSpecNewerThanTheCheckedOneWaitsForItsCheckEvenWhenTheOlderHadNoProblem() {
    inForce.actingOn(generation(1, "shop-0"), List.of(), 1L);

    var acting = inForce.actingOn(generation(2, "shop-2"), List.of(), 1L);

    assertThat(acting.cluster().getSpec().getMaster()).isEqualTo("shop-0");
    assertThat(inForce.actingOn(generation(2, "shop-2"), List.of(), 2L).cluster().getSpec().getMaster()).isEqualTo("shop-2");
  }

  @Test
  void withNoValidSpecSeenTheCurrentOneIsActedOnWithItsChangesHeldAndWhy() {
    var invalid = inForce.actingOn(generation(3, "shop-2"), PROBLEM, 3L);
    assertThat(invalid.cluster().getSpec().getMaster()).isEqualTo("shop-2");
    assertThat(invalid.hold()).contains("the spec is invalid and no valid one was seen since the operator started");

    assertThat(new SpecInForce().actingOn(generation(3, "shop-2"), List.of(), 2L).hold()).contains("the spec is not checked yet");
  }

  @Test
  void aSpecMadeValidAgainIsActedOnAndReleasesTheHold() {
    inForce.actingOn(generation(3, "shop-2"), PROBLEM, 3L);

    var acting = inForce.actingOn(generation(4, "shop-1"), List.of(), 4L);

    assertThat(acting.cluster().getSpec().getMaster()).isEqualTo("shop-1");
    assertThat(acting.hold()).isEmpty();
  }

  private static MySQLCluster generation(long generation, String master) {
    var cluster = ClusterFixture.named("shop").instances(3).build();
    cluster.getMetadata().setGeneration(generation);
    cluster.getSpec().setMaster(master);
    return cluster;
  }
}
