package dev.tandem.backup;

import dev.tandem.api.InstanceRole;
import dev.tandem.api.InstanceStatus;
import dev.tandem.api.MySQLBackupSpec.BackupSource;
import dev.tandem.api.MySQLCluster;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which instance a backup reads, from what the control loop last reported in the cluster's
 * status. Pure, so every refusal and its message is unit-tested.
 */
public final class BackupSources {

  /** A replica further behind than this is not a backup source: its backup would be stale. */
  public static final long MAX_LAG_SECONDS = 60;

  /**
   * The chosen instance, or why there is none; {@code waits} when that may change by itself soon
   * (a cluster still starting, instances the control loop has not observed yet), so the backup
   * waits rather than fails.
   */
  public record Choice(Optional<String> instance, String reason, boolean waits) {
    static Choice of(String instance, String reason) {
      return new Choice(Optional.of(instance), reason, false);
    }

    static Choice refused(String reason) {
      return new Choice(Optional.empty(), reason, false);
    }

    static Choice notYet(String reason) {
      return new Choice(Optional.empty(), reason, true);
    }
  }

  private BackupSources() {}

  public static Choice choose(MySQLCluster cluster, BackupSource requested) {
    var spec = cluster.getSpec();
    String name = cluster.getMetadata().getName();
    var status = cluster.getStatus();
    if (status == null || status.getMaster() == null) {
      return Choice.notYet("cluster " + name + " has no master yet: a backup waits for a running cluster");
    }
    List<InstanceStatus> instances = status.getInstances();
    return switch (requested) {
      case Master -> spec.getInstances() == 1
          ? Choice.of(status.getMaster(), "the master of a one-instance cluster, as asked")
          : Choice.refused("source Master is only for a cluster of one instance; " + name + " has " + spec.getInstances()
              + ": back up from a replica (source Replica) and the master pays nothing");
      case Offline -> instances.stream()
          .filter(instance -> spec.getOffline().contains(instance.name()) && instance.ready())
          .findFirst()
          .map(instance -> Choice.of(instance.name(), "offline instance " + instance.name()))
          .orElseGet(() -> Choice.refused(spec.getOffline().isEmpty()
              ? "source Offline needs an instance in spec.offline of cluster " + name + "; it lists none"
              : "no instance of spec.offline " + spec.getOffline() + " is running"));
      case Replica -> replica(name, status.getMaster(), instances, spec.getOffline());
    };
  }

  private static Choice replica(String cluster, String master, List<InstanceStatus> instances, List<String> offline) {
    var why = new ArrayList<String>();
    InstanceStatus best = null;
    for (var instance : instances) {
      String unusable = instance.name().equals(master) ? "is the master"
          : offline.contains(instance.name()) ? "is offline"
          : instance.role() != InstanceRole.Replica ? "is " + instance.role()
          : !instance.ready() ? "is not ready"
          : !Boolean.TRUE.equals(instance.replicating()) ? "is not replicating"
          : instance.lagSeconds() == null ? "reports no lag"
          : instance.lagSeconds() > MAX_LAG_SECONDS ? "lags " + instance.lagSeconds() + " s (limit " + MAX_LAG_SECONDS + " s)"
          : null;
      if (unusable != null) {
        why.add(instance.name() + " " + unusable);
      } else if (best == null || LEAST_BEHIND.compare(instance, best) < 0) {
        best = instance;
      }
    }
    if (best == null) {
      String reason = "no healthy caught-up replica of cluster " + cluster + " to back up from: " + String.join(", ", why)
          + (why.isEmpty() ? "it has no replicas" : "");
      // Right after a cluster turns Ready its replicas may not be labelled yet: waiting, not failing.
      boolean unobserved = instances.stream().anyMatch(instance -> instance.role() == InstanceRole.Unknown
          && !instance.name().equals(master) && !offline.contains(instance.name()));
      return unobserved ? Choice.notYet(reason + "; waiting until the control loop has observed every instance") : Choice.refused(reason);
    }
    return Choice.of(best.name(), "replica " + best.name() + ", " + best.lagSeconds() + " s behind");
  }

  private static final Comparator<InstanceStatus> LEAST_BEHIND =
      Comparator.comparing(InstanceStatus::lagSeconds).thenComparing(InstanceStatus::name);
}
