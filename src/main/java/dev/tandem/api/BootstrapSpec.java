package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** How a new cluster's data begins: empty (no bootstrap), or restored from a backup. */
public class BootstrapSpec {

  @JsonPropertyDescription("Restore the new cluster from a backup: every instance starts from its data and GTID position.")
  @Required
  private RestoreSource from;

  public static class RestoreSource {
    @JsonPropertyDescription(
        "A Completed MySQLBackup in this namespace, of a cluster of the same flavor. Its volume must be mountable by"
            + " the new cluster's Pods while they initialize.")
    @Required
    private String backup;

    @JsonPropertyDescription(
        "Restore to this moment (RFC 3339, e.g. 2026-11-29T10:15:00Z; binary log times have a resolution"
            + " of one second): after the backup, the binary logs archived by the first later backup of the"
            + " same cluster are replayed up to it. Absent: the backup's own position.")
    @io.fabric8.generator.annotation.Pattern("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$")
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
