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
          + " never stops the source's replication. Physical: a copy of the source's data files, faster to"
          + " restore: mariadb-backup on MariaDB (read from its volume, on its node), the clone plugin on MySQL"
          + " (over the network).")
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

  @ValidationRule(value = "has(self.pvc) != has(self.s3)", message = "storage takes exactly one of pvc or s3")
  public static class BackupStorage {
    @JsonPropertyDescription("A PersistentVolumeClaim; each backup is a directory <subPath>/<namespace>/<cluster>/<backup> in it.")
    private PvcStorage pvc;

    @JsonPropertyDescription("An S3-compatible bucket; each backup is the objects under <prefix>/<namespace>/<cluster>/<backup>/.")
    private S3Storage s3;

    public PvcStorage getPvc() {
      return pvc;
    }

    public void setPvc(PvcStorage pvc) {
      this.pvc = pvc;
    }

    public S3Storage getS3() {
      return s3;
    }

    public void setS3(S3Storage s3) {
      this.s3 = s3;
    }
  }

  public static class S3Storage {
    @JsonPropertyDescription("The S3 API's URL, e.g. https://minio.storage.svc:9000; AWS S3 of the region when absent.")
    @Pattern("^https?://[^/?#]+/?$")
    @Size(max = 253)
    private String endpoint;

    @JsonPropertyDescription("An existing bucket.")
    @Required
    @Pattern("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    private String bucket;

    @JsonPropertyDescription("A key prefix inside the bucket; the bucket's root when absent.")
    @Pattern("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")
    @ValidationRule(value = "!self.split('/').exists(part, part == '..')", message = "prefix must not contain '..'")
    @Size(max = 253)
    private String prefix;

    @JsonPropertyDescription("The bucket's region.")
    @Default("us-east-1")
    @Pattern("^[a-z0-9-]+$")
    private String region = "us-east-1";

    @JsonPropertyDescription(
        "A Secret in this namespace with the keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. When"
            + " absent, the SDK's default credentials apply (e.g. a web identity token for the Pod's"
            + " service account).")
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @Size(max = 253)
    private String credentialsSecret;

    @JsonPropertyDescription("Path-style URLs (endpoint/bucket/key), as MinIO and most S3-compatible servers need.")
    @Default("false")
    private boolean forcePathStyle;

    public String getEndpoint() {
      return endpoint;
    }

    public void setEndpoint(String endpoint) {
      this.endpoint = endpoint;
    }

    public String getBucket() {
      return bucket;
    }

    public void setBucket(String bucket) {
      this.bucket = bucket;
    }

    public String getPrefix() {
      return prefix;
    }

    public void setPrefix(String prefix) {
      this.prefix = prefix;
    }

    public String getRegion() {
      return region;
    }

    public void setRegion(String region) {
      this.region = region;
    }

    public String getCredentialsSecret() {
      return credentialsSecret;
    }

    public void setCredentialsSecret(String credentialsSecret) {
      this.credentialsSecret = credentialsSecret;
    }

    public boolean isForcePathStyle() {
      return forcePathStyle;
    }

    public void setForcePathStyle(boolean forcePathStyle) {
      this.forcePathStyle = forcePathStyle;
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
