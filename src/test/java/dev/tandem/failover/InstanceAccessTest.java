package dev.tandem.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InstanceAccessTest {

  @Test
  void autoDialsPodIpsInsideTheClusterAndPortForwardsOutsideIt() {
    assertThat(InstanceAccess.of("auto", true)).isEqualTo(InstanceAccess.POD_IP);
    assertThat(InstanceAccess.of("auto", false)).isEqualTo(InstanceAccess.PORT_FORWARD);
  }

  @Test
  void anExplicitChoiceWinsWhereverTheOperatorRuns() {
    assertThat(InstanceAccess.of("pod-ip", false)).isEqualTo(InstanceAccess.POD_IP);
    assertThat(InstanceAccess.of(" Port-Forward ", true)).isEqualTo(InstanceAccess.PORT_FORWARD);
  }

  @Test
  void anUnknownChoiceIsRefusedWithTheAcceptedValues() {
    assertThatThrownBy(() -> InstanceAccess.of("ssh-tunnel", true))
        .hasMessage("tandem.instance-access is 'ssh-tunnel'; expected auto, pod-ip or port-forward");
  }
}
