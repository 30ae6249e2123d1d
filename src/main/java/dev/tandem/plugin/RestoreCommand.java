package dev.tandem.plugin;

import dev.tandem.api.BootstrapSpec;
import dev.tandem.api.MySQLBackup;
import dev.tandem.api.MySQLBackupStatus.BackupPhase;
import dev.tandem.api.MySQLCluster;
import dev.tandem.api.ServiceSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "restore", description = "Restores a backup into a new cluster shaped like the one backed up (spec.bootstrap.from),"
    + " to the backup's position or, with --at, to a point in time after it.")
final class RestoreCommand implements Runnable {

  @ParentCommand TandemPlugin plugin;

  @Option(names = "--from", required = true, paramLabel = "BACKUP", description = "A Completed MySQLBackup.") String from;

  @Option(names = "--as", required = true, paramLabel = "NAME", description = "The new cluster's name.") String as;

  @Option(names = "--at", paramLabel = "TIME", description = "RFC 3339 time to replay the archived binary logs up to.") String at;

  @Option(names = "--instances", paramLabel = "N", description = "Instances of the new cluster; as many as the one backed up by default.")
  Integer instances;

  @Option(names = "--wait", description = "Wait until the new cluster is Ready.") boolean await;

  @Option(names = "--timeout", defaultValue = "1800", description = "Seconds --wait waits (default ${DEFAULT-VALUE}).") long timeoutSeconds;

  @Override
  public void run() {
    String namespace = plugin.namespace();
    var backup = Optional.ofNullable(plugin.client.resources(MySQLBackup.class).inNamespace(namespace).withName(from).get())
        .orElseThrow(() -> new TandemPlugin.Refused("no MySQLBackup " + from + " in namespace " + namespace));
    if (backup.getStatus() == null || backup.getStatus().getPhase() != BackupPhase.Completed) {
      throw new TandemPlugin.Refused("backup " + from + " is not Completed: "
          + Optional.ofNullable(backup.getStatus()).map(s -> s.getPhase() + ", " + s.getMessage()).orElse("no status"));
    }
    if (at != null) {
      try {
        Instant.parse(at);
      } catch (DateTimeParseException e) {
        throw new TandemPlugin.Refused("--at " + at + " is not an RFC 3339 time such as 2026-12-04T10:15:00Z");
      }
    }
    String source = backup.getSpec().getClusterRef().getName();
    var backedUp = Optional.ofNullable(plugin.client.resources(MySQLCluster.class).inNamespace(namespace).withName(source).get())
        .orElseThrow(() -> new TandemPlugin.Refused("the cluster backed up, " + source + ", is gone, so its shape is unknown: write the"
            + " MySQLCluster with spec.bootstrap.from.backup: " + from + " yourself (docs/backup.md)"));
    var spec = Serialization.clone(backedUp.getSpec());
    spec.setMaster(null);
    spec.setOffline(List.of());
    spec.setCredentials(null);
    if (instances != null) {
      spec.setInstances(instances);
    }
    // Not the backed-up cluster's address: a LoadBalancer IP or DNS annotation would compete for it.
    spec.setService(new ServiceSpec());
    // The same preference among the new cluster's own instances (the API server refuses other names).
    spec.getFailover().setPriority(spec.getFailover().getPriority().stream()
        .map(instance -> instance.startsWith(source + "-") ? as + instance.substring(source.length()) : instance).toList());
    var restore = new BootstrapSpec.RestoreSource();
    restore.setBackup(from);
    restore.setPointInTime(at);
    var bootstrap = new BootstrapSpec();
    bootstrap.setFrom(restore);
    spec.setBootstrap(bootstrap);
    var cluster = new MySQLCluster();
    cluster.setMetadata(new ObjectMetaBuilder().withName(as).withNamespace(namespace).build());
    cluster.setSpec(spec);
    plugin.client.resource(cluster).create();
    plugin.out.println("cluster " + as + " created from backup " + from + (at == null ? "" : " up to " + at) + ", shaped like " + source);
    if (!await) {
      plugin.out.println("follow it with: kubectl tandem status " + as);
      return;
    }
    String master = Clusters.await(Duration.ofSeconds(timeoutSeconds), plugin.poll,
        () -> Optional.ofNullable(Clusters.get(plugin.client, namespace, as).getStatus())
            .filter(s -> s.getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
            .map(s -> s.getMaster()),
        () -> "cluster " + as + " to be Ready");
    plugin.out.println("cluster " + as + " Ready, master " + master);
  }
}
