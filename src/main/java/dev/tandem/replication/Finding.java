package dev.tandem.replication;

/** Something the plan reports instead of acting on: the control loop turns it into status. */
public sealed interface Finding {

  String instance();

  String message();

  /** Holds transactions its master lacks; never repointed, never wiped automatically. */
  record Errant(String instance, GtidSet transactions) implements Finding {
    @Override
    public String message() {
      return instance + " has transactions the master lacks (" + transactions
          + "); it is kept out of replication. Re-seed it from a donor to bring it back: annotate the MySQLCluster mysql.tandem.dev/reseed=<instance>.";
    }
  }

  /** A replication thread stopped on an error it will not retry (a conflict, a purged binlog). */
  record ReplicationBroken(String instance, ReplicationStatus.ReplicationError error) implements Finding {
    @Override
    public String message() {
      return instance + " stopped replicating on " + error;
    }
  }

  record Unreachable(String instance, String reason) implements Finding {
    @Override
    public String message() {
      return instance + " is unreachable: " + reason;
    }
  }

  /** Why the plan holds back (an instance named when one is the cause). */
  record Waiting(String instance, String message) implements Finding {}
}
