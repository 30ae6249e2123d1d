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
 * A highly available MySQL or MariaDB cluster. The CEL rules here see metadata.name, which the
 * instance names derive from, so every "names an instance" check lives at this level.
 */
@Group(MySQLCluster.GROUP)
@Version(MySQLCluster.VERSION)
@Kind("MySQLCluster")
@Plural("mysqlclusters")
@ShortNames({"mysql", "myc"})
@AdditionalPrinterColumn(name = "Topology", jsonPath = ".spec.topology", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Master", jsonPath = ".status.master", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.ready", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(
    value = "self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')"
        + " && size(self.metadata.name) <= " + MySQLCluster.MAX_NAME_LENGTH,
    message = "metadata.name must be a DNS label of at most " + MySQLCluster.MAX_NAME_LENGTH
        + " characters (lower-case letters, digits and '-', starting with a letter):"
        + " Pods, Services and volume claims are named after it")
@ValidationRule(
    value = MySQLCluster.NAMED_INSTANCES + ".all(x, " + MySQLCluster.X_IS_AN_INSTANCE + ")",
    messageExpression = "'spec.master, spec.offline and spec.failover.priority must name instances"
        + " of this cluster, but ' + " + MySQLCluster.NAMED_INSTANCES + ".filter(x, !"
        + MySQLCluster.X_IS_AN_INSTANCE + ")[0] + ' is not one: the instances are '"
        + " + self.metadata.name + '-0 to ' + self.metadata.name + '-'"
        + " + string(self.spec.instances - 1)")
@ValidationRule(
    value = "self.spec.topology != 'DualMaster' || !has(self.spec.master)"
        + " || self.spec.master in [self.metadata.name + '-0', self.metadata.name + '-1']",
    messageExpression = "'spec.master must be one of the two masters of a DualMaster cluster: '"
        + " + self.metadata.name + '-0 or ' + self.metadata.name + '-1'")
@ValidationRule(
    value = "!has(self.spec.offline) || size(self.spec.offline) < self.spec.instances",
    message = "spec.offline names every instance: at least one must stay in service as master")
@ValidationRule(
    value = "self.spec.topology != 'DualMaster' || !has(self.spec.offline)"
        + " || !(self.metadata.name + '-0' in self.spec.offline"
        + " && self.metadata.name + '-1' in self.spec.offline)",
    message = "spec.offline names both masters of a DualMaster cluster: at least one must stay"
        + " in service")
public class MySQLCluster extends CustomResource<MySQLClusterSpec, MySQLClusterStatus>
    implements Namespaced {

  public static final String GROUP = "mysql.tandem.dev";
  public static final String VERSION = "v1alpha1";
  public static final int MAX_NAME_LENGTH = 45;

  /** Every instance name the spec mentions, as one CEL list. */
  static final String NAMED_INSTANCES =
      "((has(self.spec.master) ? [self.spec.master] : [])"
          + " + (has(self.spec.offline) ? self.spec.offline : [])"
          + " + (has(self.spec.failover) && has(self.spec.failover.priority)"
          + " ? self.spec.failover.priority : []))";

  /** CEL: x is {@code <name>-<ordinal>} with 0 <= ordinal < instances. */
  static final String X_IS_AN_INSTANCE =
      "(x.startsWith(self.metadata.name + '-')"
          + " && x.substring(size(self.metadata.name) + 1).matches('^(0|[1-9][0-9]?)$')"
          + " && int(x.substring(size(self.metadata.name) + 1)) < self.spec.instances)";

  @Override
  @Required
  public MySQLClusterSpec getSpec() {
    return super.getSpec();
  }
}
