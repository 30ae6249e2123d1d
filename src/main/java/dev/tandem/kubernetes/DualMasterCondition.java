package dev.tandem.kubernetes;

import dev.tandem.api.MySQLCluster;
import dev.tandem.api.Topology;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** The masters Service exists only in DualMaster clusters (topology never changes). */
public class DualMasterCondition implements Condition<Object, MySQLCluster> {
  @Override
  public boolean isMet(
      DependentResource<Object, MySQLCluster> dependentResource,
      MySQLCluster cluster,
      Context<MySQLCluster> context) {
    return cluster.getSpec().getTopology() == Topology.DualMaster;
  }
}
