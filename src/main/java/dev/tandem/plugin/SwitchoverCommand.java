package dev.tandem.plugin;

import dev.tandem.api.FailoverRecord;
import dev.tandem.api.MySQLCluster;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "switchover", description = "A planned switchover: sets spec.master, waits until the writer Service follows"
    + " the new master and prints how long writes paused. A GitOps tool owning spec.master must be changed there instead.")
final class SwitchoverCommand implements Runnable {

  @ParentCommand TandemPlugin plugin;

  @Parameters(paramLabel = "CLUSTER") String cluster;

  @Option(names = "--to", required = true, paramLabel = "POD", description = "The instance to make master.") String to;

  @Option(names = "--timeout", defaultValue = "120", description = "Seconds to wait (default ${DEFAULT-VALUE}).") long timeoutSeconds;

  @Override
  public void run() {
    String namespace = plugin.namespace();
    var current = Clusters.get(plugin.client, namespace, cluster);
    int instances = current.getSpec().getInstances();
    if (!to.matches(java.util.regex.Pattern.quote(cluster) + "-\\d+") || Integer.parseInt(to.substring(cluster.length() + 1)) >= instances) {
      throw new TandemPlugin.Refused(to + " is not an instance of " + cluster + " (" + cluster + "-0 … " + cluster + "-" + (instances - 1) + ")");
    }
    if (current.getSpec().getOffline().contains(to)) {
      throw new TandemPlugin.Refused(to + " is offline (spec.offline): it is never made master");
    }
    String from = Optional.ofNullable(current.getStatus()).map(s -> s.getMaster()).orElse("none");
    if (to.equals(from)) {
      plugin.out.println(to + " is already the master of " + cluster + "; nothing to do.");
      return;
    }
    var before = Optional.ofNullable(current.getStatus()).map(s -> s.getLastFailover());
    plugin.client.resources(MySQLCluster.class).inNamespace(namespace).withName(cluster)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"master\":\"" + to + "\"}}");
    plugin.out.println("spec.master of " + cluster + " set to " + to + " (was " + from + "); waiting for the switchover");
    FailoverRecord done;
    try {
      done = Clusters.await(Duration.ofSeconds(timeoutSeconds), plugin.poll, () -> finished(namespace, before),
          () -> "the writer Service of " + cluster + " to point at " + to + " (" + conditions(namespace) + ")");
    } catch (TandemPlugin.Refused e) {
      throw new TandemPlugin.Refused(e.getMessage() + ". spec.master still asks for " + to + ": the operator switches over once it can;"
          + " to call it off, set it back: kubectl patch myc " + cluster + " -n " + namespace + " --type merge -p '{\"spec\":{\"master\":"
          + (from.equals("none") ? "null" : "\"" + from + "\"") + "}}'");
    }
    plugin.out.printf("switchover %s -> %s done in %d ms, from the operator starting it to the writer Service following %s (%s)%n",
        done.from(), done.to(), done.durationMillis(), done.to(), done.reason());
  }

  /**
   * A finished change to {@code to} other than the one status recorded before the request: the
   * writer Service follows it by then. Compared by record, not by clock: the operator's may differ.
   */
  private Optional<FailoverRecord> finished(String namespace, Optional<FailoverRecord> before) {
    return Optional.ofNullable(Clusters.get(plugin.client, namespace, cluster).getStatus())
        .filter(status -> to.equals(status.getMaster()))
        .map(status -> status.getLastFailover())
        .filter(last -> to.equals(last.to()) && last.finishedAt() != null && !before.equals(Optional.of(last)));
  }

  /** What status says while the switchover has not happened: its conditions, including why it waits. */
  private String conditions(String namespace) {
    return Optional.ofNullable(Clusters.get(plugin.client, namespace, cluster).getStatus())
        .map(status -> status.getConditions().stream().map(c -> c.getType() + " " + c.getStatus() + ": " + c.getMessage())
            .collect(java.util.stream.Collectors.joining("; ")))
        .orElse("no status");
  }
}
