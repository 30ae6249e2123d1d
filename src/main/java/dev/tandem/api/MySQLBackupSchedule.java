package dev.tandem.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Backups of one cluster on a cron schedule, with retention. A resource of its own rather than a
 * section of the cluster: a cluster can have several (a nightly one to a PVC, an hourly one
 * elsewhere), each can be suspended or removed without touching the cluster's spec (or the
 * rollout that a change of it would be), and RBAC can let a team manage backups without the
 * right to change the database.
 */
@Group(MySQLCluster.GROUP)
@Version(MySQLCluster.VERSION)
@Kind("MySQLBackupSchedule")
@Plural("mysqlbackupschedules")
@ShortNames({"mybks"})
@AdditionalPrinterColumn(name = "Cluster", jsonPath = ".spec.clusterRef.name", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Schedule", jsonPath = ".spec.schedule", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Suspend", jsonPath = ".spec.suspend", type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Last", jsonPath = ".status.lastBackup", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Next", jsonPath = ".status.nextScheduleTime", type = AdditionalPrinterColumn.Type.STRING)
@ValidationRule(
    value = "size(self.metadata.name) <= " + MySQLBackupSchedule.MAX_NAME_LENGTH,
    message = "metadata.name of a MySQLBackupSchedule must be at most " + MySQLBackupSchedule.MAX_NAME_LENGTH
        + " characters: its backups are named <name>-<yyyyMMddHHmmss>")
public class MySQLBackupSchedule extends CustomResource<MySQLBackupScheduleSpec, MySQLBackupScheduleStatus>
    implements Namespaced {

  public static final int MAX_NAME_LENGTH = MySQLBackup.MAX_NAME_LENGTH - 15;

  @Override
  @Required
  public MySQLBackupScheduleSpec getSpec() {
    return super.getSpec();
  }
}
