package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@ValidationRule(
    value = "self == oldSelf",
    message = "a MySQLBackup's spec cannot change once created: create another MySQLBackup")
public class MySQLBackupSpec {

  @JsonPropertyDescription("The MySQLCluster to back up, in this namespace.")
  @Required
  private ClusterRef clusterRef;

  @JsonPropertyDescription(
      "Logical (default): a consistent dump (mariadb-dump / mysqldump --single-transaction) that"
          + " never stops the source's replication. Physical: a copy of the source's data files with"
          + " mariadb-backup (MariaDB only), read from its volume on its node; faster to restore.")
  @Default("Logical")
  private BackupMethod method = BackupMethod.Logical;

  @JsonPropertyDescription("Where the backup is written.")
  @Required
  private BackupStorage storage;

  @JsonPropertyDescription(
      "Replica (default): the most caught-up healthy replica that is not offline. Offline: an"
          + " instance listed in the cluster's spec.offline. Master: only for a cluster of one"
          + " instance, where there is no replica.")
  @Default("Replica")
  private BackupSource source = BackupSource.Replica;

  public enum BackupMethod {
    Logical,
    Physical
  }

  public enum BackupSource {
    Replica,
    Offline,
    Master
  }

  public static class ClusterRef {
    @JsonPropertyDescription("Name of the MySQLCluster.")
    @Required
    @Size(min = 1, max = 63)
    private String name;

    public ClusterRef() {}

    public ClusterRef(String name) {
      this.name = name;
    }

    public String getName() {
      return name;
    }

    public void setName(String name) {
      this.name = name;
    }
  }

  public static class BackupStorage {
    @JsonPropertyDescription("A PersistentVolumeClaim; each backup is a directory <subPath>/<namespace>/<cluster>/<backup> in it.")
    @Required
    private PvcStorage pvc;

    public PvcStorage getPvc() {
      return pvc;
    }

    public void setPvc(PvcStorage pvc) {
      this.pvc = pvc;
    }
  }

  public static class PvcStorage {
    @JsonPropertyDescription("An existing PersistentVolumeClaim in this namespace.")
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @Size(max = 253)
    private String claimName;

    @JsonPropertyDescription("A relative directory inside the volume; the volume's root when absent.")
    @Pattern("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")
    @ValidationRule(value = "!self.split('/').exists(part, part == '..')", message = "subPath must stay inside the volume: no '..'")
    @Size(max = 253)
    private String subPath;

    public String getClaimName() {
      return claimName;
    }

    public void setClaimName(String claimName) {
      this.claimName = claimName;
    }

    public String getSubPath() {
      return subPath;
    }

    public void setSubPath(String subPath) {
      this.subPath = subPath;
    }
  }

  public ClusterRef getClusterRef() {
    return clusterRef;
  }

  public void setClusterRef(ClusterRef clusterRef) {
    this.clusterRef = clusterRef;
  }

  public BackupMethod getMethod() {
    return method;
  }

  public void setMethod(BackupMethod method) {
    this.method = method;
  }

  public BackupStorage getStorage() {
    return storage;
  }

  public void setStorage(BackupStorage storage) {
    this.storage = storage;
  }

  public BackupSource getSource() {
    return source;
  }

  public void setSource(BackupSource source) {
    this.source = source;
  }
}
