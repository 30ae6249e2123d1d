package dev.tandem.failover;

import dev.tandem.api.MySQLCluster;
import dev.tandem.api.MySQLClusterSpec;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which spec the control loop acts on. An invalid edit changes nothing in the running cluster and
 * must not stop its failover, so while the spec has problems, or is newer than the one the
 * reconciler checked, the loop acts on the last spec found valid. After an operator restart none
 * is known: the current spec serves then, with a hold on what would carry its changes (the
 * rollout, a wished master).
 */
final class SpecInForce {

  /** The cluster to act on, and why changes the spec asks for wait, if they do. */
  record Acting(MySQLCluster cluster, Optional<String> hold) {}

  private MySQLClusterSpec accepted;

  /**
   * @param problems why the spec of generation {@code checkedGeneration} is invalid
   */
  Acting actingOn(MySQLCluster cluster, List<String> problems, Long checkedGeneration) {
    boolean checked = Objects.equals(cluster.getMetadata().getGeneration(), checkedGeneration);
    if (checked && problems.isEmpty()) {
      accepted = cluster.getSpec();
      return new Acting(cluster, Optional.empty());
    }
    if (accepted == null) {
      return new Acting(cluster, Optional.of(checked ? "the spec is invalid and no valid one was seen since the operator started"
          : "the spec is not checked yet"));
    }
    var acting = new MySQLCluster();
    acting.setMetadata(cluster.getMetadata());
    acting.setSpec(accepted);
    acting.setStatus(cluster.getStatus());
    return new Acting(acting, Optional.empty());
  }
}
