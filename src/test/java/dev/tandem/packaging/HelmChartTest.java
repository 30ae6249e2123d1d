package dev.tandem.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import dev.tandem.api.MySQLBackup;
import dev.tandem.api.MySQLBackupSchedule;
import dev.tandem.api.MySQLCluster;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import dev.tandem.kubernetes.MySQLClusterReconciler;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HelmChartTest {

  record Permission(String group, String resource, String verb) {
    @Override
    public String toString() {
      return verb + " " + (group.isEmpty() ? "" : group + "/") + resource;
    }
  }

  /** Every controller of the operator, as its namespaces setting names it. */
  static final List<String> CONTROLLERS = List.of("MYSQLCLUSTER", "MYSQLBACKUP", "MYSQLBACKUPSCHEDULE");

  static boolean allows(List<PolicyRule> rules, Permission p) {
    return rules.stream()
        .anyMatch(r -> r.getApiGroups().contains(p.group()) && r.getResources().contains(p.resource()) && r.getVerbs().contains(p.verb()));
  }

  /** What the operator does: every owned kind of the workflow, plus its hand-written calls. */
  static List<Permission> permissionsTheOperatorUses() throws Exception {
    var needed = new ArrayList<Permission>();
    for (var dependent : MySQLClusterReconciler.class.getAnnotation(Workflow.class).dependents()) {
      var type = ((KubernetesDependentResource<?, ?>) dependent.type().getDeclaredConstructor().newInstance()).resourceType();
      for (String verb : List.of("get", "list", "watch", "create", "update")) {
        needed.add(new Permission(HasMetadata.getGroup(type), HasMetadata.getPlural(type), verb));
      }
    }
    for (String verb : List.of("get", "list", "watch")) {
      needed.add(new Permission("", HasMetadata.getPlural(Pod.class), verb));
      needed.add(new Permission(HasMetadata.getGroup(MySQLCluster.class), HasMetadata.getPlural(MySQLCluster.class), verb));
    }
    needed.add(new Permission(HasMetadata.getGroup(MySQLCluster.class), "mysqlclusters/status", "patch"));
    // The failover control loop moves role labels and deletes a master's Pod it cannot fence.
    needed.add(new Permission("", HasMetadata.getPlural(Pod.class), "patch"));
    needed.add(new Permission("", HasMetadata.getPlural(Pod.class), "delete"));
    needed.add(new Permission("", "secrets", "get"));
    needed.add(new Permission("", "secrets", "create"));
    needed.add(new Permission("", "events", "create"));
    // Backups: the MySQLBackup reconciler, its Jobs, their logs and the backup volume's claim.
    for (String verb : List.of("get", "list", "watch")) {
      needed.add(new Permission(HasMetadata.getGroup(MySQLBackup.class), HasMetadata.getPlural(MySQLBackup.class), verb));
      needed.add(new Permission("batch", HasMetadata.getPlural(Job.class), verb));
    }
    needed.add(new Permission(HasMetadata.getGroup(MySQLBackup.class), "mysqlbackups/status", "update"));
    for (String verb : List.of("get", "list", "watch")) {
      needed.add(new Permission(HasMetadata.getGroup(MySQLBackupSchedule.class), HasMetadata.getPlural(MySQLBackupSchedule.class), verb));
    }
    needed.add(new Permission(HasMetadata.getGroup(MySQLBackupSchedule.class), "mysqlbackupschedules/status", "update"));
    // A schedule creates backups and deletes expired ones; a backup's deletion runs a Job too.
    needed.add(new Permission(HasMetadata.getGroup(MySQLBackup.class), HasMetadata.getPlural(MySQLBackup.class), "create"));
    needed.add(new Permission(HasMetadata.getGroup(MySQLBackup.class), HasMetadata.getPlural(MySQLBackup.class), "delete"));
    needed.add(new Permission(HasMetadata.getGroup(MySQLBackup.class), "mysqlbackups/finalizers", "update"));
    needed.add(new Permission("batch", HasMetadata.getPlural(Job.class), "delete"));
    needed.add(new Permission("batch", HasMetadata.getPlural(Job.class), "create"));
    needed.add(new Permission("", "pods/log", "get"));
    needed.add(new Permission("", "persistentvolumeclaims", "get"));
    return needed;
  }

  @Test
  void theChartLintsCleanly() {
    var lint = new Helm(ChartRendering.CHART).lint().strict().call();

    assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
  }

  @Test
  void theClusterRoleCoversEverythingTheOperatorDoesAndLeasesStayInItsNamespace() throws Exception {
    var objects = ChartRendering.objects(ChartRendering.renderDefaults());

    var clusterRole = objects.stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast).findFirst().orElseThrow();
    assertThat(permissionsTheOperatorUses()).allSatisfy(p -> assertThat(allows(clusterRole.getRules(), p)).as(p.toString()).isTrue());
    assertThat(allows(clusterRole.getRules(), new Permission("", "secrets", "list")))
        .as("reading every Secret of the cluster is more than the operator needs").isFalse();
    var leaseRole = objects.stream().filter(Role.class::isInstance).map(Role.class::cast).findFirst().orElseThrow();
    assertThat(leaseRole.getMetadata().getNamespace()).isEqualTo(ChartRendering.NAMESPACE);
    for (String verb : List.of("get", "create", "update")) {
      assertThat(allows(leaseRole.getRules(), new Permission("coordination.k8s.io", "leases", verb))).as(verb + " leases").isTrue();
    }
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
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
  }

  @Test
  void watchedNamespacesGetARoleEachAndNoClusterRole() throws Exception {
    var objects = ChartRendering.objects(ChartRendering.renderWithValues("watchNamespaces: [shop, billing]\nimage: {tag: 1.2.3}\nreplicaCount: 2\n"));

    assertThat(objects).noneMatch(ClusterRole.class::isInstance);
    var roles = objects.stream().filter(Role.class::isInstance).map(Role.class::cast).toList();
    assertThat(roles).extracting(r -> r.getMetadata().getNamespace()).contains("shop", "billing", ChartRendering.NAMESPACE);
    var shopRole = roles.stream().filter(r -> r.getMetadata().getNamespace().equals("shop")).findFirst().orElseThrow();
    assertThat(permissionsTheOperatorUses()).allSatisfy(p -> assertThat(allows(shopRole.getRules(), p)).as(p.toString()).isTrue());
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
