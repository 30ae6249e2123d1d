package dev.tandem.sandbox;

import dev.tandem.packaging.ChartRendering;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The operator as the Helm chart installs it, rendered by the chart itself: the ServiceAccount it
 * runs as, the Roles, ClusterRoles and bindings that say what it may do, and the environment of
 * its container. The sandbox installs the first two and starts the operator with the third, so
 * the operator runs with exactly the chart's permissions and settings.
 *
 * @param watchNamespaces the chart's {@code watchNamespaces}: empty for every namespace
 * @param instanceAccess the chart's {@code instanceAccess}: {@code pod-ip} or {@code port-forward}
 */
record OperatorChart(List<String> watchNamespaces, String instanceAccess, List<HasMetadata> objects) {

  static final String SCHEMA_CHECK_INTERVAL = "1s";

  static OperatorChart render(List<String> watchNamespaces, String instanceAccess) {
    String image = OperatorProcess.IMAGE;
    String values = "watchNamespaces: [" + String.join(", ", watchNamespaces) + "]\n"
        + "instanceAccess: " + instanceAccess + "\n"
        // Checks that a drift is reverted, or a rotated password applied, would otherwise wait 30 s.
        + "schemaCheckInterval: " + SCHEMA_CHECK_INTERVAL + "\n"
        + "image: {repository: " + image.substring(0, image.lastIndexOf(':')) + ", tag: " + image.substring(image.lastIndexOf(':') + 1) + "}\n";
    return new OperatorChart(List.copyOf(watchNamespaces), instanceAccess, ChartRendering.objects(ChartRendering.renderWithValues(values)));
  }

  /** The release's namespace: where the operator, its ServiceAccount and its Lease live. */
  String namespace() {
    return ChartRendering.NAMESPACE;
  }

  ServiceAccount serviceAccount() {
    return objects.stream().filter(ServiceAccount.class::isInstance).map(ServiceAccount.class::cast).findFirst()
        .orElseThrow(() -> new IllegalStateException("the chart renders no ServiceAccount"));
  }

  RbacAuthorizer.User user() {
    return RbacAuthorizer.User.serviceAccount(namespace(), serviceAccount().getMetadata().getName());
  }

  /** The ServiceAccount and every RBAC object, in the order helm installs them. */
  List<HasMetadata> accessControl() {
    var objects = new ArrayList<HasMetadata>(List.of(serviceAccount()));
    for (var kind : List.of(ClusterRole.class, ClusterRoleBinding.class, Role.class, RoleBinding.class)) {
      this.objects.stream().filter(kind::isInstance).forEach(objects::add);
    }
    return objects;
  }

  /**
   * Each permission the chart's roles grant, one per group, resource and verb of each rule, by
   * role name: a Role of one name grants the same in each namespace it is rendered in.
   */
  Set<RbacAuthorizer.Grant> grants() {
    var grants = new LinkedHashSet<RbacAuthorizer.Grant>();
    for (var object : objects) {
      List<PolicyRule> rules = object instanceof ClusterRole role ? role.getRules() : object instanceof Role role ? role.getRules() : List.of();
      for (var rule : rules) {
        for (String group : rule.getApiGroups()) {
          for (String resource : rule.getResources()) {
            rule.getVerbs().forEach(verb -> grants.add(new RbacAuthorizer.Grant(object.getMetadata().getName(), group, resource, verb)));
          }
        }
      }
    }
    return grants;
  }

  /** The operator container's environment; a field reference to the Pod's namespace is the release's. */
  Map<String, String> environment() {
    var deployment = objects.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst()
        .orElseThrow(() -> new IllegalStateException("the chart renders no Deployment"));
    var environment = new LinkedHashMap<String, String>();
    for (var variable : deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
      if (variable.getValueFrom() == null) {
        environment.put(variable.getName(), variable.getValue());
      } else if ("metadata.namespace".equals(variable.getValueFrom().getFieldRef().getFieldPath())) {
        environment.put(variable.getName(), namespace());
      } else {
        throw new IllegalStateException("the sandbox cannot give the operator " + variable.getName() + " from " + variable.getValueFrom());
      }
    }
    return environment;
  }
}
