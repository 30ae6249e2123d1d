package dev.tandem.replication;

/**
 * The transactions a server has executed or received, in one of the two GTID formats. Sets of
 * the two formats never meet: comparing them is a programming error and throws.
 *
 * <p>{@code a.contains(b)} holds exactly when {@code b.subtract(a)} is empty, for both formats.
 */
public sealed interface GtidSet permits UuidGtidSet, DomainGtidSet {

  boolean contains(GtidSet other);

  /** What this set holds and {@code other} lacks. */
  GtidSet subtract(GtidSet other);

  GtidSet union(GtidSet other);

  boolean isEmpty();

  /** The set in the server's own syntax, normalized, so it can be sent back to the server. */
  @Override
  String toString();
}
