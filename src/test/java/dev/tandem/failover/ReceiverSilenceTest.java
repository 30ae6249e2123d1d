package dev.tandem.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.replication.DomainGtidSet;
import dev.tandem.replication.Endpoint;
import dev.tandem.replication.InstanceSnapshot;
import dev.tandem.replication.MariaDbDialect;
import dev.tandem.replication.ReplicationStatus;
import dev.tandem.replication.ReplicationStatus.IoThread;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReceiverSilenceTest {

  private static final Duration WINDOW = Duration.ofMillis(800);
  private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");

  private final ReceiverSilence silence = new ReceiverSilence();
  /** The master answered the operator last at the first look, unless a test says otherwise. */
  private Instant masterLastAnswered = T0;

  @Test
  void aConnectedReceiverThatHeardNothingForTheWindowIsMarkedSilent() {
    assertThat(look(0, replica("10.0.0.1", IoThread.RUNNING, "bin.1:900 heartbeats 7"))).isEqualTo(IoThread.RUNNING);
    assertThat(look(400, replica("10.0.0.1", IoThread.RUNNING, "bin.1:900 heartbeats 7"))).isEqualTo(IoThread.RUNNING);
    assertThat(look(800, replica("10.0.0.1", IoThread.RUNNING, "bin.1:900 heartbeats 7"))).isEqualTo(IoThread.SILENT);
  }

  @Test
  void aHeartbeatOrAnEventBetweenTwoLooksStartsTheSilenceAgain() {
    look(0, replica("10.0.0.1", IoThread.RUNNING, "bin.1:900 heartbeats 7"));
    look(500, replica("10.0.0.1", IoThread.RUNNING, "bin.1:900 heartbeats 8"));
    assertThat(look(1000, replica("10.0.0.1", IoThread.RUNNING, "bin.1:900 heartbeats 8"))).isEqualTo(IoThread.RUNNING);
    look(1100, replica("10.0.0.1", IoThread.RUNNING, "bin.1:1400 heartbeats 8"));
    assertThat(look(1800, replica("10.0.0.1", IoThread.RUNNING, "bin.1:1400 heartbeats 8"))).isEqualTo(IoThread.RUNNING);
    assertThat(look(1900, replica("10.0.0.1", IoThread.RUNNING, "bin.1:1400 heartbeats 8"))).isEqualTo(IoThread.SILENT);
  }

  @Test
  void aReceiverAlreadySilentForTheWindowWhileTheMasterAnsweredIsStuckAndVouchesForNothing() {
    // A full disk or relay_log_space_limit holds the receiver while the master lives: its
    // silence says nothing about the master, which stops answering only later.
    look(0, replica("10.0.0.1", IoThread.RUNNING, "bin.1:900 heartbeats 7"));
    masterLastAnswered = T0.plusMillis(2000);
    assertThat(look(2400, replica("10.0.0.1", IoThread.RUNNING, "bin.1:900 heartbeats 7"))).isEqualTo(IoThread.RUNNING);
    assertThat(look(5000, replica("10.0.0.1", IoThread.RUNNING, "bin.1:900 heartbeats 7"))).isEqualTo(IoThread.RUNNING);
  }

  @Test
  void aReceiverThatWentSilentLessThanTheWindowBeforeTheMastersLastAnswerIsAWitness() {
    look(0, replica("10.0.0.1", IoThread.RUNNING, "bin.1:900 heartbeats 7"));
    masterLastAnswered = T0.plusMillis(700);
    assertThat(look(1100, replica("10.0.0.1", IoThread.RUNNING, "bin.1:900 heartbeats 7"))).isEqualTo(IoThread.SILENT);
  }

  @Test
  void aReceiverWhoseHeartbeatsCannotBeReadIsNeverMarkedSilent() {
    // Without the heartbeat count an idle master's replica would seem to hear nothing.
    look(0, replica("10.0.0.1", IoThread.RUNNING, ""));
    assertThat(look(5000, replica("10.0.0.1", IoThread.RUNNING, ""))).isEqualTo(IoThread.RUNNING);
  }

  @Test
  void aReceiverRepointedToAnotherSourceStartsWithoutSilence() {
    look(0, replica("10.0.0.1", IoThread.RUNNING, "bin.1:900 heartbeats 0"));
    assertThat(look(900, replica("10.0.0.2", IoThread.RUNNING, "bin.1:900 heartbeats 0"))).isEqualTo(IoThread.RUNNING);
  }

  @Test
  void aReceiverThatIsNotConnectedIsLeftAsTheServerReportsItAndForgotten() {
    look(0, replica("10.0.0.1", IoThread.RUNNING, "bin.1:900 heartbeats 7"));
    assertThat(look(900, replica("10.0.0.1", IoThread.CONNECTING, "bin.1:900 heartbeats 7"))).isEqualTo(IoThread.CONNECTING);
    // Connected again with the same activity: its silence starts at this look, not at the first.
    assertThat(look(1000, replica("10.0.0.1", IoThread.RUNNING, "bin.1:900 heartbeats 7"))).isEqualTo(IoThread.RUNNING);
  }

  @Test
  void anInstanceWithoutASourceOrUnreachableIsLeftUnchanged() {
    var master = snapshot(Optional.empty());
    var gone = InstanceSnapshot.unreachable("shop-2", new Endpoint("10.0.0.3", 3306), "no answer", Duration.ZERO);

    silence.mark(Map.of("shop-0", master, "shop-2", gone), T0, WINDOW, masterLastAnswered);
    var marked = silence.mark(Map.of("shop-0", master, "shop-2", gone), T0.plusSeconds(5), WINDOW, masterLastAnswered);

    assertThat(marked).containsEntry("shop-0", master).containsEntry("shop-2", gone);
  }

  private IoThread look(long atMillis, InstanceSnapshot replica) {
    var marked = silence.mark(Map.of("shop-1", replica), T0.plusMillis(atMillis), WINDOW, masterLastAnswered);
    return marked.get("shop-1").replication().orElseThrow().ioThread();
  }

  private static InstanceSnapshot replica(String source, IoThread io, String activity) {
    return snapshot(Optional.of(new ReplicationStatus(source, 3306, io, true, Optional.empty(), Optional.empty(), Optional.of(0L),
        DomainGtidSet.parse("0-1000-10"), true, activity, Optional.empty())));
  }

  private static InstanceSnapshot snapshot(Optional<ReplicationStatus> replication) {
    var state = new InstanceSnapshot.ServerState(new MariaDbDialect("10.11"), "10.11.19-MariaDB", 1001, Optional.empty(), true,
        DomainGtidSet.parse("0-1000-10"), replication, InstanceSnapshot.SemiSync.OFF, Set.of(), Duration.ofHours(1));
    return InstanceSnapshot.reachable("shop-1", new Endpoint("10.0.0.2", 3306), state, Duration.ofMillis(5));
  }
}
