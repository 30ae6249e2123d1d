package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One instance as last observed. Replication fields stay empty until mysqld is probed. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InstanceStatus(
    @JsonPropertyDescription("Pod name, e.g. shop-0.") String name,
    @JsonPropertyDescription("Master, Replica, Offline, Errant or Unknown.") InstanceRole role,
    @JsonPropertyDescription("Whether the Pod is ready.") boolean ready,
    @JsonPropertyDescription("Whether mysqld refuses writes.") Boolean readOnly,
    @JsonPropertyDescription("GTIDs executed by this instance.") String gtidExecuted,
    @JsonPropertyDescription("Replication delay in seconds.") Long lagSeconds,
    @JsonPropertyDescription("Whether both replication threads run.") Boolean replicating) {

  public static InstanceStatus fromPod(String name, InstanceRole role, boolean ready) {
    return new InstanceStatus(name, role, ready, null, null, null, null);
  }
}
