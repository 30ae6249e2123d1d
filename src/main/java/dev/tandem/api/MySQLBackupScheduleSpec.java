package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.tandem.api.MySQLBackupSpec.BackupMethod;
import dev.tandem.api.MySQLBackupSpec.BackupSource;
import dev.tandem.api.MySQLBackupSpec.BackupStorage;
import dev.tandem.api.MySQLBackupSpec.ClusterRef;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

public class MySQLBackupScheduleSpec {

  @JsonPropertyDescription("The MySQLCluster to back up, in this namespace.")
  @Required
  private ClusterRef clusterRef;

  @JsonPropertyDescription(
      "When to take a backup, in UTC: a cron expression of 5 fields (minute hour day-of-month month"
          + " day-of-week, e.g. '0 3 * * *'), or 6 with seconds first.")
  @Required
  @ValidationRule(
      value = "self.matches('^\\\\s*([^\\\\s]+\\\\s+){4,5}[^\\\\s]+\\\\s*$')",
      message = "spec.schedule must be a cron expression: 5 fields (minute hour day-of-month month day-of-week, in UTC),"
          + " e.g. '0 3 * * *', or 6 with seconds first")
  private String schedule;

  @JsonPropertyDescription("The method of each backup; see MySQLBackup.")
  @Default("Logical")
  private BackupMethod method = BackupMethod.Logical;

  @JsonPropertyDescription("The source of each backup; see MySQLBackup.")
  @Default("Replica")
  private BackupSource source = BackupSource.Replica;

  @JsonPropertyDescription("Where each backup is written; see MySQLBackup.")
  @Required
  private BackupStorage storage;

  @JsonPropertyDescription(
      "Which of this schedule's Completed backups to keep; the others are deleted, with their files."
          + " Without it, every backup is kept.")
  private Retention retention;

  @JsonPropertyDescription("True stops new backups; running ones finish, and retention still applies.")
  @Default("false")
  private boolean suspend;

  @ValidationRule(value = "has(self.keepLast) || has(self.maxAgeHours)",
      message = "retention needs keepLast, maxAgeHours, or both")
  public static class Retention {
    @JsonPropertyDescription("Keep at most this many of the newest Completed backups.")
    @Min(1)
    @Max(10000)
    private Integer keepLast;

    @JsonPropertyDescription("Delete Completed backups older than this many hours; the newest is always kept.")
    @Min(1)
    @Max(876000)
    private Integer maxAgeHours;

    public Integer getKeepLast() {
      return keepLast;
    }

    public void setKeepLast(Integer keepLast) {
      this.keepLast = keepLast;
    }

    public Integer getMaxAgeHours() {
      return maxAgeHours;
    }

    public void setMaxAgeHours(Integer maxAgeHours) {
      this.maxAgeHours = maxAgeHours;
    }
  }

  public ClusterRef getClusterRef() {
    return clusterRef;
  }

  public void setClusterRef(ClusterRef clusterRef) {
    this.clusterRef = clusterRef;
  }

  public String getSchedule() {
    return schedule;
  }

  public void setSchedule(String schedule) {
    this.schedule = schedule;
  }

  public BackupMethod getMethod() {
    return method;
  }

  public void setMethod(BackupMethod method) {
    this.method = method;
  }

  public BackupSource getSource() {
    return source;
  }

  public void setSource(BackupSource source) {
    this.source = source;
  }

  public BackupStorage getStorage() {
    return storage;
  }

  public void setStorage(BackupStorage storage) {
    this.storage = storage;
  }

  public Retention getRetention() {
    return retention;
  }

  public void setRetention(Retention retention) {
    this.retention = retention;
  }

  public boolean isSuspend() {
    return suspend;
  }

  public void setSuspend(boolean suspend) {
    this.suspend = suspend;
  }
}
