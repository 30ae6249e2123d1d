package dev.tandem.api;

public enum Phase {
  Provisioning,
  Ready,
  Degraded,
  FailingOver,
  Error
}
