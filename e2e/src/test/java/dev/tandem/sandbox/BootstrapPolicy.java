package dev.tandem.sandbox;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * The roles every Kubernetes cluster starts with, among those RBAC reads, from the API server's
 * bootstrap policy: {@code system:masters} may do anything, any authenticated user may read
 * discovery and ask which rules apply to it, and anyone may read the version and health.
 */
final class BootstrapPolicy {

  private static final List<String> HEALTH_AND_VERSION = List.of("/healthz", "/livez", "/readyz", "/version", "/version/");

  private BootstrapPolicy() {}

  static List<HasMetadata> objects() {
    var discovery = new ArrayList<>(List.of("/api", "/api/*", "/apis", "/apis/*", "/openapi", "/openapi/*"));
    discovery.addAll(HEALTH_AND_VERSION);
    var objects = new ArrayList<HasMetadata>();
    objects.addAll(role("cluster-admin", List.of(RbacAuthorizer.MASTERS),
        new PolicyRuleBuilder().withApiGroups("*").withResources("*").withVerbs("*").build(),
        new PolicyRuleBuilder().withNonResourceURLs("*").withVerbs("*").build()));
    objects.addAll(role("system:basic-user", List.of("system:authenticated"),
        new PolicyRuleBuilder().withApiGroups("authorization.k8s.io").withResources("selfsubjectaccessreviews", "selfsubjectrulesreviews")
            .withVerbs("create").build(),
        new PolicyRuleBuilder().withApiGroups("authentication.k8s.io").withResources("selfsubjectreviews").withVerbs("create").build()));
    objects.addAll(role("system:discovery", List.of("system:authenticated"),
        new PolicyRuleBuilder().withNonResourceURLs(discovery).withVerbs("get").build()));
    objects.addAll(role("system:public-info-viewer", List.of("system:authenticated", "system:unauthenticated"),
        new PolicyRuleBuilder().withNonResourceURLs(HEALTH_AND_VERSION).withVerbs("get").build()));
    return objects;
  }

  private static List<HasMetadata> role(String name, List<String> groups, PolicyRule... rules) {
    var role = new ClusterRoleBuilder().withNewMetadata().withName(name).endMetadata().withRules(rules).build();
    var binding = new ClusterRoleBindingBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", name)
        .withSubjects(groups.stream().map(group -> new SubjectBuilder().withApiGroup("rbac.authorization.k8s.io").withKind("Group")
            .withName(group).build()).toList())
        .build();
    return List.of(role, binding);
  }
}
