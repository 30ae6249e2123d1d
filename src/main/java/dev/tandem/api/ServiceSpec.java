package dev.tandem.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import java.util.LinkedHashMap;
import java.util.Map;

public class ServiceSpec {

  public enum Type {
    ClusterIP,
    NodePort,
    LoadBalancer
  }

  @JsonPropertyDescription(
      "Type of the writer and reader Services. LoadBalancer with the provider's annotations"
          + " gives the writer an external address that follows the master.")
  @Default("ClusterIP")
  private Type type = Type.ClusterIP;

  @JsonPropertyDescription("Annotations for the writer and reader Services.")
  @Size(max = 64)
  private Map<String, String> annotations = new LinkedHashMap<>();

  public Type getType() {
    return type;
  }

  public void setType(Type type) {
    this.type = type;
  }

  public Map<String, String> getAnnotations() {
    return annotations;
  }

  public void setAnnotations(Map<String, String> annotations) {
    this.annotations = annotations;
  }
}
