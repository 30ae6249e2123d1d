package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tandem.api.MySQLCluster;
import dev.tandem.testing.Commands;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClassBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the sandbox's API server adds to the mock server, each against the behaviour measured in MOCK-SERVER.md. */
class SandboxApiServerTest {

  static final String NS = "shop";

  SandboxApiServer api;

  @BeforeEach
  void start() {
    api = SandboxApiServer.start(InetAddress.getLoopbackAddress(), 0);
    api.createNamespace(NS);
  }

  @AfterEach
  void stop() {
    api.close();
  }

  MySQLCluster example() throws Exception {
    return Serialization.unmarshal(Files.readString(Path.of("manifests/examples/mariadb-master-replica.yaml")), MySQLCluster.class);
  }

  @Test
  void aClusterThatBreaksTheCrdRulesIsRefusedWithKubectlsMessage() throws Exception {
    var cluster = example();
    cluster.getSpec().setInstances(17);

    assertThatThrownBy(() -> api.client().resource(cluster).inNamespace(NS).create())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
        .hasMessageContaining("The MySQLCluster \"" + cluster.getMetadata().getName() + "\" is invalid: spec.instances: Invalid value");
    assertThat(api.client().resources(MySQLCluster.class).inNamespace(NS).list().getItems()).isEmpty();
  }

  @Test
  void anAdmittedClusterIsStoredWithTheSchemaDefaults() throws Exception {
    var cluster = example();
    cluster.getSpec().setFailover(null);

    var stored = api.client().resource(cluster).inNamespace(NS).create();

    assertThat(stored.getSpec().getFailover().getProbeIntervalMillis()).isEqualTo(400);
  }

  @Test
  void aChangeTheTransitionRulesForbidIsRefused() throws Exception {
    var stored = api.client().resource(example()).inNamespace(NS).create();
    stored.getSpec().getEngine().setFlavor(dev.tandem.api.Flavor.MySQL);

    assertThatThrownBy(() -> api.client().resource(stored).update()).hasMessageContaining("is invalid");
  }

  @Test
  void deletingAnOwnerDeletesWhatItOwnedDownTheChain() throws Exception {
    var cluster = api.client().resource(example()).inNamespace(NS).create();
    var owner = new OwnerReferenceBuilder().withApiVersion("mysql.tandem.dev/v1alpha1").withKind("MySQLCluster")
        .withName(cluster.getMetadata().getName()).withUid(cluster.getMetadata().getUid()).withController(true).build();
    api.client().resource(new ConfigMapBuilder().withNewMetadata().withName("config").withNamespace(NS).withOwnerReferences(owner)
        .endMetadata().build()).create();
    var statefulSet = api.client().resource(new StatefulSetBuilder().withNewMetadata().withName("sts").withNamespace(NS)
        .withOwnerReferences(owner).endMetadata().build()).create();
    api.client().resource(new PodBuilder().withNewMetadata().withName("sts-0").withNamespace(NS)
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("StatefulSet").withName("sts")
            .withUid(statefulSet.getMetadata().getUid()).build())
        .endMetadata().build()).create();
    api.client().resource(new ConfigMapBuilder().withNewMetadata().withName("unowned").withNamespace(NS).endMetadata().build()).create();

    api.client().resource(cluster).delete();

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(api.client().configMaps().inNamespace(NS).withName("config").get()).isNull();
      assertThat(api.client().apps().statefulSets().inNamespace(NS).withName("sts").get()).isNull();
      assertThat(api.client().pods().inNamespace(NS).withName("sts-0").get()).isNull();
    });
    assertThat(api.client().configMaps().inNamespace(NS).withName("unowned").get()).isNotNull();
  }

  static io.fabric8.kubernetes.api.model.Pod podOfPriorityClass(String name, String priorityClass) {
    return new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
        .withNewSpec().withPriorityClassName(priorityClass).addNewContainer().withName("mariadb").withImage("mariadb:11.4").endContainer()
        .endSpec().build();
  }

  @Test
  void aPodDeletedWithoutGraceIsNamedToTheKubeletAndOneDeletedWithTheDefaultGraceIsNot() {
    var named = new java.util.concurrent.CopyOnWriteArrayList<String>();
    api.onDeletedWithoutGrace(named::add);
    var fenced = api.client().resource(new PodBuilder(podOfPriorityClass("shop-0", "system-node-critical")).build()).create();
    var drained = api.client().resource(new PodBuilder(podOfPriorityClass("shop-1", "system-node-critical")).build()).create();

    api.client().pods().inNamespace(NS).withName("shop-0").withGracePeriod(0).delete();
    api.client().pods().inNamespace(NS).withName("shop-1").delete();

    assertThat(named).containsExactly(fenced.getMetadata().getUid()).doesNotContain(drained.getMetadata().getUid());
    assertThat(api.client().pods().inNamespace(NS).list().getItems()).isEmpty();
  }

  @Test
  void aPodNamingAPriorityClassThatDoesNotExistIsForbiddenAndCreatedOnceTheClassExists() {
    var pod = podOfPriorityClass("catalog-0", "database");

    assertThatThrownBy(() -> api.client().resource(pod).create())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> {
          var status = ((KubernetesClientException) e).getStatus();
          assertThat(status.getCode()).isEqualTo(403);
          assertThat(status.getReason()).isEqualTo("Forbidden");
          assertThat(status.getMessage()).isEqualTo("pods \"catalog-0\" is forbidden: no PriorityClass with name database was found");
        });
    assertThat(api.client().pods().inNamespace(NS).withName("catalog-0").get()).isNull();

    api.client().resource(new PriorityClassBuilder().withNewMetadata().withName("database").endMetadata().withValue(1_000_000).build()).create();

    assertThat(api.client().resource(pod).create().getSpec().getPriorityClassName()).isEqualTo("database");
    assertThat(api.client().pods().inNamespace(NS).withName("catalog-0").get()).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"system-cluster-critical", "system-node-critical"})
  void theBuiltInPriorityClassesNeedNoObject(String priorityClass) {
    api.client().resource(podOfPriorityClass("critical", priorityClass)).create();

    assertThat(api.client().pods().inNamespace(NS).withName("critical").get().getSpec().getPriorityClassName()).isEqualTo(priorityClass);
  }

  @Test
  void aStatusUpdateFromAStaleVersionIsAConflict() throws Exception {
    var stale = api.client().resource(example()).inNamespace(NS).create();
    var fresh = api.client().resources(MySQLCluster.class).inNamespace(NS).withName(stale.getMetadata().getName()).get();
    fresh.setStatus(new dev.tandem.api.MySQLClusterStatus());
    fresh.getStatus().setMaster("shop-0");
    api.client().resource(fresh).updateStatus();

    stale.setStatus(new dev.tandem.api.MySQLClusterStatus());
    stale.getStatus().setMaster("shop-1");
    assertThatThrownBy(() -> api.client().resource(stale).updateStatus())
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(409));
    assertThat(api.client().resources(MySQLCluster.class).inNamespace(NS).withName(stale.getMetadata().getName()).get()
        .getStatus().getMaster()).isEqualTo("shop-0");
  }

  /**
   * A watch dropped, and while its client waited to resume, an object left what it watches: the
   * client must not keep it. The mock replayed what exists and never said what left.
   */
  @ParameterizedTest
  @ValueSource(strings = {"deleted", "relabelled"})
  void anInformerThatMissedAnObjectLeavingWhileItsWatchWasDownListsAgainAndForgetsIt(String how) {
    for (String name : new String[] {"kept", "leaving"}) {
      api.client().resource(new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(NS)
          .withLabels(Map.of("app", "shop")).endMetadata().build()).create();
    }
    // A resume two seconds after the drop leaves room to change the store while no watch is open.
    var config = new ConfigBuilder(api.client().getConfiguration()).withWatchReconnectInterval(2000).build();
    try (var client = new KubernetesClientBuilder().withConfig(config).build();
        var informer = client.configMaps().inNamespace(NS).withLabel("app", "shop").inform()) {
      assertThat(informer.getStore().listKeys()).containsExactlyInAnyOrder(NS + "/kept", NS + "/leaving");
      // The informer opens its watch after its first list, which inform() does not wait for.
      await().atMost(Duration.ofSeconds(10)).until(() -> api.store().openWatches() == 1);

      api.store().dropWatches();
      if (how.equals("deleted")) {
        api.client().configMaps().inNamespace(NS).withName("leaving").delete();
      } else {
        api.client().configMaps().inNamespace(NS).withName("leaving").edit(c -> {
          c.getMetadata().setLabels(Map.of("app", "elsewhere"));
          return c;
        });
      }
      assertThat(api.store().openWatches()).as("no watch resumed before the change").isZero();

      await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
          assertThat(informer.getStore().listKeys()).containsExactly(NS + "/kept"));
      assertThat(api.store().expiredWatches()).as("resumed watches told to list again").isPositive();
    }
  }

  @Test
  void removingTheLastFinalizerOfAnObjectBeingDeletedAnswersWithTheObjectAndRemovesIt() {
    api.client().resource(new ConfigMapBuilder().withNewMetadata().withName("held").withNamespace(NS)
        .withFinalizers("tandem.dev/test").endMetadata().build()).create();
    api.client().configMaps().inNamespace(NS).withName("held").delete();
    var terminating = api.client().configMaps().inNamespace(NS).withName("held").get();
    assertThat(terminating.getMetadata().getDeletionTimestamp()).isNotNull();

    var released = api.client().configMaps().inNamespace(NS).withName("held")
        .patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]");

    assertThat(released).as("the patch's answer").isNotNull();
    assertThat(released.getMetadata().getName()).isEqualTo("held");
    assertThat(released.getMetadata().getFinalizers()).isEmpty();
    assertThat(released.getMetadata().getDeletionTimestamp()).isEqualTo(terminating.getMetadata().getDeletionTimestamp());
    assertThat(Long.parseLong(released.getMetadata().getResourceVersion()))
        .isGreaterThan(Long.parseLong(terminating.getMetadata().getResourceVersion()));
    assertThat(api.client().configMaps().inNamespace(NS).withName("held").get()).as("after the patch").isNull();
  }

  @Test
  void aMergePatchNullRemovesTheField() {
    api.client().resource(new ConfigMapBuilder().withNewMetadata().withName("labelled").withNamespace(NS)
        .withLabels(Map.of("keep", "1", "drop", "1")).endMetadata().build()).create();

    api.client().configMaps().inNamespace(NS).withName("labelled")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"drop\":null}}}");

    assertThat(api.client().configMaps().inNamespace(NS).withName("labelled").get().getMetadata().getLabels())
        .containsExactly(Map.entry("keep", "1"));
  }

  @Test
  void setBasedSelectorsSelect() {
    for (String role : new String[] {"master", "replica", "errant"}) {
      api.client().resource(new ConfigMapBuilder().withNewMetadata().withName(role).withNamespace(NS)
          .withLabels(Map.of("role", role)).endMetadata().build()).create();
    }

    var in = api.client().configMaps().inNamespace(NS).withLabelSelector("role in (master,replica)").list().getItems();
    var notIn = api.client().configMaps().inNamespace(NS).withLabelSelector("role notin (master, replica)").list().getItems();

    assertThat(in).extracting(c -> c.getMetadata().getName()).containsExactlyInAnyOrder("master", "replica");
    assertThat(notIn).extracting(c -> c.getMetadata().getName()).containsExactly("errant");
  }

  @Test
  void discoveryServesTheGroupsAndKubectlCanListClusters(@TempDir Path dir) throws Exception {
    api.client().resource(example()).inNamespace(NS).create();

    assertThat(api.client().getApiGroups().getGroups()).extracting(g -> g.getName()).contains("mysql.tandem.dev", "apps", "scheduling.k8s.io");
    assertThat(api.client().getApiResources("mysql.tandem.dev/v1alpha1").getResources())
        .anySatisfy(r -> assertThat(r.getShortNames()).contains("myc"));

    assertThat(Commands.onPath("kubectl")).as("kubectl on PATH (make deps installs Debian's kubernetes-client)").isTrue();
    var kubeconfig = api.writeKubeconfig(dir.resolve("kubeconfig"));
    assertThat(kubectl(kubeconfig, "get", "myc", "-n", NS, "-o", "name")).contains("mysqlcluster.mysql.tandem.dev/");
  }

  @Test
  void kubectlAppliesDescribesAndPrintsTheColumnsAClusterShowsAndSaysWhyItCannotWatch(@TempDir Path dir) throws Exception {
    assertThat(Commands.onPath("kubectl")).as("kubectl on PATH (make deps installs Debian's kubernetes-client)").isTrue();
    api.createNamespace(NS);
    var kubeconfig = api.writeKubeconfig(dir.resolve("kubeconfig"));

    assertThat(kubectl(kubeconfig, "apply", "-n", NS, "-f", "manifests/examples/mariadb-master-replica.yaml"))
        .isEqualTo("mysqlcluster.mysql.tandem.dev/catalog created\n");
    api.client().resources(MySQLCluster.class).inNamespace(NS).withName("catalog").subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"phase\":\"Ready\",\"master\":\"catalog-0\"}}");
    var clusters = kubectl(kubeconfig, "get", "myc", "-n", NS).lines().map(line -> List.of(line.trim().split("\\s+"))).toList();
    assertThat(clusters.get(0)).containsSubsequence("NAME", "TOPOLOGY", "MASTER", "PHASE");
    assertThat(clusters.get(1)).containsSubsequence("catalog", "MasterReplica", "catalog-0", "Ready");

    api.client().pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("catalog-0").endMetadata()
        .withNewSpec().addNewContainer().withName("mariadb").withImage("mariadb:10.11").endContainer().endSpec().build()).create();
    assertThat(kubectl(kubeconfig, "get", "pods", "-n", NS)).containsPattern("NAME\\s+READY\\s+STATUS\\s+RESTARTS\\s+AGE\\n"
        + "catalog-0\\s+0/1\\s+Pending\\s+0\\s+");
    assertThat(kubectl(kubeconfig, "describe", "pod", "catalog-0", "-n", NS)).contains("Name:", "catalog-0", "mariadb:10.11");

    var watch = kubectlFinished(kubeconfig, "get", "myc", "-n", NS, "-w");
    assertThat(watch.exit()).as(watch.output()).isNotZero();
    assertThat(watch.output()).contains("streams watches over WebSocket only", "watch kubectl get");
  }

  /**
   * kubectl port-forward through the SPDY-in-WebSocket tunnel, to a Pod whose IP is this host's
   * loopback: a request of about 800 kB goes through, the Pod's answer and its close come back,
   * and once the Pod's port is closed, kubectl prints the kubelet's reason and gives up the forward.
   */
  @Test
  void kubectlPortForwardRelaysToThePodsPortAndPrintsWhyAForwardFailed(@TempDir Path dir) throws Exception {
    assertThat(Commands.onPath("kubectl")).as("kubectl on PATH (make deps installs Debian's kubernetes-client)").isTrue();
    var kubeconfig = api.writeKubeconfig(dir.resolve("kubeconfig"));
    var printed = new StringBuffer();
    Process forward = null;
    try (var podPort = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      var asked = CompletableFuture.supplyAsync(() -> answerOnce(podPort));
      api.client().pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("echo").endMetadata()
          .withNewSpec().addNewContainer().withName("echo").withImage("debian").endContainer().endSpec()
          .withNewStatus().withPhase("Running").withPodIP("127.0.0.1").endStatus().build()).create();
      forward = new ProcessBuilder("kubectl", "--kubeconfig", kubeconfig.toString(), "port-forward", "-n", NS, "pod/echo",
          ":" + podPort.getLocalPort()).redirectErrorStream(true).start();
      collectOutput(forward, printed);
      int localPort = Integer.parseInt(await().atMost(Duration.ofSeconds(20)).until(
          () -> Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) -> " + podPort.getLocalPort()).matcher(printed).results()
              .findFirst().map(found -> found.group(1)), java.util.Optional::isPresent).orElseThrow());

      // Many frames each way, which kubectl's writes split across WebSocket messages.
      String question = "question %d; ".repeat(50_000).formatted(java.util.stream.IntStream.range(0, 50_000).boxed().toArray());
      try (var client = new Socket(InetAddress.getLoopbackAddress(), localPort)) {
        client.setSoTimeout(30_000);
        client.getOutputStream().write(question.getBytes(StandardCharsets.UTF_8));
        client.shutdownOutput();
        String answer = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(answer.equals("answer to " + question)).as("the answer, %d chars, is the request's %d and the prefix", answer.length(),
            question.length()).isTrue();
      }
      assertThat(asked.get(10, TimeUnit.SECONDS).equals(question)).as("the Pod read the request whole").isTrue();

      podPort.close();
      try (var client = new Socket(InetAddress.getLoopbackAddress(), localPort)) {
        client.setSoTimeout(30_000);
        assertThat(client.getInputStream().read()).as("a connection to a closed port of the Pod ends").isEqualTo(-1);
      }
      assertThat(forward.waitFor(20, TimeUnit.SECONDS)).as("kubectl gives up the forward: " + printed).isTrue();
      assertThat(printed.toString()).contains("error forwarding port " + podPort.getLocalPort() + " to pod 127.0.0.1: Connection refused");
    } finally {
      if (forward != null) {
        forward.destroyForcibly();
      }
    }
  }

  /** As the Pod: reads one request to its end, answers it and closes; returns the request. */
  private static String answerOnce(ServerSocket podPort) {
    try (var accepted = podPort.accept()) {
      String request = new String(accepted.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      accepted.getOutputStream().write(("answer to " + request).getBytes(StandardCharsets.UTF_8));
      return request;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void collectOutput(Process process, StringBuffer printed) {
    var reader = new Thread(() -> {
      try {
        process.getInputStream().transferTo(new java.io.OutputStream() {
          @Override
          public void write(int b) {
            printed.append((char) b);
          }
        });
      } catch (IOException e) {
        printed.append("unreadable: ").append(e);
      }
    }, "kubectl-output");
    reader.setDaemon(true);
    reader.start();
  }

  private static String kubectl(Path kubeconfig, String... arguments) {
    var finished = kubectlFinished(kubeconfig, arguments);
    assertThat(finished.exit()).as(String.join(" ", arguments) + ": " + finished.output()).isZero();
    return finished.output();
  }

  /** kubectl run to its end, or stopped after 30 s so that a server that never answers fails the test instead of hanging it. */
  private static Commands.Result kubectlFinished(Path kubeconfig, String... arguments) {
    var command = new java.util.ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
    command.addAll(List.of(arguments));
    return Commands.attempt(command.toArray(String[]::new));
  }
}
