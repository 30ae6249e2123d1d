package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class MySQLBackupStatus {

  public enum BackupPhase {
    Pending,
    Running,
    Completed,
    Failed
  }

  @JsonPropertyDescription("Pending (waiting for another backup of the cluster), Running, Completed or Failed.")
  private BackupPhase phase;

  @JsonPropertyDescription("Why the backup is in its phase, e.g. why it failed or was refused.")
  private String message;

  @JsonPropertyDescription("The instance the backup was taken from.")
  private String source;

  @JsonPropertyDescription("GTID position of the backup's consistent point: everything up to it is in the backup, nothing after.")
  private String gtidPosition;

  @JsonPropertyDescription("The source's binary log file at the consistent point.")
  private String binlogFile;

  @JsonPropertyDescription("The source's binary log position at the consistent point.")
  private Long binlogPosition;

  @JsonPropertyDescription("RFC 3339 time the backup started.")
  private String startedAt;

  @JsonPropertyDescription("RFC 3339 time the backup completed or failed.")
  private String finishedAt;

  @JsonPropertyDescription("Bytes stored.")
  private Long sizeBytes;

  @JsonPropertyDescription("Where the backup is: pvc://<claim>/<path>.")
  private String location;

  @JsonPropertyDescription("The flavor of the cluster backed up: only a cluster of the same flavor restores it.")
  private Flavor flavor;

  @JsonPropertyDescription(
      "The previous Completed backup of the cluster in the same storage: the binary logs archived with this"
          + " backup begin at or before its position. Absent: every binary log the source had.")
  private String binlogsSince;

  public String getBinlogsSince() {
    return binlogsSince;
  }

  public void setBinlogsSince(String binlogsSince) {
    this.binlogsSince = binlogsSince;
  }

  @JsonPropertyDescription("The image the backup ran with; its tools delete the backup's files when the MySQLBackup is deleted.")
  private String image;

  @JsonPropertyDescription("Complete: True once the backup is whole and listed; False with the reason otherwise.")
  private List<Condition> conditions = new ArrayList<>();

  public BackupPhase getPhase() {
    return phase;
  }

  public void setPhase(BackupPhase phase) {
    this.phase = phase;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public String getSource() {
    return source;
  }

  public void setSource(String source) {
    this.source = source;
  }

  public String getGtidPosition() {
    return gtidPosition;
  }

  public void setGtidPosition(String gtidPosition) {
    this.gtidPosition = gtidPosition;
  }

  public String getBinlogFile() {
    return binlogFile;
  }

  public void setBinlogFile(String binlogFile) {
    this.binlogFile = binlogFile;
  }

  public Long getBinlogPosition() {
    return binlogPosition;
  }

  public void setBinlogPosition(Long binlogPosition) {
    this.binlogPosition = binlogPosition;
  }

  public String getStartedAt() {
    return startedAt;
  }

  public void setStartedAt(String startedAt) {
    this.startedAt = startedAt;
  }

  public String getFinishedAt() {
    return finishedAt;
  }

  public void setFinishedAt(String finishedAt) {
    this.finishedAt = finishedAt;
  }

  public Long getSizeBytes() {
    return sizeBytes;
  }

  public void setSizeBytes(Long sizeBytes) {
    this.sizeBytes = sizeBytes;
  }

  public String getLocation() {
    return location;
  }

  public void setLocation(String location) {
    this.location = location;
  }

  public Flavor getFlavor() {
    return flavor;
  }

  public void setFlavor(Flavor flavor) {
    this.flavor = flavor;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  @JsonIgnore
  public boolean isFinished() {
    return phase == BackupPhase.Completed || phase == BackupPhase.Failed;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof MySQLBackupStatus other)) {
      return false;
    }
    return phase == other.phase && Objects.equals(message, other.message) && Objects.equals(source, other.source)
        && Objects.equals(gtidPosition, other.gtidPosition) && Objects.equals(binlogFile, other.binlogFile)
        && Objects.equals(binlogPosition, other.binlogPosition) && Objects.equals(startedAt, other.startedAt)
        && Objects.equals(finishedAt, other.finishedAt) && Objects.equals(sizeBytes, other.sizeBytes)
        && Objects.equals(location, other.location) && Objects.equals(image, other.image) && flavor == other.flavor
        && Objects.equals(conditions, other.conditions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(phase, message, source, gtidPosition, startedAt, finishedAt);
  }
}
