package dev.tandem.plugin;

import dev.tandem.api.MySQLCluster;
import dev.tandem.kubernetes.Seeding;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "reseed", description = "Re-seeds an instance from a donor (annotation " + Seeding.ANNOTATION + "), its old data"
    + " kept aside; the operator removes the name once done or refused.")
final class ReseedCommand implements Runnable {

  @ParentCommand TandemPlugin plugin;

  @Parameters(index = "0", paramLabel = "CLUSTER") String cluster;

  @Parameters(index = "1", paramLabel = "POD") String pod;

  @Override
  public void run() {
    String namespace = plugin.namespace();
    var current = Clusters.get(plugin.client, namespace, cluster);
    var asked = new LinkedHashSet<String>();
    Optional.ofNullable(current.getMetadata().getAnnotations()).map(a -> a.get(Seeding.ANNOTATION)).filter(v -> !v.isBlank())
        .ifPresent(value -> asked.addAll(List.of(value.split(","))));
    asked.add(pod);
    plugin.client.resources(MySQLCluster.class).inNamespace(namespace).withName(cluster).patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"annotations\":{\"" + Seeding.ANNOTATION + "\":\"" + String.join(",", asked) + "\"}}}");
    plugin.out.println("asked to re-seed " + pod + " of " + cluster + " (" + Seeding.ANNOTATION + "=" + String.join(",", asked)
        + "); follow it with: kubectl tandem status " + cluster + " and the cluster's Events");
  }
}
