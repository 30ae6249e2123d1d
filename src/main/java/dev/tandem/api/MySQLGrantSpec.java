package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

@ValidationRule(value = "self.clusterRef.name == oldSelf.clusterRef.name",
    message = "spec.clusterRef cannot change: create another MySQLGrant for another cluster")
@ValidationRule(value = "self.user == oldSelf.user && self.host == oldSelf.host && self.database == oldSelf.database"
    + " && self.table == oldSelf.table",
    message = "spec.user, spec.host, spec.database and spec.table cannot change: create another MySQLGrant")
@ValidationRule(value = "self.table == '*' || self.privileges.all(p, p in " + SchemaNames.TABLE_PRIVILEGES_CEL + ")",
    message = "on a table, privileges are among " + SchemaNames.TABLE_PRIVILEGES_CEL)
public class MySQLGrantSpec {

  @JsonPropertyDescription("The MySQLCluster that holds the account, in this namespace.")
  @Required
  private MySQLBackupSpec.ClusterRef clusterRef;

  @JsonPropertyDescription("The account's user name (a MySQLUser's name on the server). The grant waits until it exists.")
  @Required
  @Pattern(SchemaNames.USER_NAME_PATTERN)
  @Size(min = 1, max = 32)
  @ValidationRule(value = "!(self in " + SchemaNames.RESERVED_USERS_CEL + ")",
      message = SchemaNames.RESERVED_USERS_MESSAGE)
  private String user;

  @JsonPropertyDescription("The account's host, as in its MySQLUser; '%' by default.")
  @Pattern(SchemaNames.HOST_PATTERN)
  @Size(min = 1, max = 255)
  @Default("\"%\"")
  private String host = "%";

  @JsonPropertyDescription("The database the privileges are on (it may not exist yet). '_' and '%' in it are literal.")
  @Required
  @Pattern(SchemaNames.OBJECT_NAME_PATTERN)
  @Size(min = 1, max = 64)
  @ValidationRule(value = "!(self.lowerAscii() in " + SchemaNames.SYSTEM_SCHEMAS_CEL + ")",
      message = "privileges on mysql, sys, performance_schema or information_schema would let the account change the"
          + " server's own accounts and state")
  private String database;

  @JsonPropertyDescription("A table of the database, or '*' (default) for every table in it.")
  @Pattern("^(\\*|[A-Za-z0-9_$][A-Za-z0-9_$-]*)$")
  @Size(min = 1, max = 64)
  @Default("\"*\"")
  private String table = "*";

  @JsonPropertyDescription("The privileges, e.g. [SELECT, INSERT, UPDATE, DELETE] or [ALL PRIVILEGES]; privileges held"
      + " beyond these on the same database or table are revoked.")
  @Required
  @Size(min = 1)
  @ValidationRule(value = "self.all(p, p in " + SchemaNames.DATABASE_PRIVILEGES_CEL + ")",
      message = "privileges are among " + SchemaNames.DATABASE_PRIVILEGES_CEL
          + "; server-wide privileges (SUPER, PROCESS, ...) are not granted through a MySQLGrant")
  private List<String> privileges = new ArrayList<>();

  @JsonPropertyDescription("Whether the account may grant these privileges to others (WITH GRANT OPTION).")
  @Default("false")
  private boolean grantOption;

  @JsonPropertyDescription("Delete (default): deleting this resource revokes the privileges. Retain: they stay.")
  @Default("Delete")
  private CleanupPolicy cleanupPolicy = CleanupPolicy.Delete;

  public MySQLBackupSpec.ClusterRef getClusterRef() {
    return clusterRef;
  }

  public void setClusterRef(MySQLBackupSpec.ClusterRef clusterRef) {
    this.clusterRef = clusterRef;
  }

  public String getUser() {
    return user;
  }

  public void setUser(String user) {
    this.user = user;
  }

  public String getHost() {
    return host;
  }

  public void setHost(String host) {
    this.host = host;
  }

  public String getDatabase() {
    return database;
  }

  public void setDatabase(String database) {
    this.database = database;
  }

  public String getTable() {
    return table;
  }

  public void setTable(String table) {
    this.table = table;
  }

  public List<String> getPrivileges() {
    return privileges;
  }

  public void setPrivileges(List<String> privileges) {
    this.privileges = privileges;
  }

  public boolean isGrantOption() {
    return grantOption;
  }

  public void setGrantOption(boolean grantOption) {
    this.grantOption = grantOption;
  }

  public CleanupPolicy getCleanupPolicy() {
    return cleanupPolicy;
  }

  public void setCleanupPolicy(CleanupPolicy cleanupPolicy) {
    this.cleanupPolicy = cleanupPolicy;
  }
}
