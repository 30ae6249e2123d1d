package dev.tandem.kubernetes;

import dev.tandem.api.MySQLCluster;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The failover control loop as the reconciler sees it. The reconciler owns the objects; the
 * control loop owns what happens inside mysqld, the role labels and the status. It lives in the
 * failover layer, which knows the replication engine; this layer does not.
 */
public interface ClusterControl {

  /** Called after every reconcile with what the reconciler learned; must not block. */
  void reconciled(MySQLCluster cluster, Reconciled reconciled);

  /**
   * @param problems why the spec is invalid; empty when it is valid
   * @param checkedGeneration the generation of the spec the problems are of: the cache may already
   *     hold a newer one, not checked yet
   * @param credentials the Secret with the passwords, once it exists
   * @param primaryCache the latest MySQLCluster by id, from the operator's cache
   * @param podsOf the cluster's Pods, from the operator's cache
   */
  record Reconciled(
      List<String> problems,
      Long checkedGeneration,
      Optional<StatefulSet> statefulSet,
      Optional<Secret> credentials,
      Function<ResourceID, Optional<MySQLCluster>> primaryCache,
      Function<MySQLCluster, List<Pod>> podsOf) {}
}
