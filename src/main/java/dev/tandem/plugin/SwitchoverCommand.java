package dev.tandem.plugin;

import dev.tandem.api.FailoverRecord;
import dev.tandem.api.MySQLCluster;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
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
    var asked = Instant.now();
    plugin.client.resources(MySQLCluster.class).inNamespace(namespace).withName(cluster)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"master\":\"" + to + "\"}}");
    plugin.out.println("spec.master of " + cluster + " set to " + to + " (was " + from + "); waiting for the switchover");
    FailoverRecord done = Clusters.await(Duration.ofSeconds(timeoutSeconds), plugin.poll, () -> finished(namespace, asked),
        () -> "the writer Service of " + cluster + " to point at " + to + " (" + ready(namespace) + ")");
    plugin.out.printf("switchover %s -> %s done in %d ms: writes paused at most that long (%s)%n", done.from(), done.to(),
        done.durationMillis(), done.reason());
  }

  /** The change to {@code to} recorded after the request: its writer Service follows it by then. */
  private Optional<FailoverRecord> finished(String namespace, Instant asked) {
    return Optional.ofNullable(Clusters.get(plugin.client, namespace, cluster).getStatus())
        .filter(status -> to.equals(status.getMaster()))
        .map(status -> status.getLastFailover())
        .filter(last -> to.equals(last.to()) && last.finishedAt() != null && !Instant.parse(last.finishedAt()).isBefore(asked));
  }

  private String ready(String namespace) {
    return Optional.ofNullable(Clusters.get(plugin.client, namespace, cluster).getStatus())
        .flatMap(status -> status.getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst())
        .map(c -> "Ready " + c.getStatus() + ": " + c.getMessage()).orElse("no status");
  }
}
