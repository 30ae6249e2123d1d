package dev.tandem.api;

public enum ReplicationMode {
  /** Loss-less semi-sync (AFTER_SYNC): a commit is acknowledged once a replica has it. */
  SemiSync,
  /** Plain asynchronous replication: faster commits, but a failover can lose recent writes. */
  Async
}
