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
 * arrived since then. Counted from the first look that saw the current activity, the silence is
 * never overstated: it may have begun before that look, never after.
 */
final class ReceiverSilence {

  private record Heard(String source, String activity, Instant firstSeen) {}

  private final Map<String, Heard> lastHeard = new HashMap<>();

  /**
   * The snapshots, each connected receiver that heard nothing from its source for {@code window}
   * or longer marked {@link ReplicationStatus.IoThread#SILENT}.
   */
  Map<String, InstanceSnapshot> mark(Map<String, InstanceSnapshot> snapshots, Instant observedAt, Duration window) {
    var marked = new LinkedHashMap<String, InstanceSnapshot>();
    snapshots.forEach((name, snapshot) -> {
      var status = snapshot.replication().filter(replication -> replication.ioThread() == ReplicationStatus.IoThread.RUNNING);
      if (status.isEmpty()) {
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
      boolean silent = !Duration.between(heard.firstSeen(), observedAt).minus(window).isNegative();
      marked.put(name, silent ? snapshot.withReplication(status.get().silent()) : snapshot);
    });
    lastHeard.keySet().retainAll(snapshots.keySet());
    return marked;
  }
}
