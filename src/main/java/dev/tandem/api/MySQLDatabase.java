package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
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

/** A database on a MySQLCluster, created on its master and replicated to every instance. */
@Group(MySQLCluster.GROUP)
@Version(MySQLCluster.VERSION)
@Kind("MySQLDatabase")
@Plural("mysqldatabases")
@ShortNames({"mydb"})
@AdditionalPrinterColumn(name = "Cluster", jsonPath = ".spec.clusterRef.name", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Database", jsonPath = ".spec.name", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(
    value = "has(self.spec.name) || (self.metadata.name.matches('" + SchemaNames.OBJECT_NAME_PATTERN + "')"
        + " && size(self.metadata.name) <= 64 && !(self.metadata.name.lowerAscii() in " + SchemaNames.SYSTEM_SCHEMAS_CEL + "))",
    message = "without spec.name the database is named metadata.name, which must then be a database name of at most 64"
        + " letters, digits, '_', '$' or '-' and not a system schema: set spec.name")
public class MySQLDatabase extends CustomResource<MySQLDatabaseSpec, SchemaObjectStatus> implements Namespaced {

  @Override
  @Required
  public MySQLDatabaseSpec getSpec() {
    return super.getSpec();
  }

  /** The database's name on the server: spec.name, or else metadata.name. */
  @JsonIgnore
  public String databaseName() {
    return getSpec().getName() != null ? getSpec().getName() : getMetadata().getName();
  }
}
