package dev.tandem.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * manifests/install.yaml is the chart rendered with its defaults plus the CRD, so that one
 * `kubectl apply -f` installs everything. Regenerate with `make manifests`.
 */
class InstallManifestTest {

  static final Path INSTALL = Path.of("manifests/install.yaml");
  static final List<Path> CRDS =
      List.of(Path.of("crds/mysqlclusters.mysql.tandem.dev-v1.yml"), Path.of("crds/mysqlbackups.mysql.tandem.dev-v1.yml"),
          Path.of("crds/mysqlbackupschedules.mysql.tandem.dev-v1.yml"), Path.of("crds/mysqldatabases.mysql.tandem.dev-v1.yml"),
          Path.of("crds/mysqlusers.mysql.tandem.dev-v1.yml"), Path.of("crds/mysqlgrants.mysql.tandem.dev-v1.yml"));

  static String expected() throws IOException {
    return "# Tandem operator: CRD, RBAC and Deployment in namespace " + ChartRendering.NAMESPACE + ".\n"
        + "# Generated from helm/tandem-operator by `make manifests`; do not edit.\n"
        + "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ChartRendering.NAMESPACE + "\n---\n"
        + String.join("\n---\n", CRDS.stream().map(InstallManifestTest::read).toList()) + "\n"
        + ChartRendering.renderDefaults().strip() + "\n";
  }

  private static String read(Path crd) {
    try {
      return Files.readString(crd).strip();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * With {@code -Dtandem.regenerate=true} ({@code make manifests}) the file is rewritten first; the
   * text comparison is then trivially true, so what proves the file is the object comparison: the
   * objects parsed from it are, one for one, the Namespace, the committed CRDs and the chart's.
   */
  @Test
  void theInstallManifestIsTheChartRenderedWithTheCommittedCrd() throws IOException {
    boolean regenerate = Boolean.getBoolean("tandem.regenerate");
    if (regenerate) {
      Files.writeString(INSTALL, expected());
    } else {
      assertThat(Files.readString(INSTALL)).as("manifests/install.yaml is stale: run 'make manifests'").isEqualTo(expected());
    }
    var objects = ChartRendering.objects(Files.readString(INSTALL));
    var expectedObjects = new ArrayList<HasMetadata>();
    expectedObjects.add(new NamespaceBuilder().withNewMetadata().withName(ChartRendering.NAMESPACE).endMetadata().build());
    for (Path crd : CRDS) {
      expectedObjects.addAll(ChartRendering.objects(read(crd)));
    }
    expectedObjects.addAll(ChartRendering.objects(ChartRendering.renderDefaults()));
    assertThat(objects).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(expectedObjects);
    assertThat(objects).filteredOn(CustomResourceDefinition.class::isInstance).extracting(crd -> crd.getMetadata().getName())
        .containsExactly("mysqlclusters.mysql.tandem.dev", "mysqlbackups.mysql.tandem.dev", "mysqlbackupschedules.mysql.tandem.dev",
            "mysqldatabases.mysql.tandem.dev", "mysqlusers.mysql.tandem.dev", "mysqlgrants.mysql.tandem.dev");
    assertThat(objects).extracting(o -> o.getKind()).contains("Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Deployment", "Service");
  }
}
