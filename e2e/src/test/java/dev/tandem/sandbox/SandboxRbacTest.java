package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.api.MySQLCluster;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sandbox's API server enforces the chart's RBAC on the operator's ServiceAccount as a cluster
 * would: a permission taken out of the rendered chart gets the request it allowed a 403 with
 * Kubernetes' Status body, and putting it back lets the request through.
 */
class SandboxRbacTest {

  static final String NS = "shop";
  static final String OPERATOR = "system:serviceaccount:tandem-system:tandem-operator";

  SandboxApiServer api;
  final List<KubernetesClient> clients = new ArrayList<>();

  @BeforeEach
  void start() {
    api = SandboxApiServer.start(InetAddress.getLoopbackAddress(), 0);
    api.createNamespace("tandem-system");
    api.createNamespace(NS);
  }

  @AfterEach
  void stop() {
    clients.forEach(KubernetesClient::close);
    api.close();
  }

  /** Installs what the chart renders, with {@code changed} in place of its ClusterRole; returns the operator's token. */
  String install(OperatorChart chart, java.util.function.UnaryOperator<ClusterRole> changed) {
    var objects = new ArrayList<HasMetadata>();
    for (var object : chart.accessControl()) {
      objects.add(object instanceof ClusterRole role ? changed.apply(role) : object);
    }
    api.install(objects);
    return api.serviceAccountToken(chart.namespace(), chart.serviceAccount().getMetadata().getName());
  }

  /** The role without {@code verb} on {@code resource}; a rule left with no verb goes. */
  static ClusterRole without(ClusterRole role, String resource, String verb) {
    var rules = role.getRules().stream().map(rule -> !rule.getResources().contains(resource) ? rule
        : new PolicyRuleBuilder(rule).withVerbs(rule.getVerbs().stream().filter(v -> !v.equals(verb)).toList()).build())
        .filter(rule -> !rule.getVerbs().isEmpty()).toList();
    assertThat(rules).as("the chart grants " + verb + " " + resource).isNotEqualTo(role.getRules());
    return new ClusterRoleBuilder(role).withRules(rules).build();
  }

  KubernetesClient clientWith(String token) {
    var client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(api.client().getConfiguration()).withOauthToken(token).build()).build();
    clients.add(client);
    return client;
  }

  /** A GET as a user with {@code token} (none when empty), over the sandbox's TLS, the raw response. */
  HttpResponse<String> get(String path, String token) throws Exception {
    var client = clientWith(token.isEmpty() ? null : token);
    var http = client.getHttpClient();
    var request = http.newHttpRequestBuilder().uri(URI.create(api.url().replaceAll("/$", "") + path)).build();
    return http.sendAsync(request, String.class).get(30, TimeUnit.SECONDS);
  }

  @Test
  void theChartWithoutGetOnPodsLogGetsTheOperatorsLogRead403WithKubernetesBodyAndWithItTheReadGoesThrough() throws Exception {
    var chart = OperatorChart.render(List.of(), "pod-ip");
    api.client().resource(new PodBuilder().withNewMetadata().withName("shop-0").withNamespace(NS).endMetadata()
        .withNewSpec().addNewContainer().withName("mysqld").withImage("mariadb:11.4").endContainer().endSpec().build()).create();
    String token = install(chart, role -> without(role, "pods/log", "get"));

    var refused = get("/api/v1/namespaces/shop/pods/shop-0/log?container=mysqld", token);

    assertThat(refused.code()).isEqualTo(403);
    assertThat(refused.body()).isEqualTo("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
        + "\"message\":\"pods \\\"shop-0\\\" is forbidden: User \\\"" + OPERATOR + "\\\" cannot get resource \\\"pods/log\\\" in API group"
        + " \\\"\\\" in the namespace \\\"shop\\\"\",\"reason\":\"Forbidden\",\"details\":{\"name\":\"shop-0\",\"kind\":\"pods\"},\"code\":403}");
    var operator = clientWith(token);
    assertThatThrownBy(() -> operator.pods().inNamespace(NS).withName("shop-0").inContainer("mysqld").getLog())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));

    install(chart, role -> role);

    // Past authorization, the kubelet answers: nothing has run in this Pod.
    var read = get("/api/v1/namespaces/shop/pods/shop-0/log?container=mysqld", token);
    assertThat(read.code()).isEqualTo(400);
    assertThat(read.body()).contains("container \\\"mysqld\\\" in pod \\\"shop-0\\\" has not started");
  }

  @Test
  void aStatusWriteTheChartNoLongerGrantsIsRefusedNamingTheResourceWithItsGroup() {
    var operator = clientWith(install(OperatorChart.render(List.of(), "pod-ip"), role -> without(role, "mysqlclusters/status", "update")));

    var cluster = new MySQLCluster();
    cluster.setMetadata(new ObjectMetaBuilder().withName("catalog").withNamespace(NS).withResourceVersion("1").build());

    assertThatThrownBy(() -> operator.resource(cluster).updateStatus())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(403);
          assertThat(e.getStatus().getMessage()).isEqualTo("mysqlclusters.mysql.tandem.dev \"catalog\" is forbidden: User \"" + OPERATOR
              + "\" cannot update resource \"mysqlclusters/status\" in API group \"mysql.tandem.dev\" in the namespace \"shop\"");
          assertThat(e.getStatus().getDetails().getGroup()).isEqualTo("mysql.tandem.dev");
          assertThat(e.getStatus().getDetails().getKind()).isEqualTo("mysqlclusters");
        });
  }

  @Test
  void watchingListedNamespacesTheOperatorIsRefusedEveryOtherNamespaceAndTheClusterScope() throws Exception {
    api.createNamespace("billing");
    String token = install(OperatorChart.render(List.of(NS), "pod-ip"), role -> role);

    assertThat(get("/api/v1/namespaces/shop/pods", token).code()).isEqualTo(200);
    var otherNamespace = get("/api/v1/namespaces/billing/pods?watch=true", token);
    assertThat(otherNamespace.code()).isEqualTo(403);
    assertThat(otherNamespace.body()).contains("pods is forbidden: User \\\"" + OPERATOR
        + "\\\" cannot watch resource \\\"pods\\\" in API group \\\"\\\" in the namespace \\\"billing\\\"");
    var everywhere = get("/api/v1/pods", token);
    assertThat(everywhere.code()).isEqualTo(403);
    assertThat(everywhere.body()).contains("cannot list resource \\\"pods\\\" in API group \\\"\\\" at the cluster scope");
  }

  @Test
  void aTokenNobodyIssuedIsUnauthorizedAndNoTokenIsAnonymous() throws Exception {
    var unknown = get("/api/v1/namespaces/shop/pods", "forged");
    assertThat(unknown.code()).isEqualTo(401);
    assertThat(unknown.body()).isEqualTo("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
        + "\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}");

    var anonymous = get("/api/v1/namespaces/shop/pods", "");
    assertThat(anonymous.code()).isEqualTo(403);
    assertThat(anonymous.body()).contains("User \\\"system:anonymous\\\" cannot list resource \\\"pods\\\"");
    assertThat(get("/api", "").code()).as("discovery is for authenticated users").isEqualTo(403);
    assertThat(get("/api", install(OperatorChart.render(List.of(), "pod-ip"), role -> role)).code()).isEqualTo(200);
  }

  @Test
  void aRulesReviewAnswersWithTheRulesBoundInItsNamespaceAsLeaderElectionAsksIt() {
    var operator = clientWith(install(OperatorChart.render(List.of(NS), "pod-ip"), role -> role));

    var inItsNamespace = operator.resource(new SelfSubjectRulesReviewBuilder().withNewSpec().withNamespace("tandem-system").endSpec().build()).create();
    var inShop = operator.resource(new SelfSubjectRulesReviewBuilder().withNewSpec().withNamespace(NS).endSpec().build()).create();

    assertThat(inItsNamespace.getStatus().getResourceRules()).anySatisfy(rule -> {
      assertThat(rule.getApiGroups()).containsExactly("coordination.k8s.io");
      assertThat(rule.getResources()).containsExactly("leases");
      assertThat(rule.getVerbs()).contains("get", "create", "update");
    });
    assertThat(inItsNamespace.getStatus().getResourceRules()).noneMatch(rule -> rule.getResources().contains("statefulsets"));
    assertThat(inShop.getStatus().getResourceRules()).anyMatch(rule -> rule.getResources().contains("statefulsets"))
        .noneMatch(rule -> rule.getResources().contains("leases"));
  }

  @Test
  void settingBlockOwnerDeletionTakesUpdateOnTheOwnersFinalizers() {
    var chart = OperatorChart.render(List.of(), "pod-ip");
    api.install(chart.accessControl().stream().filter(o -> o.getKind().equals("ServiceAccount")).toList());
    var creator = new RoleBuilder().withNewMetadata().withName("creator").withNamespace(NS).endMetadata()
        .addToRules(new PolicyRuleBuilder().withApiGroups("").withResources("configmaps").withVerbs("create").build()).build();
    api.install(List.of(creator, new RoleBindingBuilder().withNewMetadata().withName("creator").withNamespace(NS).endMetadata()
        .withNewRoleRef("rbac.authorization.k8s.io", "Role", "creator")
        .addNewSubject().withKind("ServiceAccount").withName("tandem-operator").withNamespace("tandem-system").endSubject().build()));
    var operator = clientWith(api.serviceAccountToken("tandem-system", "tandem-operator"));

    assertThat(operator.resource(owned("plain", false)).create()).isNotNull();
    assertThatThrownBy(() -> operator.resource(owned("blocking", true)).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getStatus().getMessage()).isEqualTo(
            "configmaps \"blocking\" is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set"
                + " finalizers on: , <nil>"));

    creator.getRules().add(new PolicyRuleBuilder().withApiGroups("mysql.tandem.dev").withResources("mysqlclusters/finalizers")
        .withVerbs("update").build());
    api.install(List.of(creator));

    assertThat(operator.resource(owned("blocking", true)).create()).isNotNull();
  }

  static ConfigMap owned(String name, boolean blockOwnerDeletion) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(NS)
        .addNewOwnerReference().withApiVersion("mysql.tandem.dev/v1alpha1").withKind("MySQLCluster").withName("catalog")
        .withUid("6a1c0f2e-0000-4000-8000-000000000001").withController(true).withBlockOwnerDeletion(blockOwnerDeletion).endOwnerReference()
        .endMetadata().build();
  }
}
