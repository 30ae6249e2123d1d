package dev.tandem.e2e;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/** A real single-node Kubernetes (K3s) in a container, for the suites that need a real API server and kubelet. */
final class K3s {

  static final String IMAGE = "rancher/k3s:v1.31.4-k3s1";

  private K3s() {}

  /** Starts K3s, or skips the calling suite with the reason printed when there is no Docker engine. */
  static K3sContainer startOrSkip(String suite) {
    boolean docker = DockerClientFactory.instance().isDockerAvailable();
    if (!docker) {
      System.out.println("SKIPPED " + suite + ": no Docker engine on this machine; the K3s suite runs where one exists (see e2e/README.md).");
    }
    Assumptions.assumeTrue(docker, "no Docker engine on this machine; the K3s suite runs where one exists");
    var k3s = new K3sContainer(DockerImageName.parse(IMAGE));
    k3s.start();
    return k3s;
  }

  static KubernetesClient client(K3sContainer k3s) {
    return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(k3s.getKubeConfigYaml())).build();
  }

  /** Installs every committed CRD and waits until the API server serves it. */
  static void installCrds(KubernetesClient client) throws IOException {
    try (Stream<Path> files = Files.list(Path.of("crds"))) {
      for (var file : files.filter(f -> f.toString().endsWith(".yml")).sorted().toList()) {
        var crd = client.getKubernetesSerialization().unmarshal(Files.readString(file), CustomResourceDefinition.class);
        client.resource(crd).serverSideApply();
        client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
            .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions().stream()
                .anyMatch(cond -> "Established".equals(cond.getType()) && "True".equals(cond.getStatus())), 60, TimeUnit.SECONDS);
      }
    }
  }
}
