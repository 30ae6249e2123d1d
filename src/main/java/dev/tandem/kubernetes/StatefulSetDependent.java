package dev.tandem.kubernetes;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.tandem.api.ExporterSpec;
import dev.tandem.api.Flavor;
import dev.tandem.api.MySQLCluster;
import dev.tandem.api.MySQLClusterSpec;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One Pod per instance, each with its own volume. Pods start in parallel (every instance boots
 * read-only and waits for the operator) and are never replaced by the StatefulSet controller on
 * a template change: updateStrategy OnDelete leaves the order of restarts (replicas first, the
 * master after a switchover) to the operator.
 */
public class StatefulSetDependent extends DesiredObjectDependent<StatefulSet> {

  public static final String MYSQLD_CONTAINER = "mysqld";
  public static final String INIT_CONTAINER = "init";
  public static final String EXPORTER_CONTAINER = "exporter";
  /** TLS to its own Pod's mysqld; HostExporter reads it too. */
  public static final String EXPORTER_TLS_FLAG = "--tls.insecure-skip-verify";
  public static final String METRICS_PORT_NAME = "metrics";
  public static final int METRICS_PORT = 9104;
  public static final String DATA_VOLUME = "data";
  /** The ConfigMap's content apart from spec.mysqld: init.sh, the probes and Tandem's own settings. */
  public static final String CONFIG_HASH = "mysql.tandem.dev/config-hash";
  /**
   * spec.mysqld as the Pod's mysqld runs it: the template's is the wanted one, a Pod's the one it
   * started with or was changed to at runtime since (the control loop patches it then).
   */
  public static final String MYSQLD_SETTINGS = "mysql.tandem.dev/mysqld-settings";
  /**
   * Everything in the template but spec.mysqld and the restore source (read on an empty data
   * directory only): a Pod whose hash differs runs an outdated template and must restart.
   */
  public static final String RESTART_HASH = "mysql.tandem.dev/restart-hash";
  /**
   * Set on a Pod by the control loop: the spec.mysqld its mysqld runs since settings were changed
   * at runtime, and the mysqld container's restart count then. A container restart reads the
   * my.cnf written when the Pod started ({@link #MYSQLD_SETTINGS}), so the record counts only
   * while the count is the same.
   */
  public static final String RUNTIME_SETTINGS = "mysql.tandem.dev/runtime-settings";
  public static final String CONFIG_DIR = "/etc/tandem";
  public static final String RUN_CONFIG_DIR = "/etc/tandem-run";
  public static final String OPERATOR_USER = "tandem";
  public static final String REPLICATION_USER = "repl";
  /** Reads everything a consistent dump needs, from a replica; nothing else. */
  public static final String BACKUP_USER = "backup";
  /** Applies MySQLDatabase, MySQLUser and MySQLGrant resources on the master (init.sh says what it holds). */
  public static final String ADMIN_USER = "tandem_admin";
  /** Reads the server's status for mysqld_exporter (init.sh says what it holds). */
  public static final String EXPORTER_USER = "tandem_exporter";
  /** uid and gid of the mysql user in both official images. */
  public static final long MYSQL_UID = 999L;
  static final long DEFAULT_GRACE_SECONDS = 60L;

  public StatefulSetDependent() {
    super(StatefulSet.class);
  }

  static final String FETCH_CONTAINER = "fetch-backup";
  /** Context key of the {@link RestoreSource} a new cluster starts from, when it has one. */
  static final String RESTORE_SOURCE = "restore-source";

  @Override
  protected StatefulSet build(MySQLCluster cluster) {
    return desiredFor(cluster);
  }

  @Override
  protected StatefulSet build(MySQLCluster cluster, Context<MySQLCluster> context) {
    var shared = context.managedWorkflowAndDependentResourceContext();
    return desiredFor(cluster, shared.get(RESTORE_SOURCE, RestoreSource.class),
        shared.get(Seeding.CONTEXT_KEY, Seeding.class).orElse(Seeding.NONE));
  }

  public static StatefulSet desiredFor(MySQLCluster cluster) {
    return desiredFor(cluster, Optional.empty(), Seeding.NONE);
  }

  /**
   * With a restore source, the init container fills an empty data directory from that backup;
   * with seeding, the seed container waits for a donor's copy instead.
   */
  public static StatefulSet desiredFor(MySQLCluster cluster, Optional<RestoreSource> restore, Seeding seeding) {
    var statefulSet = build(cluster, restore, seeding);
    statefulSet.getSpec().getTemplate().getMetadata().getAnnotations().put(RESTART_HASH, restartHash(cluster));
    return statefulSet;
  }

  /**
   * The template without what fills an empty data directory (restore source, seeding) and
   * spec.mysqld, hashed: a deleted source backup, a new operator image for its download, a
   * cluster that now has data or a re-seed request must not restart a running cluster.
   */
  private static String restartHash(MySQLCluster cluster) {
    var template = build(cluster, Optional.empty(), Seeding.NONE).getSpec().getTemplate();
    template.getMetadata().getAnnotations().remove(MYSQLD_SETTINGS);
    return sha256(SERIALIZATION.asJson(template));
  }

  private static StatefulSet build(MySQLCluster cluster, Optional<RestoreSource> restore, Seeding seeding) {
    var spec = cluster.getSpec();
    var storage = spec.getStorage();
    return new StatefulSetBuilder()
        .withNewMetadata()
        .withName(ClusterNames.statefulSet(cluster))
        .withNamespace(cluster.getMetadata().getNamespace())
        .withLabels(ClusterLabels.common(cluster))
        .endMetadata()
        .withNewSpec()
        .withServiceName(ClusterNames.headlessService(cluster))
        .withReplicas(ClusterNames.spannedOrdinals(cluster))
        .withPodManagementPolicy("Parallel")
        .withNewUpdateStrategy()
        .withType("OnDelete")
        .endUpdateStrategy()
        .withNewPersistentVolumeClaimRetentionPolicy()
        .withWhenDeleted(storage.getRetention().getWhenDeleted().name())
        .withWhenScaled(storage.getRetention().getWhenScaled().name())
        .endPersistentVolumeClaimRetentionPolicy()
        .withNewSelector()
        .withMatchLabels(ClusterLabels.podSelector(cluster))
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(podLabels(cluster))
        .withAnnotations(podAnnotations(cluster))
        .endMetadata()
        .withNewSpec()
        .withAutomountServiceAccountToken(false)
        .withTerminationGracePeriodSeconds(
            spec.getPod().getTerminationGracePeriodSeconds() != null
                ? spec.getPod().getTerminationGracePeriodSeconds()
                : DEFAULT_GRACE_SECONDS)
        .withNewSecurityContext()
        .withRunAsUser(MYSQL_UID)
        .withRunAsGroup(MYSQL_UID)
        .withFsGroup(MYSQL_UID)
        .withRunAsNonRoot(true)
        .endSecurityContext()
        .withAffinity(affinity(cluster))
        .withTolerations(spec.getPod().getTolerations())
        .withNodeSelector(spec.getPod().getNodeSelector())
        .withTopologySpreadConstraints(spec.getPod().getTopologySpreadConstraints())
        .withPriorityClassName(spec.getPod().getPriorityClassName())
        .withInitContainers(initContainers(cluster, restore, seeding))
        .withContainers(containers(cluster))
        .withVolumes(volumes(cluster, restore))
        .endSpec()
        .endTemplate()
        .withVolumeClaimTemplates(dataClaim(spec))
        .endSpec()
        .build();
  }

  private static Map<String, String> podLabels(MySQLCluster cluster) {
    var labels = new LinkedHashMap<>(cluster.getSpec().getPod().getLabels());
    labels.putAll(ClusterLabels.common(cluster));
    labels.put(ClusterLabels.VERSION, cluster.getSpec().getEngine().effectiveVersion());
    return labels;
  }

  private static Map<String, String> podAnnotations(MySQLCluster cluster) {
    var annotations = new LinkedHashMap<>(cluster.getSpec().getPod().getAnnotations());
    // spec.mysqld is left out of the restart hash: what mysqld can change at runtime is applied
    // without a restart, and the control loop asks the server which settings those are.
    annotations.put(CONFIG_HASH, sha256(ConfigMapDependent.data(cluster, Map.of()).toString()));
    annotations.put(MYSQLD_SETTINGS, settingsAnnotation(cluster.getSpec().getMysqld()));
    return annotations;
  }

  /** The value of {@link #MYSQLD_SETTINGS} for these settings: sorted JSON, so equal maps give equal text. */
  public static String settingsAnnotation(Map<String, String> settings) {
    return SERIALIZATION.asJson(new TreeMap<>(settings));
  }

  /**
   * The settings a {@link #MYSQLD_SETTINGS} value names; empty for a Pod created before the
   * annotation existed, or one whose annotation is not what Tandem wrote (it then counts as
   * outdated: a restart gives it the template's).
   */
  public static Map<String, String> settingsOf(Map<String, String> annotations) {
    return parse(annotations == null ? null : annotations.get(MYSQLD_SETTINGS), SETTINGS_TYPE).<Map<String, String>>map(map -> map)
        .orElse(Map.of());
  }

  /** The spec.mysqld the Pod's mysqld runs: the runtime record while mysqld has not restarted since, else what it started with. */
  public static Map<String, String> runningSettings(Pod pod) {
    var annotations = Optional.ofNullable(pod.getMetadata().getAnnotations()).orElse(Map.of());
    return parse(annotations.get(RUNTIME_SETTINGS), RUNTIME_TYPE)
        .filter(record -> record.restarts() == mysqldRestarts(pod))
        .<Map<String, String>>map(RuntimeRecord::settings)
        .orElseGet(() -> settingsOf(annotations));
  }

  /** The value of {@link #RUNTIME_SETTINGS} for a Pod whose mysqld now runs these settings. */
  public static String runtimeSettingsAnnotation(Map<String, String> settings, Pod pod) {
    return SERIALIZATION.asJson(new RuntimeRecord(new TreeMap<>(settings), mysqldRestarts(pod)));
  }

  /**
   * What SET GLOBAL must change for mysqld to run {@code wanted} instead of {@code running}: each
   * changed or added key with its value; a removed key back to Tandem's own my.cnf value, or
   * the server's default (empty).
   */
  public static Map<String, Optional<String>> settingsToChange(MySQLCluster cluster, Map<String, String> running,
      Map<String, String> wanted) {
    var base = new java.util.HashMap<String, String>();
    MyCnf.settings(cluster.getSpec(), Map.of()).forEach((key, value) -> base.put(key.replace('-', '_'), value));
    var keys = new TreeMap<String, Boolean>();
    wanted.keySet().forEach(key -> keys.put(key, true));
    running.keySet().forEach(key -> keys.put(key, true));
    var values = new LinkedHashMap<String, Optional<String>>();
    keys.keySet().stream().filter(key -> !java.util.Objects.equals(wanted.get(key), running.get(key))).forEach(key ->
        values.put(key, Optional.ofNullable(wanted.containsKey(key) ? wanted.get(key) : base.get(key.replace('-', '_')))));
    return values;
  }

  private record RuntimeRecord(TreeMap<String, String> settings, int restarts) {}

  private static final TypeReference<RuntimeRecord> RUNTIME_TYPE = new TypeReference<>() {};

  private static int mysqldRestarts(Pod pod) {
    return Optional.ofNullable(pod.getStatus()).map(status -> status.getContainerStatuses()).orElse(List.of()).stream()
        .filter(container -> MYSQLD_CONTAINER.equals(container.getName()))
        .map(container -> Optional.ofNullable(container.getRestartCount()).orElse(0))
        .findFirst().orElse(0);
  }

  private static <T> Optional<T> parse(String json, TypeReference<T> type) {
    if (json == null) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(SERIALIZATION.unmarshal(new java.io.ByteArrayInputStream(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)), type));
    } catch (RuntimeException notOurs) {
      return Optional.empty();
    }
  }

  private static final TypeReference<TreeMap<String, String>> SETTINGS_TYPE =
      new TypeReference<>() {};

  private static Affinity affinity(MySQLCluster cluster) {
    if (cluster.getSpec().getPod().getAffinity() != null) {
      return cluster.getSpec().getPod().getAffinity();
    }
    // Preferred, not required: a one-node cluster (a laptop, CI) must still schedule every Pod.
    return new AffinityBuilder()
        .withNewPodAntiAffinity()
        .addNewPreferredDuringSchedulingIgnoredDuringExecution()
        .withWeight(100)
        .withNewPodAffinityTerm()
        .withTopologyKey("kubernetes.io/hostname")
        .withNewLabelSelector()
        .withMatchLabels(ClusterLabels.podSelector(cluster))
        .endLabelSelector()
        .endPodAffinityTerm()
        .endPreferredDuringSchedulingIgnoredDuringExecution()
        .endPodAntiAffinity()
        .build();
  }

  /**
   * From a bucket, the backup (and the binary logs to replay) are first downloaded to a scratch
   * volume by the operator image's s3 command, unless the data directory is already initialized
   * (a restarted Pod); init.sh then restores from there and frees the copy.
   */
  private static List<Container> initContainers(MySQLCluster cluster, Optional<RestoreSource> restore, Seeding seeding) {
    var containers = new ArrayList<Container>();
    restore.filter(RestoreSource::inBucket).ifPresent(source -> {
      var args = new ArrayList<>(List.of("download", "--unless-exists", MyCnf.DATA_DIR + "/mysql", source.path(), source.directory()));
      source.replay().ifPresent(replay -> args.addAll(List.of(replay.binlogPath(), RestoreSource.MOUNT + "/" + replay.binlogPath())));
      var fetch = S3Transfer.container(FETCH_CONTAINER, source.fetchImage(), source.storage().getS3(), args);
      fetch.setVolumeMounts(List.of(mount(RestoreSource.VOLUME, RestoreSource.MOUNT),
          new VolumeMountBuilder().withName(DATA_VOLUME).withMountPath(MyCnf.DATA_DIR).withReadOnly(true).build()));
      containers.add(fetch);
    });
    // Before init: what it receives, init prepares. Named apart so the operator sees it wait for a donor.
    var seed = initContainer(cluster, Optional.empty(), seeding);
    seed.setName(Seeding.CONTAINER);
    seed.setCommand(List.of("bash", CONFIG_DIR + "/" + ConfigMapDependent.INIT_SCRIPT, "receive"));
    containers.add(seed);
    containers.add(initContainer(cluster, restore, seeding));
    return containers;
  }

  private static Container initContainer(MySQLCluster cluster, Optional<RestoreSource> restore, Seeding seeding) {
    var spec = cluster.getSpec();
    var env = new ArrayList<EnvVar>();
    env.add(EnvVars.field("POD_NAME", "metadata.name"));
    env.add(EnvVars.field("POD_NAMESPACE", "metadata.namespace"));
    env.add(EnvVars.plain("HEADLESS_SERVICE", ClusterNames.headlessService(cluster)));
    env.add(EnvVars.plain("TANDEM_FLAVOR", spec.getEngine().getFlavor().name()));
    env.add(EnvVars.plain("TANDEM_TOPOLOGY", spec.getTopology().name()));
    env.add(EnvVars.plain("OPERATOR_USER", OPERATOR_USER));
    env.add(EnvVars.plain("REPLICATION_USER", REPLICATION_USER));
    env.add(EnvVars.plain("BACKUP_USER", BACKUP_USER));
    env.add(EnvVars.credential(cluster, "ROOT_PASSWORD", CredentialsSecret.ROOT_PASSWORD));
    env.add(EnvVars.credential(cluster, "OPERATOR_PASSWORD", CredentialsSecret.OPERATOR_PASSWORD));
    env.add(EnvVars.credential(cluster, "REPLICATION_PASSWORD", CredentialsSecret.REPLICATION_PASSWORD));
    env.add(EnvVars.credential(cluster, "BACKUP_PASSWORD", CredentialsSecret.BACKUP_PASSWORD));
    env.add(EnvVars.plain("ADMIN_USER", ADMIN_USER));
    env.add(EnvVars.optionalCredential(cluster, "ADMIN_PASSWORD", CredentialsSecret.ADMIN_PASSWORD));
    env.add(EnvVars.plain("EXPORTER_USER", EXPORTER_USER));
    env.add(EnvVars.optionalCredential(cluster, "EXPORTER_PASSWORD", CredentialsSecret.EXPORTER_PASSWORD));
    env.addAll(seeding.environment());
    restore.ifPresent(source -> env.add(EnvVars.plain("RESTORE_DIR", source.directory())));
    restore.filter(RestoreSource::inBucket).ifPresent(source -> env.add(EnvVars.plain("RESTORE_DISCARD", "true")));
    restore.flatMap(RestoreSource::replay).ifPresent(replay -> {
      env.add(EnvVars.plain("RESTORE_BINLOG_DIR", RestoreSource.MOUNT + "/" + replay.binlogPath()));
      env.add(EnvVars.plain("RESTORE_UNTIL", replay.until()));
    });
    var mounts = new ArrayList<>(mounts(cluster));
    restore.ifPresent(source -> mounts.add(new VolumeMountBuilder().withName(RestoreSource.VOLUME)
        .withMountPath(RestoreSource.MOUNT).withReadOnly(!source.inBucket()).build()));
    return new ContainerBuilder()
        .withName(INIT_CONTAINER)
        .withImage(spec.getEngine().effectiveImage())
        .withImagePullPolicy(imagePullPolicy(spec))
        .withCommand("bash", CONFIG_DIR + "/" + ConfigMapDependent.INIT_SCRIPT)
        .withEnv(env)
        .withResources(spec.getResources())
        .withVolumeMounts(mounts)
        .build();
  }

  static final String TLS_VOLUME = "tls";

  /** Whether the Pod has a certificate: it was created from a template with TLS on. */
  public static boolean mountsTlsSecret(Pod pod) {
    return mountedTlsSecret(pod).isPresent();
  }

  /** The Secret the Pod mounts as its certificate, which may not be the one the spec names now. */
  public static Optional<String> mountedTlsSecret(Pod pod) {
    return pod.getSpec() == null ? Optional.empty() : Optional.ofNullable(pod.getSpec().getVolumes()).orElse(List.of()).stream()
        .filter(volume -> TLS_VOLUME.equals(volume.getName()) && volume.getSecret() != null)
        .map(volume -> volume.getSecret().getSecretName()).findFirst();
  }

  /** Whether the StatefulSet's Pods mount this Secret as their certificate. */
  static boolean mountsTlsSecret(StatefulSet statefulSet, String secretName) {
    return Optional.ofNullable(statefulSet.getSpec().getTemplate().getSpec().getVolumes()).orElse(List.of()).stream()
        .anyMatch(volume -> TLS_VOLUME.equals(volume.getName()) && volume.getSecret() != null
            && secretName.equals(volume.getSecret().getSecretName()));
  }

  private static List<Container> containers(MySQLCluster cluster) {
    var exporter = cluster.getSpec().getMonitoring().getExporter();
    return exporter.isEnabled() ? List.of(mysqldContainer(cluster), exporterContainer(cluster, exporter)) : List.of(mysqldContainer(cluster));
  }

  /**
   * mysqld_exporter as of 0.15: the account by flag, its password from the environment (never on
   * the command line), over TCP to this Pod's own mysqld, where the account is allowed from only.
   * Its image's entrypoint is the exporter, so only arguments are given. No probes: the exporter
   * serves (mysql_up 0) while mysqld is down, and a probe of it must not take the instance out of
   * its Services. With TLS on, it speaks TLS without verifying, which require_secure_transport
   * needs: the server it dials is its own Pod's, over the loopback nothing else can reach.
   */
  private static Container exporterContainer(MySQLCluster cluster, ExporterSpec exporter) {
    var args = new ArrayList<>(List.of("--mysqld.address=127.0.0.1:" + MyCnf.PORT, "--mysqld.username=" + EXPORTER_USER,
        "--web.listen-address=:" + METRICS_PORT));
    if (cluster.getSpec().getTls().isEnabled()) {
      args.add(EXPORTER_TLS_FLAG);
    }
    return new ContainerBuilder()
        .withName(EXPORTER_CONTAINER)
        .withImage(exporter.effectiveImage())
        .withArgs(args)
        .addNewPort()
        .withName(METRICS_PORT_NAME)
        .withContainerPort(METRICS_PORT)
        .withProtocol("TCP")
        .endPort()
        .withEnv(EnvVars.credential(cluster, "MYSQLD_EXPORTER_PASSWORD", CredentialsSecret.EXPORTER_PASSWORD))
        .withResources(exporter.getResources())
        .build();
  }

  private static Container mysqldContainer(MySQLCluster cluster) {
    var spec = cluster.getSpec();
    String server = spec.getEngine().getFlavor() == Flavor.MySQL ? "mysqld" : "mariadbd";
    return new ContainerBuilder()
        .withName(MYSQLD_CONTAINER)
        .withImage(spec.getEngine().effectiveImage())
        .withImagePullPolicy(imagePullPolicy(spec))
        .withCommand(server, "--defaults-file=" + RUN_CONFIG_DIR + "/" + ConfigMapDependent.MY_CNF)
        .addNewPort()
        .withName(ServiceDependents.MYSQL_PORT_NAME)
        .withContainerPort(MyCnf.PORT)
        .withProtocol("TCP")
        .endPort()
        .withEnv(
            EnvVars.plain("OPERATOR_USER", OPERATOR_USER),
            EnvVars.credential(cluster, "OPERATOR_PASSWORD", CredentialsSecret.OPERATOR_PASSWORD))
        .withResources(spec.getResources())
        // Crash recovery of a large instance can take long: liveness starts after startup.
        .withStartupProbe(probe("alive", 5, 720))
        .withLivenessProbe(probe("alive", 10, 6))
        .withReadinessProbe(probe("ready", 2, 3))
        .withVolumeMounts(mounts(cluster))
        .build();
  }

  private static Probe probe(String kind, int periodSeconds, int failureThreshold) {
    return new ProbeBuilder()
        .withNewExec()
        .withCommand("bash", CONFIG_DIR + "/" + ConfigMapDependent.PROBE_SCRIPT, kind)
        .endExec()
        .withPeriodSeconds(periodSeconds)
        .withTimeoutSeconds(5)
        .withFailureThreshold(failureThreshold)
        .build();
  }

  /** The init container's too: it starts mysqld with the same my.cnf to initialize and recover. */
  private static List<VolumeMount> mounts(MySQLCluster cluster) {
    var mounts = new ArrayList<>(List.of(
        mount(DATA_VOLUME, MyCnf.DATA_DIR),
        mount("config", CONFIG_DIR),
        mount("run-config", RUN_CONFIG_DIR),
        mount("run", MyCnf.RUN_DIR)));
    if (cluster.getSpec().getTls().isEnabled()) {
      mounts.add(new VolumeMountBuilder().withName(TLS_VOLUME).withMountPath(MyCnf.TLS_DIR).withReadOnly(true).build());
    }
    return mounts;
  }

  private static List<Volume> volumes(MySQLCluster cluster, Optional<RestoreSource> restore) {
    var volumes = new ArrayList<>(List.of(
        new VolumeBuilder()
            .withName("config")
            .withNewConfigMap()
            .withName(ClusterNames.configMap(cluster))
            .endConfigMap()
            .build(),
        new VolumeBuilder().withName("run-config").withNewEmptyDir().endEmptyDir().build(),
        new VolumeBuilder().withName("run").withNewEmptyDir().endEmptyDir().build()));
    if (cluster.getSpec().getTls().isEnabled()) {
      // Readable by mysqld's group only (fsGroup): the key is in it. A renewed Secret reaches the files in place.
      volumes.add(new VolumeBuilder().withName(TLS_VOLUME).withNewSecret().withSecretName(ClusterCertificates.servingSecret(cluster))
          .withDefaultMode(0440).endSecret().build());
    }
    restore.ifPresent(source -> volumes.add(source.inBucket()
        ? new VolumeBuilder().withName(RestoreSource.VOLUME).withNewEmptyDir().endEmptyDir().build()
        : new VolumeBuilder().withName(RestoreSource.VOLUME).withNewPersistentVolumeClaim()
            .withClaimName(source.storage().getPvc().getClaimName()).withReadOnly(true).endPersistentVolumeClaim().build()));
    return volumes;
  }

  private static PersistentVolumeClaim dataClaim(MySQLClusterSpec spec) {
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata()
        .withName(DATA_VOLUME)
        .endMetadata()
        .withNewSpec()
        .withAccessModes("ReadWriteOnce")
        .withStorageClassName(spec.getStorage().getStorageClassName())
        .withResources(
            new io.fabric8.kubernetes.api.model.VolumeResourceRequirementsBuilder()
                .withRequests(Map.of("storage", new Quantity(spec.getStorage().getSize())))
                .build())
        .endSpec()
        .build();
  }

  private static String imagePullPolicy(MySQLClusterSpec spec) {
    var policy = spec.getEngine().getImagePullPolicy();
    return policy == null ? null : policy.name();
  }

  private static VolumeMount mount(String volume, String path) {
    return new VolumeMountBuilder().withName(volume).withMountPath(path).build();
  }
}
