package dev.tandem.replication;

import java.util.Optional;

/**
 * What {@code SHOW REPLICA STATUS} says about an instance that has a source configured.
 *
 * @param received the transactions it has received from its source (retrieved into the relay
 *     log), whether applied or not
 * @param receiverActivity changes whenever the receiver gets anything from its source, an event or a
 *     heartbeat (the source's binlog coordinates it has read up to, and its heartbeat count): the
 *     same value at two looks means it heard nothing in between; empty when that cannot be told
 * @param sourceAuthorities the CA file its receiver verifies the source's certificate with, when
 *     it connects over TLS; empty when it connects in plaintext
 */
public record ReplicationStatus(
    String sourceHost,
    int sourcePort,
    IoThread ioThread,
    boolean sqlThreadRunning,
    Optional<ReplicationError> lastIoError,
    Optional<ReplicationError> lastSqlError,
    Optional<Long> secondsBehindSource,
    GtidSet received,
    boolean usesGtidAutoPosition,
    String receiverActivity,
    Optional<String> sourceAuthorities) {

  /** The receiver thread, as the server reports it. */
  public enum IoThread {
    /** Connected to its source and receiving. */
    RUNNING,
    /** Trying to (re)connect: the source is gone for this replica. */
    CONNECTING,
    /**
     * Connected, but nothing, not even a heartbeat, came from its source for the failure
     * detection window: the source is gone for this replica, though its connection has not timed
     * out yet. Set by the control loop, which compares looks over time; a server never reports it.
     */
    SILENT,
    STOPPED
  }

  /** The last error one replication thread stopped or retried on. */
  public record ReplicationError(int number, String message, Optional<String> failingGtid) {
    @Override
    public String toString() {
      return "error " + number + failingGtid.map(gtid -> " at GTID " + gtid).orElse("") + ": " + message;
    }
  }

  /** The same status, its applier error naming the transaction it failed on. */
  public ReplicationStatus withFailedTransaction(String gtid) {
    return new ReplicationStatus(sourceHost, sourcePort, ioThread, sqlThreadRunning, lastIoError,
        lastSqlError.map(error -> new ReplicationError(error.number(), error.message(), Optional.of(gtid))),
        secondsBehindSource, received, usesGtidAutoPosition, receiverActivity, sourceAuthorities);
  }

  /**
   * The same status, its receiver's activity including the heartbeats it counted; empty when they
   * cannot be read (an idle source's receiver would never seem to hear anything).
   */
  public ReplicationStatus withHeartbeats(Optional<String> heartbeats) {
    return new ReplicationStatus(sourceHost, sourcePort, ioThread, sqlThreadRunning, lastIoError, lastSqlError,
        secondsBehindSource, received, usesGtidAutoPosition, heartbeats.map(count -> receiverActivity + " heartbeats " + count).orElse(""),
        sourceAuthorities);
  }

  /** The same status, its connected receiver marked as hearing nothing from its source. */
  public ReplicationStatus silent() {
    return new ReplicationStatus(sourceHost, sourcePort, IoThread.SILENT, sqlThreadRunning, lastIoError, lastSqlError,
        secondsBehindSource, received, usesGtidAutoPosition, receiverActivity, sourceAuthorities);
  }

  public boolean replicatesFrom(Endpoint source) {
    return sourceHost.equalsIgnoreCase(source.host()) && sourcePort == source.port();
  }

  /** Connected the way the cluster wants: over TLS verified with those CAs, or in plaintext when empty. */
  public boolean connectsAs(Optional<String> wantedAuthorities) {
    return sourceAuthorities.equals(wantedAuthorities);
  }

  /** Both threads running, or the receiver reconnecting on its own. */
  public boolean threadsRunning() {
    return ioThread != IoThread.STOPPED && sqlThreadRunning;
  }
}
