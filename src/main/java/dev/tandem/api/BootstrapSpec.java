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
