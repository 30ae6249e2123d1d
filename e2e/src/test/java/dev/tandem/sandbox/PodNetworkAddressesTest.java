package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import org.junit.jupiter.api.Test;

/** A run of every scenario creates more Pods than a /24 holds: deleted Pods' addresses are reused, oldest first. */
class PodNetworkAddressesTest {

  @Test
  void addressesOfDeletedPodsAreReusedOldestFirstOnceTheNewOnesRunOut() {
    try (var network = PodNetwork.onLoopback()) {
      var ips = new HashSet<String>();
      for (int pod = 0; pod < 245; pod++) {
        ips.add(network.attach("pod-" + pod).ip());
      }
      assertThat(ips).hasSize(245).contains("127.0.0.10", "127.0.0.254");
      assertThatThrownBy(() -> network.attach("one-too-many")).hasMessageContaining("is full: 245 Pods attached");

      network.detach("pod-7");
      network.detach("pod-3");

      assertThat(network.attach("new-a").ip()).as("the first released").isEqualTo("127.0.0.17");
      assertThat(network.attach("new-b").ip()).isEqualTo("127.0.0.13");
      assertThat(network.attach("new-a").ip()).as("an attached Pod keeps its address").isEqualTo("127.0.0.17");
    }
  }
}
