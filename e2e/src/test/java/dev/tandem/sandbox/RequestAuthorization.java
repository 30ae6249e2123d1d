package dev.tandem.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sandbox.RbacAuthorizer.Decision;
import dev.tandem.sandbox.RbacAuthorizer.User;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.authorization.v1.NonResourceRuleBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRuleBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingList;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleList;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingList;
import io.fabric8.kubernetes.api.model.rbac.RoleList;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Who sends each request to the sandbox's API server and whether they may, in front of everything
 * else it does: a bearer token names the user (an unknown one gets 401, none is
 * {@code system:anonymous}); {@link RbacAuthorizer} decides over the Roles and bindings the API
 * server stores, and a refusal is Kubernetes' 403 Status; {@link OwnerReferencesAdmission} checks
 * owner references; a SelfSubjectRulesReview is answered from the same rules. Every decision about
 * a user who is not a superuser goes into the {@link AccessLog}.
 */
final class RequestAuthorization extends Dispatcher {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RBAC = "/apis/rbac.authorization.k8s.io/v1/";
  private static final String RULES_REVIEW = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";
  private static final Set<String> READS = Set.of("get", "list", "watch");
  /** Connecting to these takes {@code create} too, whatever the method (Kubernetes 1.35, AuthorizePodWebsocketUpgradeCreatePermission). */
  private static final Set<String> CONNECT_SUBRESOURCES = Set.of("pods/exec", "pods/attach", "pods/portforward");

  private final Dispatcher next;
  private final KubernetesCrudDispatcher store;
  private final OwnerReferencesAdmission ownerReferences;
  private final Map<String, User> usersByToken = new ConcurrentHashMap<>();
  private final AccessLog log = new AccessLog();
  /** Counts writes to RBAC objects: a policy read before the latest one is read again. */
  private final AtomicLong rbacWrites = new AtomicLong();
  private volatile ReadPolicy policy = new ReadPolicy(-1, null);

  private record ReadPolicy(long afterWrites, RbacAuthorizer authorizer) {}

  RequestAuthorization(Dispatcher next, KubernetesCrudDispatcher store) {
    this.next = next;
    this.store = store;
    this.ownerReferences = new OwnerReferencesAdmission(store);
  }

  /** A bearer token that authenticates as {@code user}. */
  String issueToken(User user) {
    String token = UUID.randomUUID().toString();
    usersByToken.put(token, user);
    return token;
  }

  AccessLog accessLog() {
    return log;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    String authorization = Optional.ofNullable(request.getHeader("Authorization")).orElse("");
    User user = authorization.isEmpty() ? User.ANONYMOUS
        : usersByToken.get(authorization.replaceFirst("^Bearer ", ""));
    if (user == null) {
      return status(401, "Unauthorized", "Unauthorized", Optional.empty());
    }
    var attributes = ApiRequest.of(request.getMethod(), request.getPath());
    var decision = authorize(user, attributes);
    if (decision.allowed() && CONNECT_SUBRESOURCES.contains(attributes.resourceAndSubresource()) && !attributes.verb().equals("create")) {
      attributes = attributes.withVerb("create");
      decision = authorize(user, attributes);
    }
    if (!decision.allowed()) {
      return forbidden(attributes, attributes.name(), forbiddenMessage(user, attributes, decision.reason()));
    }
    if (attributes.path().equals(RULES_REVIEW) && attributes.verb().equals("create")) {
      return rulesReview(user, body(request));
    }
    if (!user.superuser()) {
      User requester = user;
      String contentType = Optional.ofNullable(request.getHeader("Content-Type")).orElse("");
      var refused = ownerReferences.refusal(attributes, body(request), contentType, check -> authorize(requester, check));
      if (refused.isPresent()) {
        String name = attributes.name().isEmpty() ? objectName(body(request)) : attributes.name();
        return forbidden(attributes, name, refused.get());
      }
    }
    var response = next.dispatch(request);
    if (attributes.path().startsWith(RBAC) && !READS.contains(attributes.verb())) {
      rbacWrites.incrementAndGet();
    }
    return response;
  }

  @Override
  public void shutdown() {
    next.shutdown();
  }

  private Decision authorize(User user, ApiRequest request) {
    if (user.superuser()) {
      return Decision.SUPERUSER;
    }
    var decision = authorizer().authorize(user, request);
    log.record(user, request, decision);
    return decision;
  }

  private RbacAuthorizer authorizer() {
    var read = policy;
    long writes = rbacWrites.get();
    if (read.afterWrites() != writes) {
      read = new ReadPolicy(writes, new RbacAuthorizer(new RbacAuthorizer.Policy(stored("clusterroles", ClusterRoleList.class).getItems(),
          stored("clusterrolebindings", ClusterRoleBindingList.class).getItems(), stored("roles", RoleList.class).getItems(),
          stored("rolebindings", RoleBindingList.class).getItems())));
      policy = read;
    }
    return read.authorizer();
  }

  private <L extends KubernetesResourceList<?>> L stored(String plural, Class<L> type) {
    return Serialization.unmarshal(store.handleGet(RBAC + plural).getBody().readUtf8(), type);
  }

  /** The rules that apply to the requester in the review's namespace, as Kubernetes answers it. */
  private MockResponse rulesReview(User user, String body) {
    var review = Serialization.unmarshal(body, SelfSubjectRulesReview.class);
    String namespace = Optional.ofNullable(review.getSpec().getNamespace()).orElse("");
    var status = review.getStatus() == null ? new io.fabric8.kubernetes.api.model.authorization.v1.SubjectRulesReviewStatus()
        : review.getStatus();
    status.setIncomplete(false);
    for (var rule : authorizer().rulesFor(user, namespace)) {
      if (rule.getNonResourceURLs().isEmpty()) {
        status.getResourceRules().add(new ResourceRuleBuilder().withApiGroups(rule.getApiGroups()).withResources(rule.getResources())
            .withResourceNames(rule.getResourceNames()).withVerbs(rule.getVerbs()).build());
      } else {
        status.getNonResourceRules().add(new NonResourceRuleBuilder().withNonResourceURLs(rule.getNonResourceURLs())
            .withVerbs(rule.getVerbs()).build());
      }
    }
    review.setStatus(status);
    return json(201, Serialization.asJson(review));
  }

  /** Kubernetes' wording: {@code pods "x" is forbidden: User "u" cannot get resource "pods/log" in API group "" in the namespace "n"}. */
  static String forbiddenMessage(User user, ApiRequest request, String reason) {
    String message;
    if (!request.resourceRequest()) {
      message = "User \"%s\" cannot %s path \"%s\"".formatted(user.name(), request.verb(), request.path());
    } else if (!request.namespace().isEmpty()) {
      message = "User \"%s\" cannot %s resource \"%s\" in API group \"%s\" in the namespace \"%s\"".formatted(user.name(),
          request.verb(), request.resourceAndSubresource(), request.group(), request.namespace());
    } else {
      message = "User \"%s\" cannot %s resource \"%s\" in API group \"%s\" at the cluster scope".formatted(user.name(),
          request.verb(), request.resourceAndSubresource(), request.group());
    }
    return reason.isEmpty() ? message : message + ": " + reason;
  }

  /** apierrors.NewForbidden: the qualified resource and name lead the message, and fill in the details. */
  private static MockResponse forbidden(ApiRequest request, String name, String why) {
    String resource = request.resource() + (request.group().isEmpty() ? "" : "." + request.group());
    String message = request.resource().isEmpty() ? "forbidden: " + why
        : name.isEmpty() ? resource + " is forbidden: " + why
        : resource + " \"" + name + "\" is forbidden: " + why;
    var details = JSON.createObjectNode();
    if (!name.isEmpty()) {
      details.put("name", name);
    }
    if (!request.group().isEmpty()) {
      details.put("group", request.group());
    }
    if (!request.resource().isEmpty()) {
      details.put("kind", request.resource());
    }
    return status(403, "Forbidden", message, Optional.of(details));
  }

  private static MockResponse status(int code, String reason, String message, Optional<ObjectNode> details) {
    var status = JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Failure").put("message", message).put("reason", reason);
    details.ifPresent(d -> status.set("details", d));
    status.put("code", code);
    return json(code, status.toString());
  }

  /** The body, left in the request for the next dispatcher (reading it through the request would consume it). */
  private static String body(RecordedRequest request) {
    return request.getBody() == null ? "" : new String(request.getBody().getBytes(), StandardCharsets.UTF_8);
  }

  private static String objectName(String body) {
    try {
      return JSON.readTree(body).at("/metadata/name").asText("");
    } catch (java.io.IOException e) {
      return "";
    }
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
  }
}
