package dev.tandem.api;

public enum InstanceRole {
  Master,
  Replica,
  Offline,
  Errant,
  Unknown
}
