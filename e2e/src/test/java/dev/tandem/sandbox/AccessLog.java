package dev.tandem.sandbox;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the API server allowed and denied each user who is not a superuser, reduced to what RBAC
 * decides on: verb, API group, resource (with subresource) and namespace, and the rule that allowed
 * it. Each distinct access is kept once, however often it was made.
 */
final class AccessLog {

  /** @param namespace empty for a cluster-scoped resource or a request across all namespaces */
  record Access(String user, String verb, String group, String resource, String namespace, boolean allowed,
      Optional<RbacAuthorizer.Grant> grant) {

    @Override
    public String toString() {
      return (allowed ? "allowed " : "DENIED ") + verb + " " + (group.isEmpty() ? "" : group + "/") + resource
          + (namespace.isEmpty() ? " at the cluster scope" : " in " + namespace) + grant.map(g -> " by " + g.role()).orElse("");
    }
  }

  private final Set<Access> accesses = ConcurrentHashMap.newKeySet();

  void record(RbacAuthorizer.User user, ApiRequest request, RbacAuthorizer.Decision decision) {
    if (!user.superuser()) {
      accesses.add(new Access(user.name(), request.verb(), request.group(),
          request.resourceRequest() ? request.resourceAndSubresource() : request.path(), request.namespace(), decision.allowed(),
          decision.grant()));
    }
  }

  List<Access> of(String user) {
    return accesses.stream().filter(access -> access.user().equals(user))
        .sorted(Comparator.comparing(Access::toString)).toList();
  }

  List<Access> deniedTo(String user) {
    return of(user).stream().filter(access -> !access.allowed()).toList();
  }
}
