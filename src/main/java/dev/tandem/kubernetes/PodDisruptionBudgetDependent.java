package dev.tandem.kubernetes;

import dev.tandem.api.MySQLCluster;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;

/** Voluntary disruptions (drains) take at most one instance at a time. */
public class PodDisruptionBudgetDependent extends DesiredObjectDependent<PodDisruptionBudget> {

  public PodDisruptionBudgetDependent() {
    super(PodDisruptionBudget.class);
  }

  @Override
  protected PodDisruptionBudget build(MySQLCluster cluster) {
    return desiredFor(cluster);
  }

  public static PodDisruptionBudget desiredFor(MySQLCluster cluster) {
    return new PodDisruptionBudgetBuilder()
        .withNewMetadata()
        .withName(ClusterNames.podDisruptionBudget(cluster))
        .withNamespace(cluster.getMetadata().getNamespace())
        .withLabels(ClusterLabels.common(cluster))
        .endMetadata()
        .withNewSpec()
        .withMaxUnavailable(new IntOrString(1))
        .withNewSelector()
        .withMatchLabels(ClusterLabels.podSelector(cluster))
        .endSelector()
        .endSpec()
        .build();
  }
}
