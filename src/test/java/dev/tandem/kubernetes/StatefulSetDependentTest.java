package dev.tandem.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.api.MySQLBackupStatus.BackupPhase;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StatefulSetDependentTest {

  static Container container(StatefulSet sts, String name) {
    return sts.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .or(() -> sts.getSpec().getTemplate().getSpec().getInitContainers().stream().filter(c -> c.getName().equals(name)).findFirst())
        .orElseThrow();
  }

  static EnvVar env(Container container, String name) {
    return container.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void aRestoringClusterMountsTheBackupReadOnlyForItsInitContainerOnly() {
    var monday = RestoresTest.backup("monday", "shop", "backups", BackupPhase.Completed, "2026-11-23T03:00:40Z");
    var source = RestoreSource.of(monday).orElseThrow()
        .replaying(new RestoreSource.Replay("prod/shop/tuesday/binlogs", "2026-11-23 13:30:00"));
    var sts = StatefulSetDependent.desiredFor(ClusterFixture.named("copy").mariaDb().build(), java.util.Optional.of(source), Seeding.NONE);

    var init = container(sts, StatefulSetDependent.INIT_CONTAINER);
    assertThat(env(init, "RESTORE_DIR").getValue()).isEqualTo("/restore/prod/shop/monday");
    assertThat(env(init, "RESTORE_BINLOG_DIR").getValue()).isEqualTo("/restore/prod/shop/tuesday/binlogs");
    assertThat(env(init, "RESTORE_UNTIL").getValue()).isEqualTo("2026-11-23 13:30:00");
    assertThat(init.getVolumeMounts()).anySatisfy(mount -> {
      assertThat(mount.getMountPath()).isEqualTo("/restore");
      assertThat(mount.getReadOnly()).isTrue();
    });
    assertThat(container(sts, StatefulSetDependent.MYSQLD_CONTAINER).getVolumeMounts())
        .noneMatch(mount -> mount.getMountPath().equals("/restore"));
    assertThat(sts.getSpec().getTemplate().getSpec().getVolumes()).filteredOn(volume -> volume.getPersistentVolumeClaim() != null)
        .singleElement().satisfies(volume -> {
      assertThat(volume.getPersistentVolumeClaim().getClaimName()).isEqualTo("backups");
      assertThat(volume.getPersistentVolumeClaim().getReadOnly()).isTrue();
    });
    assertThat(StatefulSetDependent.desiredFor(ClusterFixture.named("shop").mariaDb().build()).getSpec().getTemplate().getSpec()
        .getInitContainers().get(0).getEnv()).noneMatch(e -> e.getName().startsWith("RESTORE_"));
  }

  @Test
  void aClusterRestoringFromABucketDownloadsTheBackupFirstUnlessItsDataIsThere() {
    var monday = RestoresTest.inBucket("monday", "http://minio:9000", "backups", "2026-11-23T03:00:40Z");
    monday.getSpec().getStorage().getS3().setCredentialsSecret("s3-keys");
    var source = RestoreSource.of(monday).orElseThrow()
        .replaying(new RestoreSource.Replay("tandem/prod/shop/tuesday/binlogs", "2026-11-23 13:30:00"))
        .fetchedWith("tandem/tandem-operator:1.2.3");
    var sts = StatefulSetDependent.desiredFor(ClusterFixture.named("copy").mariaDb().build(), java.util.Optional.of(source), Seeding.NONE);

    var pod = sts.getSpec().getTemplate().getSpec();
    assertThat(pod.getInitContainers()).extracting(Container::getName).containsExactly("fetch-backup", Seeding.CONTAINER, StatefulSetDependent.INIT_CONTAINER);
    var fetch = pod.getInitContainers().get(0);
    assertThat(fetch.getImage()).isEqualTo("tandem/tandem-operator:1.2.3");
    assertThat(fetch.getCommand()).containsExactly("java", "-jar", "/deployments/quarkus-run.jar", "s3", "download",
        "--unless-exists", "/var/lib/mysql/mysql", "tandem/prod/shop/monday", "/restore/tandem/prod/shop/monday",
        "tandem/prod/shop/tuesday/binlogs", "/restore/tandem/prod/shop/tuesday/binlogs");
    assertThat(env(fetch, "S3_ENDPOINT").getValue()).isEqualTo("http://minio:9000");
    assertThat(env(fetch, "S3_BUCKET").getValue()).isEqualTo("backups");
    assertThat(env(fetch, "AWS_SECRET_ACCESS_KEY").getValue()).isNull();
    assertThat(env(fetch, "AWS_SECRET_ACCESS_KEY").getValueFrom().getSecretKeyRef().getName()).isEqualTo("s3-keys");
    assertThat(fetch.getVolumeMounts()).anySatisfy(mount -> {
      assertThat(mount.getMountPath()).isEqualTo("/var/lib/mysql");
      assertThat(mount.getReadOnly()).isTrue();
    });
    var init = container(sts, StatefulSetDependent.INIT_CONTAINER);
    assertThat(env(init, "RESTORE_DIR").getValue()).isEqualTo("/restore/tandem/prod/shop/monday");
    assertThat(env(init, "RESTORE_DISCARD").getValue()).as("the downloaded copy is freed once restored").isEqualTo("true");
    assertThat(pod.getVolumes()).filteredOn(volume -> volume.getName().equals("restore"))
        .singleElement().satisfies(volume -> assertThat(volume.getEmptyDir()).isNotNull());
  }

  @Test
  void runsOnePodPerInstanceInParallelWithRestartsLeftToTheOperator() {
    var sts = StatefulSetDependent.desiredFor(ClusterFixture.named("shop").instances(3).build());

    assertThat(sts.getMetadata().getName()).isEqualTo("shop");
    assertThat(sts.getMetadata().getNamespace()).isEqualTo("prod");
    assertThat(sts.getSpec().getReplicas()).isEqualTo(3);
    assertThat(sts.getSpec().getServiceName()).isEqualTo("shop-headless");
    assertThat(sts.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");
    assertThat(sts.getSpec().getUpdateStrategy().getType()).isEqualTo("OnDelete");
    assertThat(sts.getSpec().getSelector().getMatchLabels())
        .containsEntry("app.kubernetes.io/instance", "shop")
        .containsEntry("app.kubernetes.io/managed-by", "tandem")
        .doesNotContainKey("mysql.tandem.dev/role");
    assertThat(sts.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(sts.getSpec().getSelector().getMatchLabels());
  }

  @Test
  void aScaleDownKeepsTheMastersPodUntilStatusShowsTheMasterMoved() {
    var cluster = ClusterFixture.named("shop").instances(2).build();
    cluster.setStatus(new dev.tandem.api.MySQLClusterStatus());

    cluster.getStatus().setMaster("shop-2");
    assertThat(StatefulSetDependent.desiredFor(cluster).getSpec().getReplicas()).isEqualTo(3);

    cluster.getStatus().setMaster("shop-0");
    assertThat(StatefulSetDependent.desiredFor(cluster).getSpec().getReplicas()).isEqualTo(2);

    cluster.getStatus().setMaster("other-7");
    assertThat(StatefulSetDependent.desiredFor(cluster).getSpec().getReplicas()).as("a name not of this cluster").isEqualTo(2);
  }

  @Test
  void givesEachInstanceAVolumeFromTheStorageSpecAndKeepsItByDefault() {
    var cluster = ClusterFixture.named("shop").build();
    cluster.getSpec().getStorage().setSize("50Gi");
    cluster.getSpec().getStorage().setStorageClassName("fast");

    var sts = StatefulSetDependent.desiredFor(cluster);

    var claim = sts.getSpec().getVolumeClaimTemplates().get(0);
    assertThat(claim.getMetadata().getName()).isEqualTo("data");
    assertThat(claim.getSpec().getResources().getRequests()).containsEntry("storage", new Quantity("50Gi"));
    assertThat(claim.getSpec().getStorageClassName()).isEqualTo("fast");
    assertThat(claim.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
    assertThat(sts.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted()).isEqualTo("Retain");
    assertThat(sts.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenScaled()).isEqualTo("Retain");
    assertThat(container(sts, "mysqld").getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getName() + ":" + m.getMountPath()).isEqualTo("data:/var/lib/mysql"));
  }

  @Test
  void runsTheFlavorsOfficialImageAndServer() {
    var mysql = StatefulSetDependent.desiredFor(ClusterFixture.named("shop").build());
    var mariadb = StatefulSetDependent.desiredFor(ClusterFixture.named("shop").mariaDb().build());

    assertThat(container(mysql, "mysqld").getImage()).isEqualTo("mysql:8.4");
    assertThat(container(mysql, "mysqld").getCommand()).containsExactly("mysqld", "--defaults-file=/etc/tandem-run/my.cnf");
    assertThat(container(mariadb, "mysqld").getImage()).isEqualTo("mariadb:10.11");
    assertThat(container(mariadb, "mysqld").getCommand()).containsExactly("mariadbd", "--defaults-file=/etc/tandem-run/my.cnf");
    assertThat(container(mariadb, "init").getImage()).isEqualTo("mariadb:10.11");
  }

  @Test
  void theInitContainerLearnsItsIdentityFromThePodAndItsPasswordsFromTheSecret() {
    var sts = StatefulSetDependent.desiredFor(ClusterFixture.named("shop").dualMaster().mariaDb().build());
    var init = container(sts, "init");

    assertThat(init.getCommand()).containsExactly("bash", "/etc/tandem/init.sh");
    assertThat(env(init, "POD_NAME").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
    assertThat(env(init, "TANDEM_FLAVOR").getValue()).isEqualTo("MariaDB");
    assertThat(env(init, "TANDEM_TOPOLOGY").getValue()).isEqualTo("DualMaster");
    assertThat(env(init, "HEADLESS_SERVICE").getValue()).isEqualTo("shop-headless");
    var root = env(init, "ROOT_PASSWORD").getValueFrom().getSecretKeyRef();
    assertThat(root.getName()).isEqualTo("shop-credentials");
    assertThat(root.getKey()).isEqualTo("root-password");
    assertThat(init.getEnv()).noneMatch(e -> e.getName().endsWith("PASSWORD") && e.getValue() != null);
  }

  @Test
  void theExporterSidecarReadsThisPodsMysqldAsItsOwnAccountAndTurningItOnRestartsTheInstances() {
    var plain = ClusterFixture.named("shop").mariaDb().build();
    var monitored = ClusterFixture.named("shop").mariaDb().build();
    monitored.getSpec().getMonitoring().getExporter().setEnabled(true);
    monitored.getSpec().getMonitoring().getExporter().setResources(new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
        .addToLimits("memory", new Quantity("64Mi")).build());

    var sts = StatefulSetDependent.desiredFor(monitored);

    assertThat(StatefulSetDependent.desiredFor(plain).getSpec().getTemplate().getSpec().getContainers())
        .extracting(Container::getName).containsExactly("mysqld");
    assertThat(sts.getSpec().getTemplate().getSpec().getContainers()).extracting(Container::getName).containsExactly("mysqld", "exporter");
    var exporter = container(sts, "exporter");
    assertThat(exporter.getImage()).isEqualTo("prom/mysqld-exporter:v0.17.2");
    assertThat(exporter.getCommand()).as("the image's entrypoint runs").isEmpty();
    assertThat(exporter.getArgs())
        .containsExactly("--mysqld.address=127.0.0.1:3306", "--mysqld.username=tandem_exporter", "--web.listen-address=:9104");
    assertThat(exporter.getPorts()).singleElement().satisfies(port -> {
      assertThat(port.getName()).isEqualTo("metrics");
      assertThat(port.getContainerPort()).isEqualTo(9104);
    });
    var password = env(exporter, "MYSQLD_EXPORTER_PASSWORD").getValueFrom().getSecretKeyRef();
    assertThat(password.getName()).isEqualTo("shop-credentials");
    assertThat(password.getKey()).isEqualTo("exporter-password");
    assertThat(exporter.getEnv()).noneMatch(e -> e.getValue() != null);
    assertThat(exporter.getReadinessProbe()).as("an exporter probe must not take mysqld out of its Services").isNull();
    assertThat(exporter.getResources().getLimits()).containsEntry("memory", new Quantity("64Mi"));
    assertThat(env(container(sts, "init"), "EXPORTER_PASSWORD").getValueFrom().getSecretKeyRef().getOptional())
        .as("the account is created wherever the Secret has a password for it, the exporter on or off").isTrue();
    assertThat(env(container(StatefulSetDependent.desiredFor(plain), "init"), "EXPORTER_PASSWORD")).isNotNull();
    assertThat(templateAnnotations(monitored).get(StatefulSetDependent.RESTART_HASH))
        .isNotEqualTo(templateAnnotations(plain).get(StatefulSetDependent.RESTART_HASH));
  }

  @Test
  void withTlsOnTheExporterSpeaksTlsToItsOwnPodsMysqld() {
    var monitored = ClusterFixture.named("shop").mariaDb().build();
    monitored.getSpec().getMonitoring().getExporter().setEnabled(true);
    monitored.getSpec().getTls().setEnabled(true);
    monitored.getSpec().getTls().setRequireSecureTransport(true);

    assertThat(container(StatefulSetDependent.desiredFor(monitored), "exporter").getArgs())
        .containsExactly("--mysqld.address=127.0.0.1:3306", "--mysqld.username=tandem_exporter", "--web.listen-address=:9104",
            "--tls.insecure-skip-verify");
  }

  @Test
  void usesTheUsersSecretWhenOneIsNamed() {
    var sts = StatefulSetDependent.desiredFor(ClusterFixture.named("shop").userSecret("mine").build());

    assertThat(env(container(sts, "mysqld"), "OPERATOR_PASSWORD").getValueFrom().getSecretKeyRef().getName()).isEqualTo("mine");
  }

  @Test
  void probesKeepACatchingUpReplicaAliveAndGiveCrashRecoveryTime() {
    var mysqld = container(StatefulSetDependent.desiredFor(ClusterFixture.named("shop").build()), "mysqld");

    assertThat(mysqld.getLivenessProbe().getExec().getCommand()).containsExactly("bash", "/etc/tandem/probe.sh", "alive");
    assertThat(mysqld.getReadinessProbe().getExec().getCommand()).containsExactly("bash", "/etc/tandem/probe.sh", "ready");
    assertThat(mysqld.getStartupProbe().getPeriodSeconds() * mysqld.getStartupProbe().getFailureThreshold())
        .as("seconds of crash recovery before liveness may kill mysqld")
        .isGreaterThanOrEqualTo(3600);
  }

  @Test
  void spreadsInstancesOverNodesByDefaultButKeepsTheUsersPlacement() {
    var cluster = ClusterFixture.named("shop").build();
    var byDefault = StatefulSetDependent.desiredFor(cluster).getSpec().getTemplate().getSpec();

    var term = byDefault.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution().get(0);
    assertThat(term.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
    assertThat(term.getPodAffinityTerm().getLabelSelector().getMatchLabels()).containsEntry("app.kubernetes.io/instance", "shop");
    assertThat(byDefault.getTerminationGracePeriodSeconds()).isEqualTo(60L);
    assertThat(byDefault.getSecurityContext().getRunAsNonRoot()).isTrue();

    cluster.getSpec().getPod().setPriorityClassName("database");
    cluster.getSpec().getPod().getNodeSelector().put("disk", "ssd");
    cluster.getSpec().getPod().getLabels().put("team", "payments");
    var placed = StatefulSetDependent.desiredFor(cluster).getSpec().getTemplate();
    assertThat(placed.getSpec().getPriorityClassName()).isEqualTo("database");
    assertThat(placed.getSpec().getNodeSelector()).containsEntry("disk", "ssd");
    assertThat(placed.getMetadata().getLabels()).containsEntry("team", "payments").containsEntry("app.kubernetes.io/instance", "shop");
  }

  @Test
  void aMysqldSettingChangesTheSettingsAnnotationAndNotTheRestartHash() {
    var before = templateAnnotations(ClusterFixture.named("shop").build());
    var after = templateAnnotations(ClusterFixture.named("shop").mysqld("max_connections", "900").mysqld("back_log", "90").build());

    assertThat(after.get(StatefulSetDependent.RESTART_HASH)).isEqualTo(before.get(StatefulSetDependent.RESTART_HASH));
    assertThat(StatefulSetDependent.settingsOf(before)).isEmpty();
    assertThat(StatefulSetDependent.settingsOf(after)).containsExactlyEntriesOf(new java.util.TreeMap<>(Map.of("back_log", "90",
        "max_connections", "900")));
  }

  @Test
  void aVersionResourcesOrTandemConfigChangeChangesTheRestartHash() {
    var base = templateAnnotations(ClusterFixture.named("shop").mariaDb().build()).get(StatefulSetDependent.RESTART_HASH);
    var upgraded = ClusterFixture.named("shop").mariaDb().build();
    upgraded.getSpec().getEngine().setVersion("11.4");
    var resized = ClusterFixture.named("shop").mariaDb().build();
    resized.getSpec().setResources(new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
        .addToLimits("memory", new Quantity("2Gi")).build());
    var asyncNow = ClusterFixture.named("shop").mariaDb().async().build();

    assertThat(templateAnnotations(upgraded).get(StatefulSetDependent.RESTART_HASH)).isNotEqualTo(base);
    assertThat(templateAnnotations(resized).get(StatefulSetDependent.RESTART_HASH)).isNotEqualTo(base);
    assertThat(templateAnnotations(asyncNow).get(StatefulSetDependent.RESTART_HASH)).isNotEqualTo(base);
    assertThat(templateAnnotations(ClusterFixture.named("shop").mariaDb().build()).get(StatefulSetDependent.RESTART_HASH)).isEqualTo(base);
  }

  @Test
  void aPodWithoutTheSettingsAnnotationRunsNoSettings() {
    assertThat(StatefulSetDependent.settingsOf(Map.of())).isEmpty();
    assertThat(StatefulSetDependent.settingsOf(null)).isEmpty();
  }

  private static Map<String, String> templateAnnotations(dev.tandem.api.MySQLCluster cluster) {
    return StatefulSetDependent.desiredFor(cluster).getSpec().getTemplate().getMetadata().getAnnotations();
  }

  @Test
  void aRestoreSourceDoesNotChangeTheRestartHash() {
    var cluster = ClusterFixture.named("shop").mariaDb().build();
    var monday = RestoresTest.backup("monday", "shop", "backups", BackupPhase.Completed, "2026-11-23T03:00:40Z");
    var source = RestoreSource.of(monday).orElseThrow();

    var restored = StatefulSetDependent.desiredFor(cluster, Optional.of(source), Seeding.NONE).getSpec().getTemplate();

    var init = restored.getSpec().getInitContainers().stream().filter(c -> c.getName().equals(StatefulSetDependent.INIT_CONTAINER)).findFirst();
    assertThat(env(init.orElseThrow(), "RESTORE_DIR").getValue()).isEqualTo("/restore/prod/shop/monday");
    assertThat(restored.getMetadata().getAnnotations().get(StatefulSetDependent.RESTART_HASH))
        .isEqualTo(templateAnnotations(cluster).get(StatefulSetDependent.RESTART_HASH));
  }

  @Test
  void seedingReachesBothInitContainersWithoutChangingTheRestartHash() {
    var cluster = ClusterFixture.named("shop").mariaDb().build();
    var seeding = new Seeding(true, Map.of("shop-2", "1700000000"));

    var sts = StatefulSetDependent.desiredFor(cluster, Optional.empty(), seeding);

    var names = sts.getSpec().getTemplate().getSpec().getInitContainers().stream().map(Container::getName).toList();
    assertThat(names).as("the seed container runs before init, which prepares what it received").containsExactly("seed", "init");
    for (String name : names) {
      assertThat(env(container(sts, name), "SEED_EMPTY").getValue()).isEqualTo("true");
      assertThat(env(container(sts, name), "RESEED").getValue()).isEqualTo("shop-2@1700000000");
    }
    assertThat(container(sts, "seed").getCommand()).containsExactly("bash", "/etc/tandem/init.sh", "receive");
    assertThat(Seeding.reseedsOf(sts)).containsExactly(Map.entry("shop-2", "1700000000"));
    assertThat(sts.getSpec().getTemplate().getMetadata().getAnnotations().get(StatefulSetDependent.RESTART_HASH))
        .isEqualTo(templateAnnotations(cluster).get(StatefulSetDependent.RESTART_HASH));
    assertThat(container(StatefulSetDependent.desiredFor(cluster), "seed").getEnv())
        .noneMatch(e -> e.getName().equals("SEED_EMPTY") || e.getName().equals("RESEED"));
  }

  @Test
  void aPodRunsItsRuntimeSettingsUntilItsMysqldRestartsThenWhatItStartedWith() {
    var pod = new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata()
        .addToAnnotations(StatefulSetDependent.MYSQLD_SETTINGS, StatefulSetDependent.settingsAnnotation(Map.of("max_connections", "100")))
        .endMetadata().withNewStatus().addNewContainerStatus().withName(StatefulSetDependent.MYSQLD_CONTAINER).withRestartCount(2)
        .endContainerStatus().endStatus().build();
    assertThat(StatefulSetDependent.runningSettings(pod)).containsExactly(Map.entry("max_connections", "100"));

    pod.getMetadata().getAnnotations().put(StatefulSetDependent.RUNTIME_SETTINGS,
        StatefulSetDependent.runtimeSettingsAnnotation(Map.of("max_connections", "200"), pod));
    assertThat(StatefulSetDependent.runningSettings(pod)).containsExactly(Map.entry("max_connections", "200"));

    pod.getStatus().getContainerStatuses().get(0).setRestartCount(3);
    assertThat(StatefulSetDependent.runningSettings(pod)).containsExactly(Map.entry("max_connections", "100"));
  }

  @Test
  void anAnnotationTandemDidNotWriteCountsAsNoSettings() {
    assertThat(StatefulSetDependent.settingsOf(Map.of(StatefulSetDependent.MYSQLD_SETTINGS, "{not json"))).isEmpty();
  }

  @Test
  void aChangedSettingIsSetAndARemovedOneGoesBackToTandemsValueOrTheDefault() {
    var cluster = ClusterFixture.named("shop").mariaDb().build();
    var running = Map.of("max_connections", "100", "binlog-expire-logs-seconds", "3600", "long_query_time", "2", "back_log", "90");
    var wanted = Map.of("max_connections", "200", "back_log", "90");

    var values = StatefulSetDependent.settingsToChange(cluster, running, wanted);

    assertThat(values).containsExactlyEntriesOf(new java.util.TreeMap<>(Map.of(
        "binlog-expire-logs-seconds", Optional.of("604800"),
        "long_query_time", Optional.<String>empty(),
        "max_connections", Optional.of("200"))));
  }

  @Test
  void withTlsBothContainersMountTheCertificateReadableByMysqldOnly() {
    var sts = StatefulSetDependent.desiredFor(ClusterFixture.named("shop").tls(true).build());
    var template = sts.getSpec().getTemplate().getSpec();

    assertThat(template.getVolumes()).filteredOn(volume -> volume.getName().equals("tls")).singleElement().satisfies(volume -> {
      assertThat(volume.getSecret().getSecretName()).isEqualTo("shop-tls");
      assertThat(volume.getSecret().getDefaultMode()).isEqualTo(0440);
    });
    // By name: the first init container is the seed's, which runs before init does.
    for (var container : java.util.List.of(container(sts, StatefulSetDependent.INIT_CONTAINER),
        container(sts, StatefulSetDependent.MYSQLD_CONTAINER))) {
      assertThat(container.getVolumeMounts()).as(container.getName())
          .anySatisfy(mount -> assertThat(mount.getMountPath()).isEqualTo("/etc/mysql/tls"));
    }
    assertThat(StatefulSetDependent.desiredFor(ClusterFixture.named("shop").build()).getSpec().getTemplate().getSpec().getVolumes())
        .noneMatch(volume -> volume.getName().equals("tls"));
  }
}
