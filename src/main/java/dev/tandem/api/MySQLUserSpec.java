package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@ValidationRule(value = "self.clusterRef.name == oldSelf.clusterRef.name",
    message = "spec.clusterRef cannot change: create another MySQLUser for another cluster")
@ValidationRule(value = "has(self.name) == has(oldSelf.name) && (!has(self.name) || self.name == oldSelf.name)",
    message = "spec.name cannot change: an account is not renamed; create another MySQLUser")
@ValidationRule(value = "self.host == oldSelf.host",
    message = "spec.host cannot change: 'user'@'host' is the account's identity; create another MySQLUser")
public class MySQLUserSpec {

  @JsonPropertyDescription("The MySQLCluster that holds the account, in this namespace.")
  @Required
  private MySQLBackupSpec.ClusterRef clusterRef;

  @JsonPropertyDescription("The user name; metadata.name when absent. Cannot change.")
  @Pattern(SchemaNames.USER_NAME_PATTERN)
  @Size(min = 1, max = 32)
  @ValidationRule(value = "!(self in " + SchemaNames.RESERVED_USERS_CEL + ")",
      message = SchemaNames.RESERVED_USERS_MESSAGE)
  private String name;

  @JsonPropertyDescription("Where the account may connect from: '%' (default, anywhere), a host name (lower case), an"
      + " address or a pattern such as '10.0.%'. Cannot change.")
  @Pattern(SchemaNames.HOST_PATTERN)
  @Size(min = 1, max = 255)
  @Default("\"%\"")
  private String host = "%";

  @JsonPropertyDescription("The Secret key holding the password, in this namespace. When the Secret changes the"
      + " account's password is changed in place at the next check.")
  @Required
  private SecretKeyRef passwordSecretKeyRef;

  @JsonPropertyDescription("Most connections the account may hold at once; 0 or absent: no limit of its own.")
  @Min(0)
  @Max(4294967295L)
  private Long maxUserConnections;

  @JsonPropertyDescription("Most queries per hour; 0 or absent: no limit.")
  @Min(0)
  @Max(4294967295L)
  private Long maxQueriesPerHour;

  @JsonPropertyDescription("Most statements that change data per hour; 0 or absent: no limit.")
  @Min(0)
  @Max(4294967295L)
  private Long maxUpdatesPerHour;

  @JsonPropertyDescription("Most new connections per hour; 0 or absent: no limit.")
  @Min(0)
  @Max(4294967295L)
  private Long maxConnectionsPerHour;

  @JsonPropertyDescription("Delete (default): deleting this resource drops the account (with its privileges). Retain:"
      + " the account stays on the server.")
  @Default("Delete")
  private CleanupPolicy cleanupPolicy = CleanupPolicy.Delete;

  public static class SecretKeyRef {
    @JsonPropertyDescription("Name of the Secret.")
    @Required
    @Size(min = 1, max = 253)
    private String name;

    @JsonPropertyDescription("Key in the Secret's data.")
    @Required
    @Size(min = 1, max = 253)
    private String key;

    public SecretKeyRef() {}

    public SecretKeyRef(String name, String key) {
      this.name = name;
      this.key = key;
    }

    public String getName() {
      return name;
    }

    public void setName(String name) {
      this.name = name;
    }

    public String getKey() {
      return key;
    }

    public void setKey(String key) {
      this.key = key;
    }
  }

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

  public String getHost() {
    return host;
  }

  public void setHost(String host) {
    this.host = host;
  }

  public SecretKeyRef getPasswordSecretKeyRef() {
    return passwordSecretKeyRef;
  }

  public void setPasswordSecretKeyRef(SecretKeyRef passwordSecretKeyRef) {
    this.passwordSecretKeyRef = passwordSecretKeyRef;
  }

  public Long getMaxUserConnections() {
    return maxUserConnections;
  }

  public void setMaxUserConnections(Long maxUserConnections) {
    this.maxUserConnections = maxUserConnections;
  }

  public Long getMaxQueriesPerHour() {
    return maxQueriesPerHour;
  }

  public void setMaxQueriesPerHour(Long maxQueriesPerHour) {
    this.maxQueriesPerHour = maxQueriesPerHour;
  }

  public Long getMaxUpdatesPerHour() {
    return maxUpdatesPerHour;
  }

  public void setMaxUpdatesPerHour(Long maxUpdatesPerHour) {
    this.maxUpdatesPerHour = maxUpdatesPerHour;
  }

  public Long getMaxConnectionsPerHour() {
    return maxConnectionsPerHour;
  }

  public void setMaxConnectionsPerHour(Long maxConnectionsPerHour) {
    this.maxConnectionsPerHour = maxConnectionsPerHour;
  }

  public CleanupPolicy getCleanupPolicy() {
    return cleanupPolicy;
  }

  public void setCleanupPolicy(CleanupPolicy cleanupPolicy) {
    this.cleanupPolicy = cleanupPolicy;
  }
}
