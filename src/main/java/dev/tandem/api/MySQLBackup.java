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
 * One backup of one MySQLCluster, taken from a caught-up replica so the master pays nothing.
 * Its files are written under a temporary name and renamed when complete, so a backup that
 * is listed as Completed is whole.
 */
@Group(MySQLCluster.GROUP)
@Version(MySQLCluster.VERSION)
@Kind("MySQLBackup")
@Plural("mysqlbackups")
@ShortNames({"mybk"})
@AdditionalPrinterColumn(name = "Cluster", jsonPath = ".spec.clusterRef.name", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Method", jsonPath = ".spec.method", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Source", jsonPath = ".status.source", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "GTID", jsonPath = ".status.gtidPosition", type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(name = "Size", jsonPath = ".status.sizeBytes", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(
    value = "size(self.metadata.name) <= " + MySQLBackup.MAX_NAME_LENGTH,
    message = "metadata.name of a MySQLBackup must be at most " + MySQLBackup.MAX_NAME_LENGTH
        + " characters: its Job is named <name>-backup, and a Job's name is a label value")
public class MySQLBackup extends CustomResource<MySQLBackupSpec, MySQLBackupStatus> implements Namespaced {

  public static final int MAX_NAME_LENGTH = 56;

  @Override
  @Required
  public MySQLBackupSpec getSpec() {
    return super.getSpec();
  }
}
