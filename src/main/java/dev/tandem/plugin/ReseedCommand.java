package dev.tandem.plugin;

import dev.tandem.kubernetes.Seeding;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.HashMap;
import java.util.Map;
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
    int instances = current.getSpec().getInstances();
    if (!pod.startsWith(cluster + "-") || !pod.substring(cluster.length() + 1).matches("\\d+")
        || Integer.parseInt(pod.substring(cluster.length() + 1)) >= instances) {
      throw new TandemPlugin.Refused(pod + " is not an instance of " + cluster);
    }
    var asked = new LinkedHashSet<String>();
    Optional.ofNullable(current.getMetadata().getAnnotations()).map(a -> a.get(Seeding.ANNOTATION)).filter(v -> !v.isBlank())
        .ifPresent(value -> asked.addAll(List.of(value.split(","))));
    asked.add(pod);
    var annotations = new HashMap<>(Optional.ofNullable(current.getMetadata().getAnnotations()).orElse(Map.of()));
    annotations.put(Seeding.ANNOTATION, String.join(",", asked));
    current.getMetadata().setAnnotations(annotations);
    try {
      // At the version read: a request the operator removed meanwhile is not put back.
      plugin.client.resource(current).update();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        throw new TandemPlugin.Refused(cluster + " changed while the request was added (the operator finished another re-seed?): run it again");
      }
      throw e;
    }
    plugin.out.println("asked to re-seed " + pod + " of " + cluster + " (" + Seeding.ANNOTATION + "=" + String.join(",", asked)
        + "); follow it with: kubectl tandem status " + cluster + " and kubectl tandem history " + cluster + " --all");
  }
}
