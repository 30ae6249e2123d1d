package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What Tandem observed; the operator is its only writer. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MySQLClusterStatus {

  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Provisioning, Ready, Degraded, FailingOver, Unavailable (a master is known and nothing takes writes; the Ready condition says why) or Error.")
  private Phase phase;

  @JsonPropertyDescription("The instance the writer Service points at now.")
  private String master;

  @JsonPropertyDescription("Ready instances out of the wanted number, e.g. 2/3.")
  private String ready;

  @JsonPropertyDescription("Number of ready instances.")
  private Integer readyInstances;

  @JsonPropertyDescription("What Tandem knows of each instance.")
  private List<InstanceStatus> instances = new ArrayList<>();

  @JsonPropertyDescription("Ready, Progressing and, later, Writable, Replicating, FailoverInProgress.")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("The last failover or switchover.")
  private FailoverRecord lastFailover;

  @JsonPropertyDescription("Addresses applications use.")
  private Endpoints endpoints;

  @JsonPropertyDescription("While the recorded master does not answer: when it last did (RFC 3339). A replica whose mysqld"
      + " started after that lost what it had received and not applied, so a semi-sync failover waits for the master.")
  private String masterLastSeenAt;

  @JsonPropertyDescription("Replicas lost while the master lived and cut off from the binlog (semi-sync): a failover does not"
      + " wait for one whose bound a candidate holds.")
  private List<LostReplica> lostReplicas = new ArrayList<>();

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public Phase getPhase() {
    return phase;
  }

  public void setPhase(Phase phase) {
    this.phase = phase;
  }

  public String getMaster() {
    return master;
  }

  public void setMaster(String master) {
    this.master = master;
  }

  public String getReady() {
    return ready;
  }

  public void setReady(String ready) {
    this.ready = ready;
  }

  public Integer getReadyInstances() {
    return readyInstances;
  }

  public void setReadyInstances(Integer readyInstances) {
    this.readyInstances = readyInstances;
  }

  public List<InstanceStatus> getInstances() {
    return instances;
  }

  public void setInstances(List<InstanceStatus> instances) {
    this.instances = instances;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public FailoverRecord getLastFailover() {
    return lastFailover;
  }

  public void setLastFailover(FailoverRecord lastFailover) {
    this.lastFailover = lastFailover;
  }

  public Endpoints getEndpoints() {
    return endpoints;
  }

  public void setEndpoints(Endpoints endpoints) {
    this.endpoints = endpoints;
  }

  public String getMasterLastSeenAt() {
    return masterLastSeenAt;
  }

  public void setMasterLastSeenAt(String masterLastSeenAt) {
    this.masterLastSeenAt = masterLastSeenAt;
  }

  public List<LostReplica> getLostReplicas() {
    return lostReplicas;
  }

  public void setLostReplicas(List<LostReplica> lostReplicas) {
    this.lostReplicas = lostReplicas;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MySQLClusterStatus other
        && Objects.equals(observedGeneration, other.observedGeneration)
        && phase == other.phase
        && Objects.equals(master, other.master)
        && Objects.equals(ready, other.ready)
        && Objects.equals(readyInstances, other.readyInstances)
        && Objects.equals(instances, other.instances)
        && Objects.equals(conditions, other.conditions)
        && Objects.equals(lastFailover, other.lastFailover)
        && Objects.equals(endpoints, other.endpoints)
        && Objects.equals(masterLastSeenAt, other.masterLastSeenAt)
        && Objects.equals(lostReplicas, other.lostReplicas);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, phase, master, ready, instances, conditions);
  }
}
