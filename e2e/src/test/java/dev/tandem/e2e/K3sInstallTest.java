package dev.tandem.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.k3s.K3sContainer;

/**
 * Against a real API server (K3s): the CRD installs, its CEL rules compile within the API
 * server's cost budget, and it refuses a bad spec with the message the admission tests expect.
 * Runs wherever a Docker engine exists; elsewhere it is skipped with the reason printed.
 */
class K3sInstallTest {

  static K3sContainer k3s;

  @BeforeAll
  static void startK3sOrSkip() {
    k3s = K3s.startOrSkip("K3sInstallTest");
  }

  @AfterAll
  static void stopK3s() {
    if (k3s != null) {
      k3s.stop();
    }
  }

  @Test
  void theCrdInstallsAndRefusesABadSpec() throws Exception {
    try (var client = K3s.client(k3s)) {
      K3s.installCrds(client);
      var bad = """
          apiVersion: mysql.tandem.dev/v1alpha1
          kind: MySQLCluster
          metadata: {name: shop, namespace: default}
          spec: {topology: DualMaster, instances: 1}
          """;
      var error = Assertions.assertThrows(KubernetesClientException.class,
          () -> client.resource(client.getKubernetesSerialization().unmarshal(bad, GenericKubernetesResource.class)).create());
      assertThat(error.getMessage()).contains("DualMaster needs instances >= 2");
    }
  }
}
