package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@ValidationRule(value = "self.clusterRef.name == oldSelf.clusterRef.name",
    message = "spec.clusterRef cannot change: create another MySQLDatabase for another cluster")
@ValidationRule(value = "has(self.name) == has(oldSelf.name) && (!has(self.name) || self.name == oldSelf.name)",
    message = "spec.name cannot change: a database is not renamed; create another MySQLDatabase")
public class MySQLDatabaseSpec {

  @JsonPropertyDescription("The MySQLCluster that holds the database, in this namespace.")
  @Required
  private MySQLBackupSpec.ClusterRef clusterRef;

  @JsonPropertyDescription("The database's name on the server; metadata.name when absent. Cannot change.")
  @Pattern(SchemaNames.OBJECT_NAME_PATTERN)
  @Size(min = 1, max = 64)
  @ValidationRule(value = "!(self.lowerAscii() in " + SchemaNames.SYSTEM_SCHEMAS_CEL + ")",
      message = "mysql, sys, performance_schema and information_schema are the server's own schemas")
  private String name;

  @JsonPropertyDescription("Default character set, e.g. utf8mb4; the server's default when absent. Changed in place (ALTER DATABASE).")
  @Pattern("^[A-Za-z0-9_]+$")
  @ValidationRule(value = SchemaNames.NO_CHARSET_ALIAS_CEL,
      message = "utf8 is an alias the server stores as utf8mb3: name utf8mb4 (or utf8mb3)")
  private String characterSet;

  @JsonPropertyDescription("Default collation, e.g. utf8mb4_unicode_ci; the character set's default when absent.")
  @Pattern("^[A-Za-z0-9_]+$")
  @ValidationRule(value = SchemaNames.NO_CHARSET_ALIAS_CEL,
      message = "utf8_ collations are aliases the server stores as utf8mb3_: name a utf8mb4_ (or utf8mb3_) collation")
  private String collation;

  @JsonPropertyDescription(
      "Retain (default): deleting this resource leaves the database and its data on the server. Delete:"
          + " deleting it drops the database, with every table in it.")
  @Default("Retain")
  private CleanupPolicy cleanupPolicy = CleanupPolicy.Retain;

  public MySQLBackupSpec.ClusterRef getClusterRef() {
    return clusterRef;
  }

  public void setClusterRef(MySQLBackupSpec.ClusterRef clusterRef) {
    this.clusterRef = clusterRef;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getCharacterSet() {
    return characterSet;
  }

  public void setCharacterSet(String characterSet) {
    this.characterSet = characterSet;
  }

  public String getCollation() {
    return collation;
  }

  public void setCollation(String collation) {
    this.collation = collation;
  }

  public CleanupPolicy getCleanupPolicy() {
    return cleanupPolicy;
  }

  public void setCleanupPolicy(CleanupPolicy cleanupPolicy) {
    this.cleanupPolicy = cleanupPolicy;
  }
}
