package dev.tandem.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What an API server answers {@code kubectl get} with: a meta.k8s.io/v1 Table, so kubectl shows
 * the columns a cluster shows (the mock answers with objects, and kubectl then prints only NAME
 * and AGE). Pods get kubectl's READY, STATUS, RESTARTS and AGE (IP and NODE with {@code -o wide});
 * Tandem's resources the printer columns of their CRDs. Other kinds are left as they are.
 */
final class ServerSideTables {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern TANDEM = Pattern.compile("/apis/mysql\\.tandem\\.dev/v1alpha1/(?:namespaces/[^/]+/)?([a-z]+)(/[^/]+)?");
  private static final Pattern PODS = Pattern.compile("/api/v1/(?:namespaces/[^/]+/)?pods(/[^/]+)?");
  /** {@code .a.b}, or {@code .a[?(@.k=="v")].b}: the JSONPath forms Tandem's printer columns use. */
  private static final Pattern FILTER = Pattern.compile("([^.\\[]+)\\[\\?\\(@\\.([^=]+)==\"([^\"]*)\"\\)\\]");

  private record Column(String name, String type, int priority, String jsonPath) {}

  private final Map<String, List<Column>> tandemColumns;

  ServerSideTables(Map<String, java.nio.file.Path> crds) {
    this.tandemColumns = crds.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, crd -> printerColumns(crd.getValue())));
  }

  private static List<Column> printerColumns(java.nio.file.Path crd) {
    try {
      var definition = Serialization.unmarshal(Files.readString(crd), CustomResourceDefinition.class);
      var columns = new ArrayList<>(List.of(new Column("Name", "string", 0, ".metadata.name")));
      for (CustomResourceColumnDefinition column : Optional.ofNullable(definition.getSpec().getVersions().get(0).getAdditionalPrinterColumns())
          .orElse(List.of())) {
        columns.add(new Column(column.getName(), column.getType(), Optional.ofNullable(column.getPriority()).orElse(0), column.getJsonPath()));
      }
      return columns;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether kubectl asked for a Table: its Accept header lists {@code as=Table} first, and plain JSON as the fallback. */
  static boolean asked(String accept) {
    return accept != null && accept.contains("as=Table");
  }

  /** The Table for a pod or Tandem resource path's answer (an object or a list); empty for other paths. */
  Optional<String> table(String path, JsonNode answer) {
    var pods = PODS.matcher(path);
    if (pods.matches()) {
      return Optional.of(table(podColumns(), answer, ServerSideTables::podCells).toString());
    }
    var tandem = TANDEM.matcher(path);
    if (tandem.matches() && tandemColumns.containsKey(tandem.group(1))) {
      var columns = tandemColumns.get(tandem.group(1));
      return Optional.of(table(columns, answer, object -> columns.stream().map(column -> cell(column, object)).toList()).toString());
    }
    return Optional.empty();
  }

  private static ObjectNode table(List<Column> columns, JsonNode answer, java.util.function.Function<JsonNode, List<Object>> cells) {
    var table = JSON.createObjectNode().put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
    table.putObject("metadata").put("resourceVersion", answer.at("/metadata/resourceVersion").asText(""));
    ArrayNode definitions = table.putArray("columnDefinitions");
    for (var column : columns) {
      definitions.addObject().put("name", column.name()).put("type", column.type()).put("format", column.name().equals("Name") ? "name" : "")
          .put("description", column.name()).put("priority", column.priority());
    }
    ArrayNode rows = table.putArray("rows");
    var objects = answer.has("items") ? answer.get("items") : JSON.createArrayNode().add(answer);
    for (var object : objects) {
      var row = rows.addObject();
      ArrayNode rowCells = row.putArray("cells");
      cells.apply(object).forEach(value -> rowCells.add(JSON.valueToTree(value)));
      row.set("object", object);
    }
    return table;
  }

  private static Object cell(Column column, JsonNode object) {
    JsonNode value = at(object, column.jsonPath());
    if (value.isMissingNode() || value.isNull()) {
      return "";
    }
    if (column.type().equals("date")) {
      return age(value.asText());
    }
    return value.isNumber() || value.isBoolean() ? value : value.asText();
  }

  private static JsonNode at(JsonNode object, String jsonPath) {
    JsonNode current = object;
    for (String segment : jsonPath.substring(1).split("\\.(?![^\\[]*\\])")) {
      Matcher filter = FILTER.matcher(segment);
      if (filter.matches()) {
        JsonNode match = com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        for (JsonNode element : current.path(filter.group(1))) {
          if (element.path(filter.group(2)).asText().equals(filter.group(3))) {
            match = element;
            break;
          }
        }
        current = match;
      } else {
        current = current.path(segment);
      }
    }
    return current;
  }

  private static List<Column> podColumns() {
    return List.of(new Column("Name", "string", 0, ""), new Column("Ready", "string", 0, ""), new Column("Status", "string", 0, ""),
        new Column("Restarts", "string", 0, ""), new Column("Age", "string", 0, ""), new Column("IP", "string", 1, ""),
        new Column("Node", "string", 1, ""));
  }

  /** As kubectl prints a Pod: the reason a container waits or ended for, else the phase. */
  private static List<Object> podCells(JsonNode pod) {
    var containers = pod.at("/status/containerStatuses");
    int total = Math.max(pod.at("/spec/containers").size(), containers.size());
    int ready = 0;
    int restarts = 0;
    String status = pod.at("/status/phase").asText("Pending");
    for (var container : pod.at("/status/initContainerStatuses")) {
      String waiting = container.at("/state/waiting/reason").asText("");
      if (container.at("/state/running").isObject() || !waiting.isEmpty() && !waiting.equals("PodInitializing")) {
        status = "Init:" + (waiting.isEmpty() ? "Running" : waiting);
      }
    }
    for (var container : containers) {
      ready += container.path("ready").asBoolean() ? 1 : 0;
      restarts += container.path("restartCount").asInt();
      String waiting = container.at("/state/waiting/reason").asText("");
      String terminated = container.at("/state/terminated/reason").asText("");
      if (!waiting.isEmpty()) {
        status = waiting;
      } else if (!terminated.isEmpty()) {
        status = terminated;
      }
    }
    return List.of(pod.at("/metadata/name").asText(), ready + "/" + total, status, Integer.toString(restarts),
        age(pod.at("/metadata/creationTimestamp").asText("")), pod.at("/status/podIP").asText("<none>"), "sandbox");
  }

  /** kubectl's short ages: 45s, 3m12s, 17m, 5h3m, 2d. */
  static String age(String timestamp) {
    if (timestamp.isEmpty()) {
      return "<unknown>";
    }
    long seconds = Math.max(0, Duration.between(Instant.parse(timestamp), Instant.now()).toSeconds());
    if (seconds < 120) {
      return seconds + "s";
    }
    long minutes = seconds / 60;
    if (minutes < 10) {
      return minutes + "m" + (seconds % 60 == 0 ? "" : seconds % 60 + "s");
    }
    if (minutes < 180) {
      return minutes + "m";
    }
    long hours = minutes / 60;
    if (hours < 8) {
      return hours + "h" + (minutes % 60 == 0 ? "" : minutes % 60 + "m");
    }
    return hours < 48 ? hours + "h" : hours / 24 + "d";
  }
}
