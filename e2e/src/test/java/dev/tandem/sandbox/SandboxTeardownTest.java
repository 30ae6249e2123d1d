package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.testing.Commands;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Closing the sandbox stops everything it started and waits for it, whatever state each Pod is
 * in: mid init container, running, or deleted and still inside its grace period. Afterwards no
 * process of any Pod lives, no Pod network is left, and nothing writes into the sandbox's files.
 */
class SandboxTeardownTest {

  static final String NS = "teardown";

  @TempDir Path dir;

  @Test
  void closingMidInitMidRunAndMidGracePeriodLeavesNoProcessNoNetworkAndNoWriter() throws Exception {
    Sandbox.assumeRoot();
    Path root = dir.resolve("sandbox");
    var sandbox = Sandbox.start(root, Duration.ofSeconds(1));
    var pids = new ArrayList<Long>();
    var networks = new ArrayList<String>();
    try {
      var pods = sandbox.api().client().pods().inNamespace(NS);
      // Each writes into its claim from a background child, as init.sh's bootstrap mariadbd does.
      var initializing = pods.resource(pod("initializing", "while true; do date > /data/init-$RANDOM; sleep 0.01; done & wait", "sleep 600", 30)).create();
      var running = pods.resource(pod("running", "true", "while true; do date > /data/main-$RANDOM; sleep 0.01; done & wait", 30)).create();
      // Ignores SIGTERM: stopping it takes the whole grace period and then SIGKILL.
      var deleted = pods.resource(pod("deleted", "true", "trap '' TERM; sleep 600 & wait", 3)).create();
      for (Pod pod : List.of(initializing, running, deleted)) {
        String network = PodNetwork.PREFIX + "-" + pod.getMetadata().getUid();
        networks.add(network);
        await().atMost(Duration.ofSeconds(30)).until(() -> processesIn(network).size() >= 2);
        pids.addAll(processesIn(network));
      }
      pods.withName("deleted").delete();
      await().atMost(Duration.ofSeconds(10)).until(() -> pods.withName("deleted").get() == null);
    } finally {
      sandbox.close();
    }

    assertThat(pids).as("every process the Pods ran, init containers' children included, has exited")
        .allSatisfy(pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("pid " + pid).isEmpty());
    assertThat(Commands.run("ip", "netns", "list")).as("no Pod network is left").doesNotContain(networks.get(0))
        .doesNotContain(networks.get(1)).doesNotContain(networks.get(2));
    try (Stream<Path> left = Files.list(root.resolve("pods"))) {
      assertThat(left).as("each Pod's own files are removed with it").isEmpty();
    }
    Commands.run("rm", "-r", root.resolve("claims").toString());
    assertThat(root.resolve("claims")).as("claims delete cleanly: nothing writes into them any more").doesNotExist();
  }

  private static List<Long> processesIn(String network) {
    return Commands.tryRun("ip", "netns", "pids", network).orElse("").lines().map(String::strip).filter(line -> !line.isEmpty())
        .map(Long::parseLong).toList();
  }

  private static Pod pod(String name, String initScript, String mainScript, long graceSeconds) {
    return new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
        .withNewSpec().withTerminationGracePeriodSeconds(graceSeconds)
        .addNewInitContainer().withName("init").withImage("debian").withCommand("bash", "-c", initScript)
        .addNewVolumeMount().withName("data").withMountPath("/data").endVolumeMount().endInitContainer()
        .addNewContainer().withName("main").withImage("debian").withCommand("bash", "-c", mainScript)
        .addNewVolumeMount().withName("data").withMountPath("/data").endVolumeMount().endContainer()
        .addNewVolume().withName("data").withNewPersistentVolumeClaim().withClaimName("data-" + name).endPersistentVolumeClaim().endVolume()
        .endSpec().build();
  }
}
