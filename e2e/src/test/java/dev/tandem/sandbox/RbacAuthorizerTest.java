package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.sandbox.RbacAuthorizer.Grant;
import dev.tandem.sandbox.RbacAuthorizer.Policy;
import dev.tandem.sandbox.RbacAuthorizer.User;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Kubernetes' RBAC rules as the sandbox applies them, and the chart's roles under them. */
class RbacAuthorizerTest {

  static final User OPERATOR = User.serviceAccount("tandem-system", "tandem-operator");

  static PolicyRule rule(String group, String resource, String... verbs) {
    return new PolicyRuleBuilder().withApiGroups(group).withResources(resource).withVerbs(verbs).build();
  }

  static ClusterRole clusterRole(String name, PolicyRule... rules) {
    return new ClusterRoleBuilder().withNewMetadata().withName(name).endMetadata().withRules(rules).build();
  }

  static Role role(String namespace, String name, PolicyRule... rules) {
    return new RoleBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata().withRules(rules).build();
  }

  static ClusterRoleBinding clusterBinding(String role) {
    return new ClusterRoleBindingBuilder().withNewMetadata().withName(role).endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", role)
        .withSubjects(new SubjectBuilder().withKind("ServiceAccount").withName("tandem-operator").withNamespace("tandem-system").build()).build();
  }

  static RoleBinding binding(String namespace, String kind, String role) {
    return new RoleBindingBuilder().withNewMetadata().withName(role).withNamespace(namespace).endMetadata()
        .withNewRoleRef("rbac.authorization.k8s.io", kind, role)
        .withSubjects(new SubjectBuilder().withKind("ServiceAccount").withName("tandem-operator").withNamespace("tandem-system").build()).build();
  }

  static Policy policy(List<? extends HasMetadata> objects) {
    return new Policy(of(objects, ClusterRole.class), of(objects, ClusterRoleBinding.class), of(objects, Role.class), of(objects, RoleBinding.class));
  }

  static <T> List<T> of(List<? extends HasMetadata> objects, Class<T> kind) {
    return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
  }

  static boolean allowed(List<? extends HasMetadata> objects, String method, String path) {
    return new RbacAuthorizer(policy(objects)).authorize(OPERATOR, ApiRequest.of(method, path)).allowed();
  }

  @Test
  void aClusterRoleBindingGrantsInEveryNamespaceAndAtTheClusterScopeARoleBindingOnlyInItsOwn() {
    var cluster = List.of(clusterRole("reader", rule("", "pods", "list")), clusterBinding("reader"));
    var namespaced = List.of(clusterRole("reader", rule("", "pods", "list")), binding("shop", "ClusterRole", "reader"));

    assertThat(allowed(cluster, "GET", "/api/v1/namespaces/shop/pods")).isTrue();
    assertThat(allowed(cluster, "GET", "/api/v1/pods")).isTrue();
    assertThat(allowed(namespaced, "GET", "/api/v1/namespaces/shop/pods")).isTrue();
    assertThat(allowed(namespaced, "GET", "/api/v1/namespaces/billing/pods")).isFalse();
    assertThat(allowed(namespaced, "GET", "/api/v1/pods")).isFalse();
  }

  @Test
  void eachVerbIsItsOwnAndTheStarIsEvery() {
    var listOnly = List.of(role("shop", "r", rule("", "pods", "list")), binding("shop", "Role", "r"));
    var every = List.of(role("shop", "r", rule("", "pods", "*")), binding("shop", "Role", "r"));

    assertThat(allowed(listOnly, "GET", "/api/v1/namespaces/shop/pods")).isTrue();
    assertThat(allowed(listOnly, "GET", "/api/v1/namespaces/shop/pods?watch=true")).isFalse();
    assertThat(allowed(listOnly, "GET", "/api/v1/namespaces/shop/pods/shop-0")).isFalse();
    assertThat(allowed(every, "DELETE", "/api/v1/namespaces/shop/pods")).isTrue();
  }

  @Test
  void aSubresourceIsGrantedByNameOrByAStarNeverByItsResource() {
    var pods = List.of(role("shop", "r", rule("", "pods", "get")), binding("shop", "Role", "r"));
    var statuses = List.of(role("shop", "r", rule("mysql.tandem.dev", "*/status", "update")), binding("shop", "Role", "r"));
    var logs = List.of(role("shop", "r", rule("", "pods/log", "get")), binding("shop", "Role", "r"));

    assertThat(allowed(pods, "GET", "/api/v1/namespaces/shop/pods/shop-0/log")).isFalse();
    assertThat(allowed(logs, "GET", "/api/v1/namespaces/shop/pods/shop-0/log")).isTrue();
    assertThat(allowed(logs, "GET", "/api/v1/namespaces/shop/pods/shop-0")).isFalse();
    assertThat(allowed(statuses, "PUT", "/apis/mysql.tandem.dev/v1alpha1/namespaces/shop/mysqlbackups/b/status")).isTrue();
    assertThat(allowed(statuses, "PUT", "/apis/mysql.tandem.dev/v1alpha1/namespaces/shop/mysqlbackups/b")).isFalse();
    assertThat(allowed(statuses, "PUT", "/apis/apps/v1/namespaces/shop/statefulsets/s/status")).as("another group").isFalse();
  }

  @Test
  void resourceNamesLimitARuleToThoseObjectsAndSoNeverAllowAList() {
    var lease = new PolicyRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases").withResourceNames("lock")
        .withVerbs("get", "list").build();
    var objects = List.of(role("tandem-system", "r", lease), binding("tandem-system", "Role", "r"));

    assertThat(allowed(objects, "GET", "/apis/coordination.k8s.io/v1/namespaces/tandem-system/leases/lock")).isTrue();
    assertThat(allowed(objects, "GET", "/apis/coordination.k8s.io/v1/namespaces/tandem-system/leases/other")).isFalse();
    assertThat(allowed(objects, "GET", "/apis/coordination.k8s.io/v1/namespaces/tandem-system/leases")).isFalse();
    assertThat(allowed(objects, "GET", "/apis/coordination.k8s.io/v1/namespaces/tandem-system/leases?fieldSelector=metadata.name%3Dlock")).isTrue();
  }

  @Test
  void aBindingToAMissingRoleGrantsNothingAndSaysSo() {
    var decision = new RbacAuthorizer(policy(List.of(binding("shop", "Role", "gone"))))
        .authorize(OPERATOR, ApiRequest.of("GET", "/api/v1/namespaces/shop/pods"));

    assertThat(decision.allowed()).isFalse();
    assertThat(decision.reason()).isEqualTo("RBAC: role.rbac.authorization.k8s.io \"gone\" not found");
  }

  @Test
  void groupsAreSubjectsAndSystemMastersNeedsNoRule() {
    var objects = List.of(clusterRole("viewer", rule("", "pods", "get")), new ClusterRoleBindingBuilder().withNewMetadata().withName("viewer")
        .endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "viewer")
        .withSubjects(new SubjectBuilder().withKind("Group").withName("system:serviceaccounts:tandem-system").build()).build());
    var authorizer = new RbacAuthorizer(policy(objects));
    var getPod = ApiRequest.of("GET", "/api/v1/namespaces/shop/pods/shop-0");

    assertThat(authorizer.authorize(OPERATOR, getPod).allowed()).isTrue();
    assertThat(authorizer.authorize(User.serviceAccount("other", "x"), getPod).allowed()).isFalse();
    assertThat(authorizer.authorize(SandboxApiServer.ADMIN, ApiRequest.of("DELETE", "/api/v1/namespaces/shop")).allowed()).isTrue();
  }

  /**
   * Every permission the chart grants, in both watchNamespaces modes and with port-forward access,
   * allows its request, and the chart without that one permission refuses it: a chart that loses a
   * permission the operator uses (ScenariosIT proves it uses each) gets the operator refused.
   */
  @Test
  void theChartWithoutAnyOneOfItsPermissionsRefusesTheRequestThatPermissionAllowed() {
    for (var chart : List.of(OperatorChart.render(List.of(), "port-forward"), OperatorChart.render(List.of("shop"), "pod-ip"))) {
      var expanded = expandRules(chart.accessControl());
      var user = chart.user();
      for (var permission : permissions(expanded)) {
        var request = requestFor(permission);
        var full = new RbacAuthorizer(policy(expanded)).authorize(user, request);
        var without = new ArrayList<HasMetadata>(expanded);
        without.remove(permission.role());

        assertThat(full.grant()).as(request.toString()).contains(permission.grant());
        assertThat(new RbacAuthorizer(policy(without)).authorize(user, request).allowed()).as("without " + permission.grant()).isFalse();
      }
    }
  }

  /** One permission of the chart: a one-rule role holding it, and where it applies. */
  record Permission(HasMetadata role, Grant grant, String namespace) {}

  /** Each Role and ClusterRole of the chart as one-rule roles, one per group, resource and verb, with the bindings. */
  static List<HasMetadata> expandRules(List<HasMetadata> objects) {
    var expanded = new ArrayList<HasMetadata>();
    int split = 0;
    for (var object : objects) {
      if (object instanceof ClusterRole role) {
        for (var rule : single(role.getRules())) {
          expanded.add(new ClusterRoleBuilder(role).editMetadata().withName(role.getMetadata().getName() + "-" + split).endMetadata()
              .withRules(rule).build());
          expanded.add(new ClusterRoleBindingBuilder(of(objects, ClusterRoleBinding.class).stream()
              .filter(b -> b.getRoleRef().getName().equals(role.getMetadata().getName())).findFirst().orElseThrow())
              .editMetadata().withName("b-" + split).endMetadata().editRoleRef().withName(role.getMetadata().getName() + "-" + split).endRoleRef()
              .build());
          split++;
        }
      } else if (object instanceof Role role) {
        for (var rule : single(role.getRules())) {
          expanded.add(new RoleBuilder(role).editMetadata().withName(role.getMetadata().getName() + "-" + split).endMetadata().withRules(rule).build());
          expanded.add(new RoleBindingBuilder(of(objects, RoleBinding.class).stream()
              .filter(b -> b.getRoleRef().getName().equals(role.getMetadata().getName())
                  && b.getMetadata().getNamespace().equals(role.getMetadata().getNamespace())).findFirst().orElseThrow())
              .editMetadata().withName("b-" + split).endMetadata().editRoleRef().withName(role.getMetadata().getName() + "-" + split).endRoleRef()
              .build());
          split++;
        }
      }
    }
    return expanded;
  }

  static List<PolicyRule> single(List<PolicyRule> rules) {
    var single = new ArrayList<PolicyRule>();
    for (var rule : rules) {
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          rule.getVerbs().forEach(verb -> single.add(rule(group, resource, verb)));
        }
      }
    }
    return single;
  }

  static List<Permission> permissions(List<HasMetadata> expanded) {
    var permissions = new ArrayList<Permission>();
    for (var object : expanded) {
      List<PolicyRule> rules = object instanceof ClusterRole c ? c.getRules() : object instanceof Role r ? r.getRules() : List.of();
      for (var rule : rules) {
        String namespace = object.getMetadata().getNamespace() == null ? "shop" : object.getMetadata().getNamespace();
        permissions.add(new Permission(object, new Grant(object.getMetadata().getName(), rule.getApiGroups().get(0),
            rule.getResources().get(0), rule.getVerbs().get(0)), namespace));
      }
    }
    return permissions;
  }

  /** The request a permission is for, on an object named {@code x} where the verb takes a name. */
  static ApiRequest requestFor(Permission permission) {
    var grant = permission.grant();
    String[] resource = grant.resource().split("/");
    boolean named = !List.of("list", "watch", "create", "deletecollection").contains(grant.verb()) || resource.length > 1;
    return new ApiRequest(true, grant.verb(), grant.group(), "v1", resource[0], resource.length > 1 ? resource[1] : "",
        permission.namespace(), named ? "x" : "", "");
  }
}
