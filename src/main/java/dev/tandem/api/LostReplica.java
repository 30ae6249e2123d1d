package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A replica the control loop lost while the master lived, cut off from the binlog so a failover need not wait for it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LostReplica(
    @JsonPropertyDescription("The instance.") String name,
    @JsonPropertyDescription("The address its replication account is refused from until it is reachable again.") String host,
    @JsonPropertyDescription("The master it was cut off on; its bound is read there only.") String cutOffOn,
    @JsonPropertyDescription("RFC 3339 time it was cut off.") String cutOffAt,
    @JsonPropertyDescription("The most it can hold: the master's GTID set once its binlog dumps to it were gone; absent until"
        + " then, and again once it is seen or streamed to, and a failover waits for it meanwhile.") String gtidBound) {

  public LostReplica withBound(String bound) {
    return new LostReplica(name, host, cutOffOn, cutOffAt, bound);
  }

  public LostReplica withoutBound() {
    return new LostReplica(name, host, cutOffOn, cutOffAt, null);
  }
}
