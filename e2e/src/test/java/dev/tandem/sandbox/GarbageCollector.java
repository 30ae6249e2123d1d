package dev.tandem.sandbox;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.List;
import java.util.Map;
import java.time.Duration;

/**
 * Kubernetes' garbage collector, which the mock server lacks: an object whose owner references
 * all point at objects that no longer exist (or exist with another uid) is deleted, in the
 * background, a moment after its owner, and so on down the chain.
 */
final class GarbageCollector implements AutoCloseable {

  /** The kinds the sandbox stores and that can be owned or owners, by apiVersion and kind. */
  private static final Map<String, ResourceDefinitionContext> KINDS = Map.of(
      "v1/Pod", context("", "v1", "pods", "Pod"),
      "v1/Service", context("", "v1", "services", "Service"),
      "v1/ConfigMap", context("", "v1", "configmaps", "ConfigMap"),
      "v1/Secret", context("", "v1", "secrets", "Secret"),
      "v1/PersistentVolumeClaim", context("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
      "apps/v1/StatefulSet", context("apps", "v1", "statefulsets", "StatefulSet"),
      "policy/v1/PodDisruptionBudget", context("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget"),
      "mysql.tandem.dev/v1alpha1/MySQLCluster", context("mysql.tandem.dev", "v1alpha1", "mysqlclusters", "MySQLCluster"));

  private final KubernetesClient client;
  private BackgroundLoop loop;

  GarbageCollector(KubernetesClient client) {
    this.client = client;
  }

  private static ResourceDefinitionContext context(String group, String version, String plural, String kind) {
    return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withPlural(plural).withKind(kind)
        .withNamespaced(true).build();
  }

  void start() {
    loop = BackgroundLoop.every("sandbox-garbage-collector", Duration.ofMillis(200), this::collect);
  }

  /** One pass: deletes every object whose owners are all gone. */
  private void collect() {
    for (var kind : KINDS.values()) {
      for (var object : client.genericKubernetesResources(kind).inAnyNamespace().list().getItems()) {
        List<OwnerReference> owners = object.getMetadata().getOwnerReferences();
        if (owners != null && !owners.isEmpty() && owners.stream().noneMatch(owner -> exists(object, owner))) {
          client.genericKubernetesResources(kind).inNamespace(object.getMetadata().getNamespace())
              .withName(object.getMetadata().getName()).delete();
        }
      }
    }
  }

  private boolean exists(GenericKubernetesResource dependent, OwnerReference owner) {
    var kind = KINDS.get(owner.getApiVersion() + "/" + owner.getKind());
    if (kind == null) {
      return true;
    }
    var found = client.genericKubernetesResources(kind).inNamespace(dependent.getMetadata().getNamespace())
        .withName(owner.getName()).get();
    return found != null && owner.getUid().equals(found.getMetadata().getUid());
  }

  @Override
  public void close() {
    if (loop != null) {
      loop.close();
    }
  }
}
