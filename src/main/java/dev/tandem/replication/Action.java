package dev.tandem.replication;

/** One idempotent step the executor runs on one instance. */
public sealed interface Action {

  String instance();

  /**
   * Read-only and client sessions killed; the result says when that could not be confirmed.
   * {@code unreachable}: it did not answer the look this plan comes from, so the attempt gets
   * a short connect timeout and does not hold up the failover; unconfirmed, its Pod is deleted.
   */
  record Fence(String instance, boolean unreachable) implements Action {
    public Fence(String instance) {
      this(instance, false);
    }
  }

  /** Stops the receiver, so a zombie master gets no semi-sync acknowledgement from here. */
  record StopReceiver(String instance) implements Action {}

  /** Waits (bounded) until this instance has executed every transaction {@code from} has. */
  record CatchUp(String instance, String from) implements Action {}

  /** Applies what is already received (bounded wait), then forgets its source. */
  record Detach(String instance) implements Action {}

  /** Writable, replication account in place, semi-sync source on when asked. */
  record Promote(String instance, boolean semiSyncSource) implements Action {}

  /** Replicates from {@code source} with GTID auto-position; nothing to do when it already does. */
  record Replicate(String instance, String source) implements Action {}

  /** Restarts replication threads that stopped without an error. */
  record StartReplication(String instance) implements Action {}

  /**
   * On the master {@code instance}: the replication account is refused from {@code host} (a locked
   * account for that host, which replicates to every instance) and the binlog dumps to it are
   * killed, so the lost replica {@code replica} can receive nothing more from any instance.
   */
  record CutOff(String instance, String replica, String host) implements Action {}

  /** On the master {@code instance}: the account {@link CutOff} locked for {@code host} is dropped. */
  record Readmit(String instance, String replica, String host) implements Action {}
}
