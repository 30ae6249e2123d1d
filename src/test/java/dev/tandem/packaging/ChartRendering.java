package dev.tandem.packaging;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Renders the chart the way `helm template` does, with the values a user would set. The sandbox
 * installs what it renders, so the operator runs there with the chart's own permissions.
 */
public final class ChartRendering {

  public static final Path CHART = Path.of("helm/tandem-operator");
  public static final String RELEASE = "tandem-operator";
  public static final String NAMESPACE = "tandem-system";

  private ChartRendering() {}

  public static String renderDefaults() {
    return new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE).call();
  }

  /** Renders with a values file, as `helm template -f values.yaml` would. */
  public static String renderWithValues(String valuesYaml) {
    try {
      Path values = Files.createTempFile("values", ".yaml");
      try {
        Files.writeString(values, valuesYaml);
        return new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE).withValuesFile(values).call();
      } finally {
        Files.deleteIfExists(values);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static List<HasMetadata> objects(String yaml) {
    return Arrays.stream(yaml.split("(?m)^---\\s*$"))
        .filter(doc -> doc.lines().anyMatch(line -> line.startsWith("kind:")))
        .map(doc -> (HasMetadata) Serialization.unmarshal(doc))
        .filter(Objects::nonNull)
        .toList();
  }
}
