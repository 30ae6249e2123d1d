package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Where and how the database Pods run. */
public class PodSpec {

  @JsonPropertyDescription(
      "Pod affinity. When absent, Tandem prefers to spread the instances over nodes"
          + " (preferred anti-affinity on kubernetes.io/hostname).")
  private Affinity affinity;

  @JsonPropertyDescription("Tolerations of the database Pods.")
  private List<Toleration> tolerations = new ArrayList<>();

  @JsonPropertyDescription("Node selector of the database Pods.")
  private Map<String, String> nodeSelector = new LinkedHashMap<>();

  @JsonPropertyDescription("Topology spread constraints of the database Pods.")
  private List<TopologySpreadConstraint> topologySpreadConstraints = new ArrayList<>();

  @JsonPropertyDescription("PriorityClass of the database Pods.")
  @Size(max = 253)
  private String priorityClassName;

  @JsonPropertyDescription(
      "Extra labels for the database Pods. Keys under mysql.tandem.dev/ and app.kubernetes.io/"
          + " belong to Tandem.")
  private Map<String, String> labels = new LinkedHashMap<>();

  @JsonPropertyDescription("Extra annotations for the database Pods.")
  private Map<String, String> annotations = new LinkedHashMap<>();

  @JsonPropertyDescription(
      "Seconds a stopping mysqld gets to shut down cleanly before it is killed (default 60).")
  @io.fabric8.generator.annotation.Min(0)
  @io.fabric8.generator.annotation.Max(3600)
  private Long terminationGracePeriodSeconds;

  public Affinity getAffinity() {
    return affinity;
  }

  public void setAffinity(Affinity affinity) {
    this.affinity = affinity;
  }

  public List<Toleration> getTolerations() {
    return tolerations;
  }

  public void setTolerations(List<Toleration> tolerations) {
    this.tolerations = tolerations;
  }

  public Map<String, String> getNodeSelector() {
    return nodeSelector;
  }

  public void setNodeSelector(Map<String, String> nodeSelector) {
    this.nodeSelector = nodeSelector;
  }

  public List<TopologySpreadConstraint> getTopologySpreadConstraints() {
    return topologySpreadConstraints;
  }

  public void setTopologySpreadConstraints(List<TopologySpreadConstraint> constraints) {
    this.topologySpreadConstraints = constraints;
  }

  public String getPriorityClassName() {
    return priorityClassName;
  }

  public void setPriorityClassName(String priorityClassName) {
    this.priorityClassName = priorityClassName;
  }

  public Map<String, String> getLabels() {
    return labels;
  }

  public void setLabels(Map<String, String> labels) {
    this.labels = labels;
  }

  public Map<String, String> getAnnotations() {
    return annotations;
  }

  public void setAnnotations(Map<String, String> annotations) {
    this.annotations = annotations;
  }

  public Long getTerminationGracePeriodSeconds() {
    return terminationGracePeriodSeconds;
  }

  public void setTerminationGracePeriodSeconds(Long terminationGracePeriodSeconds) {
    this.terminationGracePeriodSeconds = terminationGracePeriodSeconds;
  }
}
