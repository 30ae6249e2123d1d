package dev.tandem.failover;

import dev.tandem.replication.InstanceSnapshot;
import dev.tandem.replication.ReplicationStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How long each replica's receiver has heard nothing from its source, across the control loop's
 * looks. A connected receiver reads its socket until the net timeout (3 s) runs out, so the
 * server itself says nothing for seconds; its activity (binlog coordinates read, heartbeats
 * counted; a heartbeat every 0.1 s while the source is idle) unchanged since a look means nothing
 * arrived since then. The silence is counted from the first look that saw the current activity:
 * it may have begun before that look, not after (give or take the difference between the two
 * probes' latencies).
 *
 * <p>Only a silence that began while the master still answered the operator, or after, says the
 * master went away. A receiver already silent for the window while the master answered is stuck
 * for a reason of its own (a full disk, relay_log_space_limit): it is left as the server reports
 * it, connected, and vouches for nothing. So is one whose activity cannot be read (no heartbeat
 * count): an idle master would look silent.
 */
final class ReceiverSilence {

  private record Heard(String source, String activity, Instant firstSeen) {}

  private final Map<String, Heard> lastHeard = new HashMap<>();

  /**
   * The snapshots, each connected receiver that heard nothing from its source for {@code window}
   * or longer, since before {@code masterLastAnswered} by less than the window, marked
   * {@link ReplicationStatus.IoThread#SILENT}.
   */
  Map<String, InstanceSnapshot> mark(Map<String, InstanceSnapshot> snapshots, Instant observedAt, Duration window,
      Instant masterLastAnswered) {
    var marked = new LinkedHashMap<String, InstanceSnapshot>();
    snapshots.forEach((name, snapshot) -> {
      var status = snapshot.replication().filter(replication -> replication.ioThread() == ReplicationStatus.IoThread.RUNNING);
      if (status.isEmpty() || status.get().receiverActivity().isEmpty()) {
        lastHeard.remove(name);
        marked.put(name, snapshot);
        return;
      }
      String source = status.get().sourceHost() + ":" + status.get().sourcePort();
      var heard = lastHeard.get(name);
      if (heard == null || !heard.source().equals(source) || !heard.activity().equals(status.get().receiverActivity())) {
        heard = new Heard(source, status.get().receiverActivity(), observedAt);
        lastHeard.put(name, heard);
      }
      boolean silentForTheWindow = !Duration.between(heard.firstSeen(), observedAt).minus(window).isNegative();
      boolean stuckWhileTheMasterAnswered = !Duration.between(heard.firstSeen(), masterLastAnswered).minus(window).isNegative();
      marked.put(name, silentForTheWindow && !stuckWhileTheMasterAnswered ? snapshot.withReplication(status.get().silent()) : snapshot);
    });
    lastHeard.keySet().retainAll(snapshots.keySet());
    return marked;
  }
}
