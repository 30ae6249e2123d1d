package dev.tandem.api;

/** How the instances of a cluster replicate. */
public enum Topology {
  /** One writable master; every other instance is a read-only replica of it. */
  MasterReplica,
  /** Instances 0 and 1 replicate from each other and both take writes; the rest are replicas. */
  DualMaster
}
