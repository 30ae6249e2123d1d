package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.kubernetes.ClusterLabels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The runner's consistent expectation is never inferred from what could not be read. */
class ConsistencyTest {

  /** TEST-NET-1 (RFC 5737): nothing answers there, so every read fails the same way. */
  static final String NOBODY = "192.0.2.1";

  static Optional<Pod> pod(String name, String role, String ip) {
    return Optional.of(new PodBuilder().withNewMetadata().withName(name).addToLabels(ClusterLabels.ROLE, role).endMetadata()
        .withNewStatus().withPodIP(ip).endStatus().build());
  }

  @Test
  void instancesThatAllFailToBeReadAlikeAreNotConsistentAndAreNamed() throws Exception {
    var instances = new LinkedHashMap<String, Optional<Pod>>();
    instances.put("shop-0", pod("shop-0", ClusterLabels.ROLE_MASTER, NOBODY));
    instances.put("shop-1", pod("shop-1", ClusterLabels.ROLE_REPLICA, NOBODY));

    var verdict = Consistency.await(Duration.ZERO, () -> instances);

    assertThat(verdict.consistent()).isFalse();
    assertThat(verdict.readings()).containsOnlyKeys("shop-0", "shop-1")
        .allSatisfy((instance, reading) -> assertThat(reading).startsWith("unreadable: "));
  }

  @Test
  void anInstanceWithoutAPodIsUnreadable() throws Exception {
    var verdict = Consistency.await(Duration.ZERO, () -> Map.of("shop-2", Optional.empty()));

    assertThat(verdict.consistent()).isFalse();
    assertThat(verdict.readings()).containsExactly(Map.entry("shop-2", "unreadable: it has no Pod"));
  }

  @Test
  void withNothingComparedThereIsNoConsistency() throws Exception {
    var verdict = Consistency.await(Duration.ZERO, () -> Map.of("shop-1", pod("shop-1", ClusterLabels.ROLE_ERRANT, NOBODY)));

    assertThat(verdict.consistent()).isFalse();
    assertThat(verdict.readings()).containsExactly(Map.entry("shop-1", "errant, not compared"));
  }
}
