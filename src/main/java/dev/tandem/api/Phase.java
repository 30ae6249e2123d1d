package dev.tandem.api;

public enum Phase {
  Provisioning,
  Ready,
  Degraded,
  FailingOver,
  /** A master is known, no change of master is under way, and nothing takes writes: status says why. */
  Unavailable,
  Error
}
