package dev.tandem.sandbox;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Kubernetes' RBAC authorizer over the Roles, ClusterRoles and bindings an API server stores: a
 * request is allowed when a rule of a role bound to the user matches its verb, API group,
 * resource (with its subresource, {@code pods/log}; {@code *} is any, a star before the slash any
 * resource's subresource) and name; a
 * ClusterRoleBinding grants everywhere, a RoleBinding only in its own namespace. Members of
 * {@code system:masters} are allowed everything before RBAC is asked, as in Kubernetes.
 */
final class RbacAuthorizer {

  static final String MASTERS = "system:masters";
  static final String ALL = "*";

  record User(String name, List<String> groups) {

    static final User ANONYMOUS = new User("system:anonymous", List.of("system:unauthenticated"));

    static User serviceAccount(String namespace, String name) {
      return new User("system:serviceaccount:" + namespace + ":" + name,
          List.of("system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"));
    }

    boolean superuser() {
      return groups.contains(MASTERS);
    }
  }

  /** What the API server stores that RBAC reads. */
  record Policy(List<ClusterRole> clusterRoles, List<ClusterRoleBinding> clusterRoleBindings, List<Role> roles,
      List<RoleBinding> roleBindings) {}

  /**
   * The entry of a rule that allowed a request, as the rule writes it, and the name of the Role or
   * ClusterRole the rule is in (a Role of one name is counted as one, whatever its namespace).
   */
  record Grant(String role, String group, String resource, String verb) {
    @Override
    public String toString() {
      return role + ": " + verb + " " + (group.isEmpty() ? "" : group + "/") + resource;
    }
  }

  /** @param reason empty, or what RBAC could not read (a binding's missing role), as Kubernetes appends it to a 403 */
  record Decision(boolean allowed, Optional<Grant> grant, String reason) {
    static final Decision SUPERUSER = new Decision(true, Optional.empty(), "");
  }

  private final Policy policy;

  RbacAuthorizer(Policy policy) {
    this.policy = policy;
  }

  Decision authorize(User user, ApiRequest request) {
    if (user.superuser()) {
      return Decision.SUPERUSER;
    }
    var errors = new ArrayList<String>();
    for (var bound : boundRoles(user, request.namespace(), errors)) {
      for (var rule : bound.rules()) {
        var grant = matches(bound.role(), rule, request);
        if (grant.isPresent()) {
          return new Decision(true, grant, "");
        }
      }
    }
    return new Decision(false, Optional.empty(), errors.isEmpty() ? "" : "RBAC: " + String.join(", ", errors));
  }

  /** Every rule that applies to {@code user} in {@code namespace}, as a SelfSubjectRulesReview reports them. */
  List<PolicyRule> rulesFor(User user, String namespace) {
    var rules = new ArrayList<PolicyRule>();
    boundRoles(user, namespace, new ArrayList<>()).forEach(bound -> rules.addAll(bound.rules()));
    return rules;
  }

  private record BoundRole(String role, List<PolicyRule> rules) {}

  /** Cluster-wide bindings first, then those of the request's namespace, as Kubernetes visits them. */
  private List<BoundRole> boundRoles(User user, String namespace, List<String> errors) {
    var bound = new ArrayList<BoundRole>();
    for (var binding : policy.clusterRoleBindings()) {
      if (appliesTo(binding.getSubjects(), user, "")) {
        clusterRole(binding.getRoleRef(), errors).ifPresent(bound::add);
      }
    }
    if (namespace.isEmpty()) {
      return bound;
    }
    for (var binding : policy.roleBindings()) {
      if (namespace.equals(binding.getMetadata().getNamespace()) && appliesTo(binding.getSubjects(), user, namespace)) {
        var ref = binding.getRoleRef();
        (ref.getKind().equals("ClusterRole") ? clusterRole(ref, errors) : role(namespace, ref, errors)).ifPresent(bound::add);
      }
    }
    return bound;
  }

  private Optional<BoundRole> clusterRole(RoleRef ref, List<String> errors) {
    var found = policy.clusterRoles().stream().filter(role -> role.getMetadata().getName().equals(ref.getName())).findFirst();
    if (found.isEmpty()) {
      errors.add("clusterrole.rbac.authorization.k8s.io \"" + ref.getName() + "\" not found");
    }
    return found.map(role -> new BoundRole(ref.getName(), role.getRules()));
  }

  private Optional<BoundRole> role(String namespace, RoleRef ref, List<String> errors) {
    var found = policy.roles().stream()
        .filter(role -> role.getMetadata().getName().equals(ref.getName()) && namespace.equals(role.getMetadata().getNamespace()))
        .findFirst();
    if (found.isEmpty()) {
      errors.add("role.rbac.authorization.k8s.io \"" + ref.getName() + "\" not found");
    }
    return found.map(role -> new BoundRole(ref.getName(), role.getRules()));
  }

  /** A ServiceAccount subject without a namespace means the binding's own (RoleBindings only). */
  private static boolean appliesTo(List<Subject> subjects, User user, String bindingNamespace) {
    return subjects.stream().anyMatch(subject -> switch (subject.getKind()) {
      case "User" -> subject.getName().equals(user.name());
      case "Group" -> user.groups().contains(subject.getName());
      case "ServiceAccount" -> {
        String namespace = subject.getNamespace() == null || subject.getNamespace().isEmpty() ? bindingNamespace : subject.getNamespace();
        yield !namespace.isEmpty() && user.name().equals("system:serviceaccount:" + namespace + ":" + subject.getName());
      }
      default -> false;
    });
  }

  /** The rule's entries that match the request: its group, resource (or URL) and verb as written in the rule. */
  private static Optional<Grant> matches(String role, PolicyRule rule, ApiRequest request) {
    var verb = entry(rule.getVerbs(), request.verb());
    if (verb.isEmpty()) {
      return Optional.empty();
    }
    if (!request.resourceRequest()) {
      return rule.getNonResourceURLs().stream().filter(url -> urlMatches(url, request.path())).findFirst()
          .map(url -> new Grant(role, "", url, verb.get()));
    }
    var group = entry(rule.getApiGroups(), request.group());
    var resource = resourceEntry(rule.getResources(), request);
    boolean named = rule.getResourceNames().isEmpty() || rule.getResourceNames().contains(request.name());
    if (group.isEmpty() || resource.isEmpty() || !named) {
      return Optional.empty();
    }
    return Optional.of(new Grant(role, group.get(), resource.get(), verb.get()));
  }

  private static Optional<String> entry(List<String> entries, String wanted) {
    return entries.contains(wanted) ? Optional.of(wanted) : entries.contains(ALL) ? Optional.of(ALL) : Optional.empty();
  }

  private static Optional<String> resourceEntry(List<String> entries, ApiRequest request) {
    String combined = request.resourceAndSubresource();
    if (entries.contains(combined)) {
      return Optional.of(combined);
    }
    if (!request.subresource().isEmpty() && entries.contains("*/" + request.subresource())) {
      return Optional.of("*/" + request.subresource());
    }
    return entries.contains(ALL) ? Optional.of(ALL) : Optional.empty();
  }

  private static boolean urlMatches(String rule, String path) {
    return rule.equals(ALL) || rule.equals(path) || (rule.endsWith("*") && path.startsWith(rule.substring(0, rule.length() - 1)));
  }
}
