package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The status of a MySQLDatabase, MySQLUser or MySQLGrant: what the master holds of it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SchemaObjectStatus {

  public static final String READY = "Ready";

  @JsonPropertyDescription("The metadata.generation last applied on the cluster's master.")
  private Long observedGeneration;

  @JsonPropertyDescription("What was done last, or why nothing could be: a refusal, the cluster waited for, an error.")
  private String message;

  @JsonPropertyDescription("The instance the statements last ran on: the master; the replicas get them by replication.")
  private String appliedOn;

  @JsonPropertyDescription(
      "MySQLUser: which password the account was last given, as a keyed digest (HMAC-SHA256 with the cluster's"
          + " administrator password); another password in the Secret is set in place.")
  private String passwordVersion;

  @JsonPropertyDescription(
      "MySQLGrant: the privileges the server lists for the grant once applied (ALL PRIVILEGES as the server"
          + " expands it); a difference found later is drift, reverted.")
  private List<String> privileges;

  @JsonPropertyDescription("Ready: True while the server holds what the spec asks; False with the reason otherwise.")
  private List<Condition> conditions = new ArrayList<>();

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public String getAppliedOn() {
    return appliedOn;
  }

  public void setAppliedOn(String appliedOn) {
    this.appliedOn = appliedOn;
  }

  public String getPasswordVersion() {
    return passwordVersion;
  }

  public void setPasswordVersion(String passwordVersion) {
    this.passwordVersion = passwordVersion;
  }

  public List<String> getPrivileges() {
    return privileges;
  }

  public void setPrivileges(List<String> privileges) {
    this.privileges = privileges;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  @JsonIgnore
  public Optional<Condition> ready() {
    return Optional.ofNullable(conditions).orElse(List.of()).stream().filter(c -> READY.equals(c.getType())).findFirst();
  }

  /** Whether the operator ever applied this object: only then does it drop or revoke it on deletion. */
  @JsonIgnore
  public boolean everApplied() {
    return observedGeneration != null;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SchemaObjectStatus other)) {
      return false;
    }
    return Objects.equals(observedGeneration, other.observedGeneration) && Objects.equals(message, other.message)
        && Objects.equals(appliedOn, other.appliedOn) && Objects.equals(passwordVersion, other.passwordVersion)
        && Objects.equals(privileges, other.privileges) && Objects.equals(conditions, other.conditions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, message, appliedOn, passwordVersion, privileges, conditions);
  }
}
