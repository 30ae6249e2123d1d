package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One change of master, planned (Switchover) or not (Failover). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FailoverRecord(
    @JsonPropertyDescription("Failover or Switchover.") String type,
    @JsonPropertyDescription("The old master.") String from,
    @JsonPropertyDescription("The new master.") String to,
    @JsonPropertyDescription("RFC 3339 time the change started.") String startedAt,
    @JsonPropertyDescription("RFC 3339 time the writer Service pointed at the new master.")
        String finishedAt,
    @JsonPropertyDescription("Milliseconds from start to finish.") Long durationMillis,
    @JsonPropertyDescription("Why the master changed.") String reason) {}
