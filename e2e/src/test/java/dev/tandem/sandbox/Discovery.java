package dev.tandem.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The discovery documents an API server serves, for the kinds the sandbox stores, so that kubectl
 * (and clients that discover) work against it: {@code kubectl get mysqlclusters -w}.
 */
final class Discovery {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A served resource: plural, kind, namespaced, short names. */
  private record Resource(String plural, String kind, boolean namespaced, List<String> shortNames) {}

  private static final Map<String, List<Resource>> RESOURCES = Map.of(
      "v1", List.of(
          new Resource("namespaces", "Namespace", false, List.of("ns")),
          new Resource("pods", "Pod", true, List.of("po")),
          new Resource("services", "Service", true, List.of("svc")),
          new Resource("endpoints", "Endpoints", true, List.of("ep")),
          new Resource("configmaps", "ConfigMap", true, List.of("cm")),
          new Resource("secrets", "Secret", true, List.of()),
          new Resource("persistentvolumeclaims", "PersistentVolumeClaim", true, List.of("pvc")),
          new Resource("events", "Event", true, List.of("ev"))),
      "apps/v1", List.of(new Resource("statefulsets", "StatefulSet", true, List.of("sts"))),
      "policy/v1", List.of(new Resource("poddisruptionbudgets", "PodDisruptionBudget", true, List.of("pdb"))),
      "scheduling.k8s.io/v1", List.of(new Resource("priorityclasses", "PriorityClass", false, List.of("pc"))),
      "coordination.k8s.io/v1", List.of(new Resource("leases", "Lease", true, List.of())),
      "events.k8s.io/v1", List.of(new Resource("events", "Event", true, List.of("ev"))),
      "mysql.tandem.dev/v1alpha1", List.of(new Resource("mysqlclusters", "MySQLCluster", true, List.of("mysql", "myc")),
          new Resource("mysqlbackups", "MySQLBackup", true, List.of("mybk")),
          new Resource("mysqlbackupschedules", "MySQLBackupSchedule", true, List.of("mybks")),
          new Resource("mysqldatabases", "MySQLDatabase", true, List.of("mydb")),
          new Resource("mysqlusers", "MySQLUser", true, List.of("myuser")),
          new Resource("mysqlgrants", "MySQLGrant", true, List.of("mygrant"))));

  Optional<String> answer(String path) {
    String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    if (bare.equals("/api")) {
      var versions = JSON.createObjectNode().put("kind", "APIVersions");
      versions.putArray("versions").add("v1");
      versions.putArray("serverAddressByClientCIDRs");
      return Optional.of(versions.toString());
    }
    if (bare.equals("/apis")) {
      var groups = JSON.createObjectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
      ArrayNode list = groups.putArray("groups");
      RESOURCES.keySet().stream().filter(version -> version.contains("/")).sorted().forEach(groupVersion -> {
        String group = groupVersion.substring(0, groupVersion.indexOf('/'));
        var entry = list.addObject().put("name", group);
        var version = JSON.createObjectNode().put("groupVersion", groupVersion).put("version", groupVersion.substring(group.length() + 1));
        entry.putArray("versions").add(version);
        entry.set("preferredVersion", version);
      });
      return Optional.of(groups.toString());
    }
    String groupVersion = bare.equals("/api/v1") ? "v1" : bare.startsWith("/apis/") ? bare.substring("/apis/".length()) : "";
    var resources = RESOURCES.get(groupVersion);
    if (resources == null) {
      return Optional.empty();
    }
    var document = JSON.createObjectNode().put("kind", "APIResourceList").put("apiVersion", "v1").put("groupVersion", groupVersion);
    ArrayNode list = document.putArray("resources");
    for (var resource : resources) {
      var entry = list.addObject().put("name", resource.plural()).put("singularName", resource.kind().toLowerCase())
          .put("namespaced", resource.namespaced()).put("kind", resource.kind());
      var verbs = entry.putArray("verbs");
      List.of("create", "delete", "get", "list", "patch", "update", "watch").forEach(verbs::add);
      var shortNames = entry.putArray("shortNames");
      resource.shortNames().forEach(shortNames::add);
      if (groupVersion.startsWith("mysql.tandem.dev/")) {
        list.addObject().put("name", resource.plural() + "/status").put("singularName", "").put("namespaced", true).put("kind", resource.kind())
            .putArray("verbs").add("get").add("patch").add("update");
      }
    }
    return Optional.of(document.toString());
  }
}
