package dev.tandem.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The committed CRDs are what the api classes generate. Quarkus writes the CRD while it builds the
 * application for a @QuarkusTest, so this check lives in one.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = GrantLeaseAccess.class)
class GeneratedCrdTest {

  static final List<String> CRDS = List.of("mysqlclusters.mysql.tandem.dev-v1.yml", "mysqlbackups.mysql.tandem.dev-v1.yml",
      "mysqlbackupschedules.mysql.tandem.dev-v1.yml", "mysqldatabases.mysql.tandem.dev-v1.yml",
      "mysqlusers.mysql.tandem.dev-v1.yml", "mysqlgrants.mysql.tandem.dev-v1.yml");

  @Test
  void theCommittedCrdsMatchTheApiClasses() throws IOException {
    for (String crd : CRDS) {
      String generated = Files.readString(Path.of("target/kubernetes", crd));

      assertThat(Files.readString(Path.of("crds", crd)))
          .as("crds/%s is stale: run 'make crds' and commit the result", crd)
          .isEqualTo(generated);
      assertThat(Files.readString(Path.of("helm/tandem-operator/crds", crd)))
          .as("helm/tandem-operator/crds/%s is stale: run 'make crds' and commit the result", crd)
          .isEqualTo(generated);
    }
  }
}
