package dev.tandem.kubernetes;

import dev.tandem.api.MySQLBackup;
import dev.tandem.api.MySQLCluster;
import dev.tandem.api.MySQLClusterStatus;
import dev.tandem.api.Phase;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Turns a MySQLCluster into its Kubernetes objects and reports what it sees. The order is fixed:
 * observe, validate, then act only on a valid spec; an invalid spec leaves every existing object
 * as it is. The workflow is invoked explicitly for that reason: JOSDK would otherwise run it
 * before this method could refuse the spec.
 */
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(name = MySQLClusterReconciler.CONFIG, type = ConfigMapDependent.class),
      @Dependent(name = MySQLClusterReconciler.HEADLESS, type = ServiceDependents.Headless.class),
      @Dependent(name = "writer-service", type = ServiceDependents.Writer.class),
      @Dependent(name = "reader-service", type = ServiceDependents.Readers.class),
      @Dependent(
          name = "masters-service",
          type = ServiceDependents.Masters.class,
          activationCondition = DualMasterCondition.class),
      @Dependent(name = "pdb", type = PodDisruptionBudgetDependent.class),
      @Dependent(
          name = MySQLClusterReconciler.STATEFULSET,
          type = StatefulSetDependent.class,
          dependsOn = {MySQLClusterReconciler.CONFIG, MySQLClusterReconciler.HEADLESS}),
    })
// Not generation-aware: the StatefulSet's size follows status.master too (a master above
// spec.instances stays until it was switched over), so a status change must reconcile.
@ControllerConfiguration(name = MySQLClusterReconciler.NAME, generationAwareEventProcessing = false)
public class MySQLClusterReconciler implements Reconciler<MySQLCluster> {

  public static final String NAME = "mysqlcluster";
  static final String CONFIG = "config";
  static final String HEADLESS = "headless-service";
  static final String STATEFULSET = "statefulset";
  static final String PODS = "pods";
  /** A user can fix what made a spec invalid outside the CR (a Secret): look again this often. */
  static final Duration RECHECK_INVALID = Duration.ofSeconds(10);
  private static final Logger LOG = Logger.getLogger(MySQLClusterReconciler.class);

  private final KubernetesClient client;
  private final ClusterEvents events;
  private final ClusterControl control;
  private final String operatorImage;
  private InformerEventSource<Pod, MySQLCluster> pods;

  public MySQLClusterReconciler(KubernetesClient client, ClusterEvents events, ClusterControl control,
      @ConfigProperty(name = S3Transfer.OPERATOR_IMAGE_SETTING) String operatorImage) {
    this.client = client;
    this.events = events;
    this.control = control;
    this.operatorImage = operatorImage;
  }

  @Override
  public List<EventSource<?, MySQLCluster>> prepareEventSources(
      EventSourceContext<MySQLCluster> context) {
    // Pods belong to the StatefulSet, not to the cluster: map them back by their instance label.
    var podsConfiguration =
        InformerEventSourceConfiguration.from(Pod.class, MySQLCluster.class)
            .withName(PODS)
            .withLabelSelector(ClusterLabels.MANAGED_SELECTOR)
            .withSecondaryToPrimaryMapper(
                pod ->
                    Optional.ofNullable(pod.getMetadata().getLabels().get(ClusterLabels.INSTANCE))
                        .map(name -> Set.of(new ResourceID(name, pod.getMetadata().getNamespace())))
                        .orElse(Set.of()))
            .build();
    this.pods = new InformerEventSource<>(podsConfiguration, context);
    return List.of(this.pods);
  }

  @Override
  public UpdateControl<MySQLCluster> reconcile(MySQLCluster cluster, Context<MySQLCluster> context) {
    String namespace = cluster.getMetadata().getNamespace();
    List<Pod> pods = context.getSecondaryResourcesAsStream(Pod.class).toList();
    Optional<StatefulSet> statefulSet = context.getSecondaryResource(StatefulSet.class);

    // One read of the Secret serves the spec check, its creation and the control loop.
    Optional<Secret> credentials = credentialsSecret(cluster);
    boolean userSecret = cluster.getSpec().getCredentials() != null && cluster.getSpec().getCredentials().getSecretName() != null;
    // Once the cluster has data, a new instance is seeded from a donor: the backup it was restored
    // from is no longer read, and may be gone.
    var seeding = Seeding.of(cluster, statefulSet);
    Optional<Restores.Resolution> restore = Optional.ofNullable(cluster.getSpec().getBootstrap()).filter(bootstrap -> !seeding.seedEmpty())
        .map(bootstrap -> Restores.resolve(cluster, client.resources(MySQLBackup.class).inNamespace(namespace).list().getItems()))
        // Before the Pods exist: a claim or key Secret they would wait for without a word.
        .map(resolution -> statefulSet.isPresent() ? resolution : resolution.source()
            .flatMap(source -> BackupStorageCheck.problem(client, namespace, source.storage(), "the backup's storage"))
            .map(Restores.Resolution::problem).orElse(resolution));
    var tls = cluster.getSpec().getTls();
    Optional<Secret> userTlsSecret = tls.isEnabled() && tls.getSecretName() != null
        ? Optional.ofNullable(client.secrets().inNamespace(namespace).withName(tls.getSecretName()).get())
        : Optional.empty();
    boolean tlsSecretMounted = statefulSet.filter(set -> StatefulSetDependent.mountsTlsSecret(set, ClusterCertificates.servingSecret(cluster)))
        .isPresent();
    var problems = SpecChecker.problems(cluster, new SpecChecker.LiveState(userSecret ? credentials : Optional.empty(),
        restore, statefulSet.isPresent(), credentials, userTlsSecret, tlsSecretMounted));
    boolean wasInvalid =
        cluster.getStatus() != null && cluster.getStatus().getPhase() == Phase.Error;
    if (problems.isEmpty() && credentials.isEmpty() && !userSecret) {
      credentials = Optional.of(generateCredentials(cluster));
    }
    if (problems.isEmpty() && ClusterCertificates.generated(cluster)) {
      // Before the StatefulSet that mounts it: a Pod would wait for the Secret.
      ClusterCertificates.apply(client, cluster, Instant.now());
    }
    if (problems.isEmpty()) {
      restore.flatMap(Restores.Resolution::source).ifPresent(source ->
          context.managedWorkflowAndDependentResourceContext().put(StatefulSetDependent.RESTORE_SOURCE, source.fetchedWith(operatorImage)));
      context.managedWorkflowAndDependentResourceContext().put(Seeding.CONTEXT_KEY, seeding);
      context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
      if (wasInvalid) {
        events.normal(cluster, ClusterEvents.Reason.SpecAccepted, "The spec is valid again; reconciling");
      }
    }

    String previousMessage = cluster.getStatus() == null || cluster.getStatus().getPhase() != Phase.Error ? ""
        : cluster.getStatus().getConditions().get(0).getMessage();
    if (!problems.isEmpty() && !ClusterStatusAggregator.invalidSpecMessage(problems).equals(previousMessage)) {
      String message = ClusterStatusAggregator.invalidSpecMessage(problems);
      LOG.warnf("cluster %s/%s: invalid spec, nothing changed: %s", namespace, cluster.getMetadata().getName(), message);
      events.warning(cluster, ClusterEvents.Reason.InvalidSpec, message);
    }

    // The control loop writes the status: it alone knows what happens inside mysqld.
    control.reconciled(cluster, new ClusterControl.Reconciled(
        problems, cluster.getMetadata().getGeneration(), statefulSet, credentials, context.getPrimaryCache()::get,
        primary -> List.copyOf(this.pods.getSecondaryResources(primary))));
    return problems.isEmpty() ? UpdateControl.noUpdate() : UpdateControl.<MySQLCluster>noUpdate().rescheduleAfter(RECHECK_INVALID);
  }

  private Optional<Secret> credentialsSecret(MySQLCluster cluster) {
    return Optional.ofNullable(client.secrets().inNamespace(cluster.getMetadata().getNamespace())
        .withName(ClusterNames.credentialsSecret(cluster)).get());
  }

  /** Creates the generated Secret, once: an existing one is never touched. */
  private Secret generateCredentials(MySQLCluster cluster) {
    var created = client.secrets().inNamespace(cluster.getMetadata().getNamespace()).resource(CredentialsSecret.generate(cluster)).create();
    LOG.infof("cluster %s/%s: generated Secret %s", cluster.getMetadata().getNamespace(),
        cluster.getMetadata().getName(), ClusterNames.generatedSecret(cluster));
    events.normal(cluster, ClusterEvents.Reason.CredentialsGenerated,
        "Generated Secret " + ClusterNames.generatedSecret(cluster) + " with the database passwords");
    return created;
  }
}
