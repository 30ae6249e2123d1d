package dev.tandem.replication;

/** One idempotent step the executor runs on one instance. */
public sealed interface Action {

  String instance();

  /** Read-only and client sessions killed; the result says when that could not be confirmed. */
  record Fence(String instance) implements Action {}

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
}
