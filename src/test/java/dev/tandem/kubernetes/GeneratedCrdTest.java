package dev.tandem.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The committed CRDs are what the api classes generate. Quarkus writes the CRD while it builds the
 * application for a @QuarkusTest, so this check lives in one.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = GrantLeaseAccess.class)
class GeneratedCrdTest {

  static final String CRD = "mysqlclusters.mysql.tandem.dev-v1.yml";

  @Test
  void theCommittedCrdMatchesTheApiClasses() throws IOException {
    String generated = Files.readString(Path.of("target/kubernetes", CRD));

    assertThat(Files.readString(Path.of("crds", CRD)))
        .as("crds/%s is stale: run 'make crds' and commit the result", CRD)
        .isEqualTo(generated);
    assertThat(Files.readString(Path.of("helm/tandem-operator/crds", CRD)))
        .as("helm/tandem-operator/crds/%s is stale: run 'make crds' and commit the result", CRD)
        .isEqualTo(generated);
  }
}
