package dev.tandem.api;

/** What happens on the server when a MySQLDatabase, MySQLUser or MySQLGrant is deleted. */
public enum CleanupPolicy {
  /** The database is dropped, the user dropped, the privileges revoked. */
  Delete,
  /** The object stays on the server as it was; only the resource goes. */
  Retain
}
