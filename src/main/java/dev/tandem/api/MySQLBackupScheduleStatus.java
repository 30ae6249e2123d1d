package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class MySQLBackupScheduleStatus {

  @JsonPropertyDescription("RFC 3339 time of the last run that was due (taken or skipped).")
  private String lastScheduleTime;

  @JsonPropertyDescription("RFC 3339 time of the next run; absent while suspended or invalid.")
  private String nextScheduleTime;

  @JsonPropertyDescription("The MySQLBackup of the last run taken.")
  private String lastBackup;

  @JsonPropertyDescription("What the schedule last did or why it cannot run.")
  private String message;

  public String getLastScheduleTime() {
    return lastScheduleTime;
  }

  public void setLastScheduleTime(String lastScheduleTime) {
    this.lastScheduleTime = lastScheduleTime;
  }

  public String getNextScheduleTime() {
    return nextScheduleTime;
  }

  public void setNextScheduleTime(String nextScheduleTime) {
    this.nextScheduleTime = nextScheduleTime;
  }

  public String getLastBackup() {
    return lastBackup;
  }

  public void setLastBackup(String lastBackup) {
    this.lastBackup = lastBackup;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MySQLBackupScheduleStatus other && Objects.equals(lastScheduleTime, other.lastScheduleTime)
        && Objects.equals(nextScheduleTime, other.nextScheduleTime) && Objects.equals(lastBackup, other.lastBackup)
        && Objects.equals(message, other.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(lastScheduleTime, nextScheduleTime, lastBackup, message);
  }
}
