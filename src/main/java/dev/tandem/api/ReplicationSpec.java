package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

public class ReplicationSpec {

  @JsonPropertyDescription(
      "SemiSync (default): loss-less semi-synchronous replication, no acknowledged write is lost"
          + " on failover. Async: commits do not wait for a replica; a failover may lose the"
          + " last writes.")
  @Default("SemiSync")
  private ReplicationMode mode = ReplicationMode.SemiSync;

  public ReplicationMode getMode() {
    return mode;
  }

  public void setMode(ReplicationMode mode) {
    this.mode = mode;
  }
}
