package dev.tandem.plugin;

import io.fabric8.kubernetes.api.model.Event;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "history", description = "A cluster's failovers, switchovers and fencing, from its Events (kept an hour by"
    + " default by the API server) and status.lastFailover (kept until the next change).")
final class HistoryCommand implements Runnable {

  /** The Event reasons of a change of master and what led to it or followed it. */
  static final Set<String> CHANGES = Set.of("Failover", "Switchover", "Fenced", "FailoverNeeded", "FailoverHeld", "MasterRestored",
      "Errant", "ReplicaCutOff", "ReplicaReadmitted");

  @ParentCommand TandemPlugin plugin;

  @Parameters(paramLabel = "CLUSTER") String cluster;

  @Option(names = "--all", description = "Every Event of the cluster, not only changes of master.") boolean all;

  @Override
  public void run() {
    String namespace = plugin.namespace();
    var current = Clusters.get(plugin.client, namespace, cluster);
    List<Event> events = plugin.client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> e.getInvolvedObject() != null && "MySQLCluster".equals(e.getInvolvedObject().getKind())
            && cluster.equals(e.getInvolvedObject().getName()))
        .filter(e -> all || CHANGES.contains(e.getReason()))
        .sorted(Comparator.comparing(HistoryCommand::time))
        .toList();
    var rows = new ArrayList<List<String>>();
    rows.add(List.of("TIME", "TYPE", "REASON", "MESSAGE"));
    events.forEach(e -> rows.add(List.of(time(e), Objects.toString(e.getType(), ""), Objects.toString(e.getReason(), ""),
        Objects.toString(e.getMessage(), ""))));
    Table.print(plugin.out, rows);
    Optional.ofNullable(current.getStatus()).map(s -> s.getLastFailover()).ifPresentOrElse(
        last -> plugin.out.printf("status.lastFailover: %s %s -> %s, %s to %s, %d ms (%s)%n", last.type(), last.from(), last.to(),
            last.startedAt(), last.finishedAt(), last.durationMillis(), last.reason()),
        () -> plugin.out.println("status.lastFailover: none: the master never changed"));
  }

  private static String time(Event event) {
    return Optional.ofNullable(event.getLastTimestamp()).or(() -> Optional.ofNullable(event.getFirstTimestamp()))
        .or(() -> Optional.ofNullable(event.getEventTime()).map(t -> t.getTime())).orElse("");
  }
}
