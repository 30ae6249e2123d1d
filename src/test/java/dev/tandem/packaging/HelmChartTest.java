package dev.tandem.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The chart's shape: what it renders for each setting. Whether its permissions are what the
 * operator uses, no more and no less, is not decided here from a list: the sandbox's API server
 * enforces the rendered roles on the running operator, and ScenariosIT fails on a request it
 * refuses or on a permission no scenario uses (PermissionUse).
 */
class HelmChartTest {

  /** Every controller of the operator, as its namespaces setting names it. */
  static final List<String> CONTROLLERS = List.of("MYSQLCLUSTER", "MYSQLBACKUP", "MYSQLBACKUPSCHEDULE", "MYSQLDATABASE", "MYSQLUSER",
      "MYSQLGRANT");

  static List<PolicyRule> rulesOf(List<HasMetadata> objects, String namespace) {
    return objects.stream().filter(Role.class::isInstance).map(Role.class::cast)
        .filter(role -> role.getMetadata().getNamespace().equals(namespace) && !role.getMetadata().getName().endsWith("-leader-election"))
        .findFirst().orElseThrow().getRules();
  }

  static List<PolicyRule> clusterRules(List<HasMetadata> objects) {
    return objects.stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast).findFirst().orElseThrow().getRules();
  }

  @Test
  void theChartLintsCleanly() {
    var lint = new Helm(ChartRendering.CHART).lint().strict().call();

    assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
  }

  @Test
  void byDefaultAClusterRoleGrantsTheOperatorsRulesAndLeasesStayInItsNamespace() {
    var objects = ChartRendering.objects(ChartRendering.renderDefaults());

    assertThat(objects).filteredOn(ClusterRoleBinding.class::isInstance).singleElement()
        .satisfies(binding -> assertThat(((ClusterRoleBinding) binding).getSubjects()).singleElement().satisfies(subject -> {
          assertThat(subject.getKind()).isEqualTo("ServiceAccount");
          assertThat(subject.getNamespace()).isEqualTo(ChartRendering.NAMESPACE);
        }));
    assertThat(clusterRules(objects)).isNotEmpty();
    var leaseRole = objects.stream().filter(Role.class::isInstance).map(Role.class::cast).findFirst().orElseThrow();
    assertThat(leaseRole.getMetadata().getNamespace()).isEqualTo(ChartRendering.NAMESPACE);
    assertThat(leaseRole.getRules()).singleElement().satisfies(rule -> {
      assertThat(rule.getApiGroups()).containsExactly("coordination.k8s.io");
      assertThat(rule.getResources()).containsExactly("leases");
    });
  }

  @Test
  void portForwardAccessAddsGetAndCreateOnPodsPortforwardAndNothingElse() {
    var podIp = clusterRules(ChartRendering.objects(ChartRendering.renderDefaults()));
    var portForward = clusterRules(ChartRendering.objects(ChartRendering.renderWithValues("instanceAccess: port-forward\n")));

    assertThat(podIp).noneMatch(rule -> rule.getResources().contains("pods/portforward"));
    assertThat(portForward).containsAll(podIp);
    assertThat(portForward).hasSize(podIp.size() + 1).last().satisfies(rule -> {
      assertThat(rule.getApiGroups()).containsExactly("");
      assertThat(rule.getResources()).containsExactly("pods/portforward");
      assertThat(rule.getVerbs()).containsExactly("get", "create");
    });
  }

  @Test
  void anInstanceAccessTheOperatorDoesNotKnowIsRefused() {
    assertThatThrownBy(() -> ChartRendering.renderWithValues("instanceAccess: auto\n"))
        .hasMessageContaining("instanceAccess is \"auto\"; expected pod-ip or port-forward");
  }

  @Test
  void theOperatorWatchesEveryNamespaceByDefaultAndRunsLocked() {
    var deployment = ChartRendering.objects(ChartRendering.renderDefaults()).stream()
        .filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst().orElseThrow();

    var container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
    assertThat(container.getImage()).isEqualTo("tandem/tandem-operator:0.1.0");
    for (String controller : CONTROLLERS) {
      assertThat(container.getEnv()).anySatisfy(e -> {
        assertThat(e.getName()).isEqualTo("QUARKUS_OPERATOR_SDK_CONTROLLERS_" + controller + "_NAMESPACES");
        assertThat(e.getValue()).isEqualTo("JOSDK_ALL_NAMESPACES");
      });
    }
    assertThat(container.getEnv()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("TANDEM_LEADER_ELECTION_LEASE_NAMESPACE"));
    assertThat(container.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("TANDEM_INSTANCE_ACCESS");
      assertThat(e.getValue()).isEqualTo("pod-ip");
    });
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
  }

  @Test
  void watchedNamespacesGetARoleEachWithTheClusterRolesRulesAndNoClusterRole() {
    var objects = ChartRendering.objects(ChartRendering.renderWithValues("watchNamespaces: [shop, billing]\nimage: {tag: 1.2.3}\nreplicaCount: 2\n"));

    assertThat(objects).noneMatch(ClusterRole.class::isInstance);
    var roles = objects.stream().filter(Role.class::isInstance).map(Role.class::cast).toList();
    assertThat(roles).extracting(r -> r.getMetadata().getNamespace()).contains("shop", "billing", ChartRendering.NAMESPACE);
    var everyNamespace = clusterRules(ChartRendering.objects(ChartRendering.renderDefaults()));
    assertThat(rulesOf(objects, "shop")).isEqualTo(everyNamespace);
    assertThat(rulesOf(objects, "billing")).isEqualTo(everyNamespace);
    assertThat(objects).filteredOn(RoleBinding.class::isInstance).extracting(b -> b.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("shop", "billing", ChartRendering.NAMESPACE);
    var deployment = objects.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst().orElseThrow();
    var container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    for (String controller : CONTROLLERS) {
      assertThat(container.getEnv()).anySatisfy(e -> {
        assertThat(e.getName()).isEqualTo("QUARKUS_OPERATOR_SDK_CONTROLLERS_" + controller + "_NAMESPACES");
        assertThat(e.getValue()).isEqualTo("shop,billing");
      });
    }
    assertThat(container.getImage()).endsWith(":1.2.3");
    assertThat(container.getEnv()).as("backup Jobs run the s3 command of the image the operator runs").anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("TANDEM_OPERATOR_IMAGE");
      assertThat(e.getValue()).isEqualTo(container.getImage());
    });
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
  }
}
