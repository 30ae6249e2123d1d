package dev.tandem.plugin;

import dev.tandem.api.InstanceStatus;
import dev.tandem.api.MySQLCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "status", description = "Each cluster's topology: pod, role, ready, read_only, replicating, lag, GTID, and the last change of master.")
final class StatusCommand implements Runnable {

  @ParentCommand TandemPlugin plugin;

  @Parameters(arity = "0..1", paramLabel = "CLUSTER", description = "One cluster; every cluster of the namespace when absent.")
  String cluster;

  @Override
  public void run() {
    String namespace = plugin.namespace();
    List<MySQLCluster> clusters = cluster != null ? List.of(Clusters.get(plugin.client, namespace, cluster))
        : plugin.client.resources(MySQLCluster.class).inNamespace(namespace).list().getItems();
    if (clusters.isEmpty()) {
      plugin.out.println("No MySQLCluster in namespace " + namespace + ".");
    }
    clusters.forEach(this::print);
  }

  private void print(MySQLCluster cluster) {
    var spec = cluster.getSpec();
    var status = Optional.ofNullable(cluster.getStatus());
    var out = plugin.out;
    out.printf("%s: %s %s %s, %s, master %s%n", cluster.getMetadata().getName(), spec.getTopology(), spec.getEngine().getFlavor(),
        spec.getEngine().getVersion(), status.map(s -> String.valueOf(s.getPhase())).orElse("no status yet"),
        status.map(s -> s.getMaster()).orElse("none"));
    status.map(s -> s.getLastFailover()).ifPresent(last -> out.printf("last change: %s %s -> %s at %s in %d ms (%s)%n", last.type(),
        last.from(), last.to(), last.finishedAt(), last.durationMillis(), last.reason()));
    var rows = new ArrayList<List<String>>();
    rows.add(List.of("POD", "ROLE", "READY", "READ_ONLY", "REPLICATING", "LAG", "GTID"));
    for (InstanceStatus instance : status.map(s -> s.getInstances()).orElse(List.of())) {
      rows.add(List.of(instance.name(), String.valueOf(instance.role()), String.valueOf(instance.ready()), text(instance.readOnly()),
          text(instance.replicating()), instance.lagSeconds() == null ? "-" : instance.lagSeconds() + "s", text(instance.gtidExecuted())));
    }
    Table.print(out, rows);
    out.println();
  }

  private static String text(Object value) {
    return value == null || value.toString().isEmpty() ? "-" : value.toString();
  }
}
