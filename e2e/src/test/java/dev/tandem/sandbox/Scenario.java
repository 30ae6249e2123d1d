package dev.tandem.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A scenario file: a cluster and the steps to run against it. The vocabulary is documented in
 * e2e/README.md; a step is a one-key map, e.g. {@code kill: {target: master}}.
 *
 * @param cluster the MySQLCluster manifest, as a map
 * @param instanceAccess how the operator reaches mysqld ({@code operator: {instanceAccess: ...}}),
 *     the chart's value of that name: {@code pod-ip}, or {@code port-forward} through the API server
 */
public record Scenario(String name, Map<String, Object> cluster, String instanceAccess, List<Step> steps) {

  static final List<String> INSTANCE_ACCESS = List.of("pod-ip", "port-forward");

  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** One step: its kind and its arguments (a map; {@code writes: start} gives {@code {value: start}}). */
  public record Step(String kind, Map<String, Object> args) {

    String string(String key, String fallback) {
      Object value = args.get(key);
      return value == null ? fallback : value.toString();
    }

    double number(String key, double fallback) {
      Object value = args.get(key);
      return value == null ? fallback : Double.parseDouble(value.toString());
    }

    @Override
    public String toString() {
      return kind + (args.isEmpty() ? "" : " " + args);
    }
  }

  @SuppressWarnings("unchecked")
  public static Scenario read(Path file) throws IOException {
    Map<String, Object> root = YAML.readValue(Files.readString(file), Map.class);
    String name = require(root, "name", file).toString();
    var clusterSpec = (Map<String, Object>) require(root, "cluster", file);
    Map<String, Object> cluster;
    if (clusterSpec.containsKey("path")) {
      Path manifest = Path.of(clusterSpec.get("path").toString());
      if (!manifest.isAbsolute() && !Files.exists(manifest)) {
        manifest = file.toAbsolutePath().getParent().resolve(manifest);
      }
      cluster = YAML.readValue(Files.readString(manifest), Map.class);
    } else if (clusterSpec.containsKey("manifest")) {
      cluster = (Map<String, Object>) clusterSpec.get("manifest");
    } else {
      throw new IllegalArgumentException(file + ": cluster needs 'path' (a manifest file) or 'manifest' (an inline MySQLCluster)");
    }
    var operator = (Map<String, Object>) root.getOrDefault("operator", Map.of());
    String instanceAccess = operator.getOrDefault("instanceAccess", "pod-ip").toString();
    if (!INSTANCE_ACCESS.contains(instanceAccess)) {
      throw new IllegalArgumentException(file + ": operator.instanceAccess is '" + instanceAccess + "'; expected one of " + INSTANCE_ACCESS);
    }
    var steps = new ArrayList<Step>();
    for (Object entry : (List<Object>) require(root, "steps", file)) {
      if (!(entry instanceof Map<?, ?> map) || map.size() != 1) {
        throw new IllegalArgumentException(file + ": each step is a one-key map such as 'kill: {target: master}', got " + entry);
      }
      var step = ((Map<String, Object>) map).entrySet().iterator().next();
      Map<String, Object> args = step.getValue() instanceof Map<?, ?> m ? (Map<String, Object>) m
          : step.getValue() == null ? Map.of() : Map.of("value", step.getValue());
      if (!ScenarioRunner.STEPS.contains(step.getKey())) {
        throw new IllegalArgumentException(file + ": unknown step '" + step.getKey() + "'; known steps: " + ScenarioRunner.STEPS);
      }
      steps.add(new Step(step.getKey(), args));
    }
    return new Scenario(name, cluster, instanceAccess, steps);
  }

  private static Object require(Map<String, Object> root, String key, Path file) {
    Object value = root.get(key);
    if (value == null) {
      throw new IllegalArgumentException(file + ": '" + key + "' is missing");
    }
    return value;
  }
}
