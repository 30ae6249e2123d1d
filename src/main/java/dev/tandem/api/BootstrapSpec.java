package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** How a new cluster's data begins: empty (no bootstrap), or restored from a backup. */
public class BootstrapSpec {

  @JsonPropertyDescription("Restore the new cluster from a backup: every instance starts from its data and GTID position.")
  @Required
  private RestoreSource from;

  @ValidationRule(value = "has(self.backup) != has(self.storage)",
      message = "from takes either backup (a MySQLBackup's name) or storage and path (a backup no MySQLBackup describes)")
  @ValidationRule(value = "has(self.storage) == has(self.path)", message = "storage and path go together")
  @ValidationRule(value = "!has(self.binlogsFrom) || (has(self.storage) && has(self.pointInTime))",
      message = "binlogsFrom goes with storage, path and pointInTime; with backup, the operator finds the next backup itself")
  public static class RestoreSource {
    @JsonPropertyDescription(
        "A Completed MySQLBackup in this namespace, of a cluster of the same flavor. On a volume, the claim must be"
            + " mountable by the new cluster's Pods while they initialize.")
    @Size(min = 1, max = 253)
    private String backup;

    @JsonPropertyDescription(
        "Where a backup is that no MySQLBackup describes (another Kubernetes cluster's, after a disaster): a"
            + " volume claim or a bucket, as in MySQLBackup.spec.storage. With path.")
    private MySQLBackupSpec.BackupStorage storage;

    @JsonPropertyDescription(
        "The backup's path in storage: the directory in the volume, or the key prefix in the bucket, that holds"
            + " its backup.json, e.g. tandem/prod/shop/shop-nightly-20261128030000 (a MySQLBackup's status.location"
            + " without its scheme and claim or bucket).")
    @Pattern("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")
    @ValidationRule(value = "!self.split('/').exists(part, part == '..')", message = "path must not contain '..'")
    @Size(max = 1024)
    private String path;

    @JsonPropertyDescription(
        "With storage, path and pointInTime: the path of a later backup, in the same storage, whose archived"
            + " binary logs are replayed up to pointInTime.")
    @Pattern("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")
    @ValidationRule(value = "!self.split('/').exists(part, part == '..')", message = "binlogsFrom must not contain '..'")
    @Size(max = 1024)
    private String binlogsFrom;

    public MySQLBackupSpec.BackupStorage getStorage() {
      return storage;
    }

    public void setStorage(MySQLBackupSpec.BackupStorage storage) {
      this.storage = storage;
    }

    public String getPath() {
      return path;
    }

    public void setPath(String path) {
      this.path = path;
    }

    public String getBinlogsFrom() {
      return binlogsFrom;
    }

    public void setBinlogsFrom(String binlogsFrom) {
      this.binlogsFrom = binlogsFrom;
    }

    @JsonPropertyDescription(
        "Restore to this moment (RFC 3339, e.g. 2026-11-29T10:15:00Z; binary log times have a resolution"
            + " of one second): after the backup, the binary logs archived by the first later backup of the"
            + " same cluster (or binlogsFrom) are replayed up to it. Absent: the backup's own position.")
    @Pattern("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$")
    private String pointInTime;

    public String getPointInTime() {
      return pointInTime;
    }

    public void setPointInTime(String pointInTime) {
      this.pointInTime = pointInTime;
    }

    public String getBackup() {
      return backup;
    }

    public void setBackup(String backup) {
      this.backup = backup;
    }
  }

  public RestoreSource getFrom() {
    return from;
  }

  public void setFrom(RestoreSource from) {
    this.from = from;
  }
}
