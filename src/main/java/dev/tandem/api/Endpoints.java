package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record Endpoints(
    @JsonPropertyDescription("host:port of the writer Service, which follows the master.")
        String writer,
    @JsonPropertyDescription("host:port of the reader Service (ready replicas).") String readers,
    @JsonPropertyDescription("host:port of the Service selecting both masters (DualMaster only).")
        String masters) {}
