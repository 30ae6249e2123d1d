package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tandem.api.MySQLCluster;
import dev.tandem.kubernetes.ClusterFixture;
import dev.tandem.kubernetes.ClusterLabels;
import dev.tandem.kubernetes.ConfigMapDependent;
import dev.tandem.kubernetes.CredentialsSecret;
import dev.tandem.kubernetes.ServiceDependents;
import dev.tandem.kubernetes.StatefulSetDependent;
import dev.tandem.replication.Endpoint;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.readiness.Readiness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox runs what the operator declares: a StatefulSet becomes real mariadbd processes,
 * each in its own network with its own IP; a killed container restarts; a deleted Pod's process
 * is gone and the Pod comes back with its data; deleting the cluster removes everything it owned.
 */
class SandboxClusterTest {

  static final String NS = "prod";

  @TempDir Path dir;
  Sandbox sandbox;
  MySQLCluster cluster;
  String operatorPassword;

  @BeforeEach
  void startSandboxWithTheOperatorsObjects() throws Exception {
    Sandbox.assumeRoot();
    sandbox = Sandbox.start(dir.resolve("sandbox"), Duration.ofSeconds(1));
    sandbox.api().createNamespace(NS);
    var client = sandbox.api().client();
    var wish = ClusterFixture.named("shop").mariaDb().instances(2).mysqld("innodb_buffer_pool_size", "32M").build();
    wish.getMetadata().setUid(null);
    wish.getMetadata().setNamespace(NS);
    cluster = client.resource(wish).create();
    var secret = CredentialsSecret.generate(cluster);
    client.resource(secret).create();
    operatorPassword = new String(Base64.getDecoder().decode(secret.getData().get(CredentialsSecret.OPERATOR_PASSWORD)), StandardCharsets.UTF_8);
    // Owned by the cluster, as the operator's dependents are.
    var config = ConfigMapDependent.desiredFor(cluster);
    config.addOwnerReference(cluster);
    client.resource(config).create();
    var statefulSet = StatefulSetDependent.desiredFor(cluster);
    statefulSet.addOwnerReference(cluster);
    client.resource(statefulSet).create();
  }

  @AfterEach
  void stopSandbox() {
    if (sandbox != null) {
      sandbox.close();
    }
  }

  Pod awaitReady(String name) {
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
      var pod = sandbox.api().client().pods().inNamespace(NS).withName(name).get();
      return pod != null && Readiness.isPodReady(pod);
    });
    return sandbox.api().client().pods().inNamespace(NS).withName(name).get();
  }

  String query(Pod pod, String sql) throws Exception {
    try (var connection = DriverManager.getConnection("jdbc:mysql://" + pod.getStatus().getPodIP() + ":3306/?connectTimeout=2000",
        "tandem", operatorPassword); var result = connection.createStatement().executeQuery(sql)) {
      result.next();
      return result.getString(1);
    }
  }

  @Test
  void aStatefulSetBecomesMariadbdProcessesEachWithItsOwnAddress() throws Exception {
    var first = awaitReady("shop-0");
    var second = awaitReady("shop-1");

    assertThat(first.getStatus().getPodIP()).startsWith("10.244.0.").isNotEqualTo(second.getStatus().getPodIP());
    assertThat(query(first, "SELECT @@server_id")).isEqualTo("1000");
    assertThat(query(second, "SELECT @@server_id")).isEqualTo("1001");
    assertThat(query(second, "SELECT @@read_only")).isEqualTo("1");
    assertThat(sandbox.api().client().persistentVolumeClaims().inNamespace(NS).withName("data-shop-1").get()).isNotNull();
  }

  @Test
  void aKilledContainerRestartsAndADeletedPodComesBackWithItsData() throws Exception {
    var pod = awaitReady("shop-0");
    var handle = sandbox.kubelet().runtime(NS, "shop-0").process().orElseThrow();
    handle.destroyForcibly();

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      var restarted = sandbox.api().client().pods().inNamespace(NS).withName("shop-0").get();
      assertThat(restarted.getStatus().getContainerStatuses().get(0).getRestartCount()).isGreaterThanOrEqualTo(1);
    });
    pod = awaitReady("shop-0");
    String position = query(pod, "SELECT @@gtid_binlog_pos");
    try (var connection = DriverManager.getConnection("jdbc:mysql://" + pod.getStatus().getPodIP() + ":3306/", "tandem", operatorPassword)) {
      connection.createStatement().execute("CREATE USER marker@'%'");
    }
    String written = query(pod, "SELECT @@gtid_binlog_pos");
    assertThat(written).isNotEqualTo(position);

    var oldProcess = sandbox.kubelet().runtime(NS, "shop-0").process().orElseThrow();
    sandbox.api().client().resource(pod).delete();

    await().atMost(Duration.ofSeconds(60)).until(() -> !oldProcess.isAlive());
    var replaced = awaitReady("shop-0");
    assertThat(replaced.getMetadata().getUid()).isNotEqualTo(pod.getMetadata().getUid());
    assertThat(query(replaced, "SELECT @@gtid_binlog_pos")).as("the claim's data outlived the Pod").isEqualTo(written);
  }

  void label(String pod, String role) {
    sandbox.api().client().pods().inNamespace(NS).withName(pod).edit(p -> {
      if (role == null) {
        p.getMetadata().getLabels().remove(ClusterLabels.ROLE);
      } else {
        p.getMetadata().getLabels().put(ClusterLabels.ROLE, role);
      }
      return p;
    });
  }

  @Test
  void theWriterServiceResolvesToThePodLabelledMasterAndFollowsTheLabel() throws Exception {
    for (var service : List.of(ServiceDependents.writer(cluster), ServiceDependents.readers(cluster))) {
      service.addOwnerReference(cluster);
      sandbox.api().client().resource(service).create();
    }
    var first = awaitReady("shop-0");
    var second = awaitReady("shop-1");
    var proxy = new ServiceProxy(sandbox.api().client());
    assertThat(proxy.endpoints(NS, "shop")).as("nobody is master yet").isEmpty();

    label("shop-1", ClusterLabels.ROLE_MASTER);
    label("shop-0", ClusterLabels.ROLE_REPLICA);

    var writer = proxy.connectTo(NS, "shop").orElseThrow();
    assertThat(writer).isEqualTo(new Endpoint(second.getStatus().getPodIP(), 3306));
    try (var connection = DriverManager.getConnection("jdbc:mysql://" + writer + "/", "tandem", operatorPassword);
        var result = connection.createStatement().executeQuery("SELECT @@server_id")) {
      result.next();
      assertThat(result.getString(1)).as("a connection through the writer Service reaches shop-1").isEqualTo("1001");
    }
    assertThat(proxy.endpoints(NS, "shop-replicas")).containsExactly(new Endpoint(first.getStatus().getPodIP(), 3306));

    label("shop-1", null);
    label("shop-0", ClusterLabels.ROLE_MASTER);
    assertThat(proxy.endpoints(NS, "shop")).containsExactly(new Endpoint(first.getStatus().getPodIP(), 3306));
    assertThat(proxy.endpoints(NS, "shop-replicas")).isEmpty();
  }

  void asRoot(String pod, String sql) throws Exception {
    var secret = sandbox.api().client().secrets().inNamespace(NS).withName("shop-credentials").get();
    sandbox.kubelet().runtime(NS, pod).sqlAsRoot(
        new String(Base64.getDecoder().decode(secret.getData().get(CredentialsSecret.ROOT_PASSWORD)), StandardCharsets.UTF_8), sql);
  }

  @Test
  void aJobRunsOncePerPodItsStatusFollowsTheExitItsLogIsServedAndItsNetworkIsReleased() {
    var jobs = sandbox.api().client().batch().v1().jobs().inNamespace(NS);
    for (var job : List.of(job("says-hello", "echo hello from $(hostname -I); exit 0"), job("fails", "echo broken >&2; exit 3"))) {
      jobs.resource(job).create();
    }

    // A Job has no status until the controller first writes one.
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
      assertThat(jobs.withName("says-hello").get().getStatus().getSucceeded()).isEqualTo(1);
      assertThat(jobs.withName("fails").get().getStatus().getFailed()).isEqualTo(1);
    });
    assertThat(jobs.withName("says-hello").get().getStatus().getConditions()).anySatisfy(c -> assertThat(c.getType()).isEqualTo("Complete"));
    var pods = sandbox.api().client().pods().inNamespace(NS);
    var hello = pods.withLabel("job-name", "says-hello").list().getItems();
    assertThat(hello).singleElement().satisfies(pod -> assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded"));
    assertThat(pods.withName(hello.get(0).getMetadata().getName()).inContainer("main").getLog())
        .as("the log as kubectl logs shows it: printed inside the Pod's own network")
        .startsWith("hello from " + hello.get(0).getStatus().getPodIP());
    var failed = pods.withLabel("job-name", "fails").list().getItems().get(0);
    assertThat(failed.getStatus().getPhase()).isEqualTo("Failed");
    assertThat(failed.getStatus().getContainerStatuses().get(0).getState().getTerminated().getExitCode()).isEqualTo(3);
    assertThat(pods.withName(failed.getMetadata().getName()).inContainer("main").getLog()).contains("broken");
    for (var finished : List.of(hello.get(0), failed)) {
      assertThatThrownBy(() -> sandbox.network().attachment(finished.getMetadata().getUid()))
          .as("a finished Pod's address is free for another Pod, while the Pod object stays")
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  /** As the kubelet runs a Pod's sidecar (Tandem's exporter): beside the first container, in its network, in its readiness. */
  @Test
  void everyContainerOfAPodRunsInItsNetworkAndThePodIsReadyOnlyWhileAllRun() {
    var pods = sandbox.api().client().pods().inNamespace(NS);
    pods.resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("two-containers").withNamespace(NS).endMetadata()
        .withNewSpec()
        .addNewContainer().withName("main").withImage("debian").withCommand("sleep", "600").endContainer()
        .addNewContainer().withName("side").withImage("debian").withCommand("bash", "-c", "echo side in $(hostname -I); sleep 4; exit 1")
        .endContainer()
        .endSpec().build()).create();

    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
      var pod = pods.withName("two-containers").get();
      assertThat(pod.getStatus().getContainerStatuses()).extracting(c -> c.getName() + " " + (c.getState().getRunning() != null))
          .containsExactly("main true", "side true");
      assertThat(Readiness.isPodReady(pod)).isTrue();
    });
    String ip = pods.withName("two-containers").get().getStatus().getPodIP();
    // Running is reported once the process starts, a moment before its first line is written.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(pods.withName("two-containers").inContainer("side").getLog()).startsWith("side in " + ip));
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
      var pod = pods.withName("two-containers").get();
      assertThat(pod.getStatus().getContainerStatuses()).extracting(c -> c.getName() + " " + (c.getState().getRunning() != null
          ? "running" : c.getState().getWaiting().getReason())).containsExactly("main running", "side CrashLoopBackOff");
      assertThat(Readiness.isPodReady(pod)).as("a sidecar that exited leaves the Pod not ready").isFalse();
    });
    pods.withName("two-containers").delete();
  }

  static io.fabric8.kubernetes.api.model.batch.v1.Job job(String name, String script) {
    return new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).endMetadata()
        .withNewSpec().withBackoffLimit(0).withNewTemplate().withNewSpec().withRestartPolicy("Never")
        .addNewContainer().withName("main").withImage("debian").withCommand("bash", "-c", script).endContainer()
        .endSpec().endTemplate().endSpec().build();
  }

  /** How an operator outside the cluster reaches mysqld (tandem.instance-access=port-forward). */
  @Test
  void aPortForwardThroughTheApiServerReachesThePodsMysqldAndFailsOnceThePodIsGone() throws Exception {
    awaitReady("shop-1");
    var pods = sandbox.api().client().pods().inNamespace(NS);
    try (var forward = pods.withName("shop-1").portForward(3306);
        var connection = DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + forward.getLocalPort() + "/",
            StatefulSetDependent.OPERATOR_USER, operatorPassword);
        var rows = connection.createStatement().executeQuery("SELECT @@server_id, @@hostname")) {
      assertThat(rows.next()).isTrue();
      assertThat(rows.getLong(1)).as("the server of shop-1 (init.sh: 1000 + ordinal)").isEqualTo(1001);
    }

    try (var forward = pods.withName("shop-1").portForward(3306)) {
      var mysqld = sandbox.kubelet().runtime(NS, "shop-1").process().orElseThrow();
      mysqld.destroyForcibly();
      mysqld.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
      var refused = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
          () -> DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + forward.getLocalPort() + "/?connectTimeout=5000",
              StatefulSetDependent.OPERATOR_USER, operatorPassword).close());
      assertThat(refused.getMessage()).as("a forward to a dead container fails the connection").contains("Communications link failure");
    }
  }

  @Test
  void anApplicationPodWritesThroughTheWriterServiceAndACutStopsItsWritesUntilHealed() throws Exception {
    var writerService = ServiceDependents.writer(cluster);
    writerService.addOwnerReference(cluster);
    sandbox.api().client().resource(writerService).create();
    var master = awaitReady("shop-0");
    asRoot("shop-0", "SET GLOBAL read_only = OFF; CREATE USER app@'%' IDENTIFIED BY 'app-pw'; GRANT ALL ON app.* TO app@'%';"
        + " CREATE DATABASE app; CREATE TABLE app.writes (id BIGINT PRIMARY KEY)");
    label("shop-0", ClusterLabels.ROLE_MASTER);

    try (var client = ClientPod.writer(sandbox, NS, "shop", "app", "app-pw", "app.writes", 1)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> client.acknowledgedCount() >= 50);

      // Timed once the cut is in place (ip takes milliseconds); the heal is timed before it starts.
      sandbox.network().cutOff(client.pod());
      long cut = System.nanoTime();
      // The cut lasts until the application itself reports a failed write (its 3 s socket timeout).
      await().atMost(Duration.ofSeconds(30)).until(() -> client.failedSince(cut) > 0);
      long healed = System.nanoTime();
      sandbox.network().heal(client.pod());
      await().atMost(Duration.ofSeconds(30)).until(() -> client.acknowledgedSince(healed) >= 50);

      assertThat(client.acks()).as("no write sent while the client was cut off is acknowledged before the heal")
          .noneMatch(ack -> ack.sentNanos() >= cut && ack.nanos() < healed);
      var acknowledged = client.acks().stream().map(ClientPod.Ack::id).toList();
      try (var connection = DriverManager.getConnection("jdbc:mysql://" + master.getStatus().getPodIP() + ":3306/", "app", "app-pw");
          var rows = connection.createStatement().executeQuery("SELECT id FROM app.writes")) {
        var stored = new HashSet<Long>();
        while (rows.next()) {
          stored.add(rows.getLong(1));
        }
        assertThat(stored).containsAll(acknowledged);
      }
    }
  }

  @Test
  void deletingTheClusterRemovesEverythingItOwnedAndStopsItsProcesses() throws Exception {
    awaitReady("shop-0");
    awaitReady("shop-1");
    var processes = List.of(sandbox.kubelet().runtime(NS, "shop-0").process().orElseThrow(),
        sandbox.kubelet().runtime(NS, "shop-1").process().orElseThrow());

    sandbox.api().client().resource(cluster).delete();

    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
      assertThat(sandbox.api().client().apps().statefulSets().inNamespace(NS).list().getItems()).extracting(s -> s.getMetadata().getName())
          .isEmpty();
      assertThat(sandbox.api().client().pods().inNamespace(NS).list().getItems()).isEmpty();
      assertThat(sandbox.api().client().configMaps().inNamespace(NS).list().getItems()).isEmpty();
      assertThat(processes).noneMatch(ProcessHandle::isAlive);
    });
  }
}
