package dev.tandem.plugin;

import dev.tandem.api.MySQLBackup;
import dev.tandem.api.MySQLBackupSpec;
import dev.tandem.api.MySQLBackupStatus.BackupPhase;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "backup", description = "Takes a backup (a MySQLBackup) from the most caught-up replica; with --wait, until it completes.")
final class BackupCommand implements Runnable {

  @ParentCommand TandemPlugin plugin;

  @Parameters(paramLabel = "CLUSTER") String cluster;

  @ArgGroup(multiplicity = "1") Storage storage;

  static final class Storage {
    @Option(names = "--pvc", paramLabel = "CLAIM", description = "A PersistentVolumeClaim in the namespace.") String claim;

    @Option(names = "--like", paramLabel = "BACKUP", description = "The storage of an earlier MySQLBackup.") String like;
  }

  @Option(names = "--name", description = "The MySQLBackup's name; <cluster>-<UTC time> by default.") String name;

  @Option(names = "--method", defaultValue = "Logical", description = "Logical (default) or Physical.") MySQLBackupSpec.BackupMethod method;

  @Option(names = "--wait", description = "Wait until the backup completes or fails.") boolean await;

  @Option(names = "--timeout", defaultValue = "3600", description = "Seconds --wait waits (default ${DEFAULT-VALUE}).") long timeoutSeconds;

  @Override
  public void run() {
    String namespace = plugin.namespace();
    Clusters.get(plugin.client, namespace, cluster);
    var spec = new MySQLBackupSpec();
    spec.setClusterRef(new MySQLBackupSpec.ClusterRef(cluster));
    spec.setMethod(method);
    spec.setStorage(storage.claim != null ? pvc(storage.claim) : storageOf(namespace, storage.like));
    var backup = new MySQLBackup();
    String backupName = Optional.ofNullable(name).orElseGet(() -> cluster + "-"
        + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").format(ZonedDateTime.now(ZoneOffset.UTC)));
    backup.setMetadata(new ObjectMetaBuilder().withName(backupName).withNamespace(namespace).build());
    backup.setSpec(spec);
    plugin.client.resource(backup).create();
    plugin.out.println("backup " + backupName + " of " + cluster + " created (" + method + ")");
    if (!await) {
      plugin.out.println("follow it with: kubectl get mybk " + backupName + " -n " + namespace);
      return;
    }
    var status = Clusters.await(Duration.ofSeconds(timeoutSeconds), plugin.poll,
        () -> Optional.ofNullable(plugin.client.resources(MySQLBackup.class).inNamespace(namespace).withName(backupName).get())
            .map(MySQLBackup::getStatus).filter(s -> s.isFinished()),
        () -> "backup " + backupName + " to complete");
    if (status.getPhase() != BackupPhase.Completed) {
      throw new TandemPlugin.Refused("backup " + backupName + " " + status.getPhase() + ": " + status.getMessage());
    }
    plugin.out.printf("backup %s Completed from %s: %d bytes at %s, GTID position '%s'%n", backupName, status.getSource(),
        status.getSizeBytes(), status.getLocation(), status.getGtidPosition());
  }

  private static MySQLBackupSpec.BackupStorage pvc(String claim) {
    var storage = new MySQLBackupSpec.BackupStorage();
    var pvc = new MySQLBackupSpec.PvcStorage();
    pvc.setClaimName(claim);
    storage.setPvc(pvc);
    return storage;
  }

  private MySQLBackupSpec.BackupStorage storageOf(String namespace, String backup) {
    return Optional.ofNullable(plugin.client.resources(MySQLBackup.class).inNamespace(namespace).withName(backup).get())
        .map(earlier -> earlier.getSpec().getStorage())
        .orElseThrow(() -> new TandemPlugin.Refused("no MySQLBackup " + backup + " in namespace " + namespace + " to take the storage of"));
  }
}
