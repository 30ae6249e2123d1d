package dev.tandem.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.api.MySQLClusterStatus;
import dev.tandem.kubernetes.ClusterStatusAggregator;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An operator that starts while the master does not answer must still know when it last did: a
 * replica restarted after that vouches for nothing. The answer may be earlier, never later.
 */
class LastSightingTest {

  static final Instant WRITABLE_SINCE = Instant.parse("2026-12-04T05:00:00Z");

  static MySQLClusterStatus statusWritableSince(Instant since, boolean writable) {
    var status = new MySQLClusterStatus();
    status.setConditions(List.of(ClusterStatusAggregator.condition(null, ObservedStatus.WRITABLE, writable, "r", "m", 1L, since)));
    return status;
  }

  @Test
  void theSightingRecordedWhileTheMasterWasUnseenIsTheAnswer() {
    var status = statusWritableSince(WRITABLE_SINCE, false);
    status.setMasterLastSeenAt("2026-12-04T05:10:00.250Z");

    assertThat(ClusterMonitor.lastSighting(status)).isEqualTo(Instant.parse("2026-12-04T05:10:00.250Z"));
  }

  @Test
  void withoutOneAMasterRecordedWritableWasSeenWhenItBecameSo() {
    assertThat(ClusterMonitor.lastSighting(statusWritableSince(WRITABLE_SINCE, true))).isEqualTo(WRITABLE_SINCE);
  }

  @Test
  void knowingNeitherEveryRestartedReplicaCounts() {
    assertThat(ClusterMonitor.lastSighting(statusWritableSince(WRITABLE_SINCE, false))).isEqualTo(Instant.EPOCH);
  }
}
