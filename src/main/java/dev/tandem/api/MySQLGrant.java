package dev.tandem.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Privileges of one account on one database, or one table of it, on a MySQLCluster. */
@Group(MySQLCluster.GROUP)
@Version(MySQLCluster.VERSION)
@Kind("MySQLGrant")
@Plural("mysqlgrants")
@ShortNames({"mygrant"})
@AdditionalPrinterColumn(name = "Cluster", jsonPath = ".spec.clusterRef.name", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "User", jsonPath = ".spec.user", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Database", jsonPath = ".spec.database", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Table", jsonPath = ".spec.table", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class MySQLGrant extends CustomResource<MySQLGrantSpec, SchemaObjectStatus> implements Namespaced {

  @Override
  @Required
  public MySQLGrantSpec getSpec() {
    return super.getSpec();
  }
}
