package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

public class StorageSpec {

  /** A Kubernetes quantity in bytes, e.g. 10Gi, 500Mi or 1T. */
  public static final String SIZE_PATTERN =
      "^[1-9][0-9]{0,5}(\\.[0-9]{1,3})?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$";

  @JsonPropertyDescription("Size of each instance's data volume, e.g. 10Gi.")
  @Default("10Gi")
  @Pattern(SIZE_PATTERN)
  private String size = "10Gi";

  @JsonPropertyDescription("StorageClass of the data volumes; the cluster default when absent.")
  @Size(max = 253)
  private String storageClassName;

  @JsonPropertyDescription(
      "What happens to the data volumes: whenDeleted applies when the MySQLCluster is deleted,"
          + " whenScaled when instances is lowered. Retain (default) keeps them.")
  private VolumeRetention retention = new VolumeRetention();

  public enum RetentionPolicy {
    Retain,
    Delete
  }

  public static class VolumeRetention {
    @Default("Retain")
    private RetentionPolicy whenDeleted = RetentionPolicy.Retain;

    @Default("Retain")
    private RetentionPolicy whenScaled = RetentionPolicy.Retain;

    public RetentionPolicy getWhenDeleted() {
      return whenDeleted;
    }

    public void setWhenDeleted(RetentionPolicy whenDeleted) {
      this.whenDeleted = whenDeleted;
    }

    public RetentionPolicy getWhenScaled() {
      return whenScaled;
    }

    public void setWhenScaled(RetentionPolicy whenScaled) {
      this.whenScaled = whenScaled;
    }
  }

  public String getSize() {
    return size;
  }

  public void setSize(String size) {
    this.size = size;
  }

  public String getStorageClassName() {
    return storageClassName;
  }

  public void setStorageClassName(String storageClassName) {
    this.storageClassName = storageClassName;
  }

  public VolumeRetention getRetention() {
    return retention;
  }

  public void setRetention(VolumeRetention retention) {
    this.retention = retention;
  }
}
