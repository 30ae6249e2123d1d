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

/** An account on a MySQLCluster, its password read from a Secret and changed when the Secret changes. */
@Group(MySQLCluster.GROUP)
@Version(MySQLCluster.VERSION)
@Kind("MySQLUser")
@Plural("mysqlusers")
@ShortNames({"myuser"})
@AdditionalPrinterColumn(name = "Cluster", jsonPath = ".spec.clusterRef.name", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "User", jsonPath = ".spec.name", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Host", jsonPath = ".spec.host", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(
    value = "has(self.spec.name) || (self.metadata.name.matches('" + SchemaNames.USER_NAME_PATTERN + "')"
        + " && size(self.metadata.name) <= 32 && !(self.metadata.name in " + SchemaNames.RESERVED_USERS_CEL + "))",
    message = "without spec.name the account is named metadata.name, which must then be a user name of at most 32"
        + " letters, digits, '_', '.' or '-' and not one Tandem or the server owns: set spec.name")
public class MySQLUser extends CustomResource<MySQLUserSpec, SchemaObjectStatus> implements Namespaced {

  @Override
  @Required
  public MySQLUserSpec getSpec() {
    return super.getSpec();
  }

  /** The account's user name on the server: spec.name, or else metadata.name. */
  @JsonIgnore
  public String userName() {
    return getSpec().getName() != null ? getSpec().getName() : getMetadata().getName();
  }
}
