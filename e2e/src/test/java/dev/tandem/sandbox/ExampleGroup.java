package dev.tandem.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.testing.Example;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Examples that refer to each other's objects (a backup to its cluster and claim, a restore to
 * its backup), in the order a reader applies them: what a file refers to is applied before it.
 * Examples that refer to nothing of another's are groups of their own. A new example joins the
 * group of what it refers to, without anything to declare.
 */
record ExampleGroup(List<Example> files) {

  /** Every example, grouped; groups in the order of their first file's path. */
  static List<ExampleGroup> of(List<Example> all) {
    var definedBy = new HashMap<String, Example>();
    all.forEach(example -> definitions(example).forEach(object -> definedBy.put(object, example)));
    var groupOf = new HashMap<Example, Set<Example>>();
    all.forEach(example -> groupOf.put(example, new LinkedHashSet<>(List.of(example))));
    for (var example : all) {
      for (String reference : references(example)) {
        var other = definedBy.get(reference);
        if (other != null && groupOf.get(other) != groupOf.get(example)) {
          var merged = groupOf.get(example);
          merged.addAll(groupOf.get(other));
          merged.forEach(member -> groupOf.put(member, merged));
        }
      }
    }
    var groups = new TreeMap<String, ExampleGroup>();
    groupOf.values().stream().distinct().forEach(members -> {
      var ordered = ordered(List.copyOf(members), definedBy);
      groups.put(ordered.get(0).name(), new ExampleGroup(ordered));
    });
    return List.copyOf(groups.values());
  }

  /** Kind/name of each object the example defines, e.g. {@code MySQLCluster/catalog}. */
  static Set<String> definitions(Example example) {
    return example.objects().stream().map(o -> o.path("kind").asText() + "/" + o.at("/metadata/name").asText())
        .collect(Collectors.toCollection(LinkedHashSet::new));
  }

  /** Kind/name of each object the example's objects name: clusters, backups, claims, Secrets. */
  static Set<String> references(Example example) {
    var references = new LinkedHashSet<String>();
    for (var object : example.objects()) {
      var spec = object.path("spec");
      switch (object.path("kind").asText()) {
        case "MySQLBackup", "MySQLBackupSchedule" -> {
          add(references, "MySQLCluster", spec.at("/clusterRef/name"));
          storage(references, spec.path("storage"));
        }
        case "MySQLDatabase", "MySQLGrant" -> add(references, "MySQLCluster", spec.at("/clusterRef/name"));
        case "MySQLUser" -> {
          add(references, "MySQLCluster", spec.at("/clusterRef/name"));
          add(references, "Secret", spec.at("/passwordSecretKeyRef/name"));
        }
        case "MySQLCluster" -> {
          add(references, "MySQLBackup", spec.at("/bootstrap/from/backup"));
          add(references, "Secret", spec.at("/credentials/secretName"));
          storage(references, spec.at("/bootstrap/from/storage"));
        }
        default -> { }
      }
    }
    references.removeAll(definitions(example));
    return references;
  }

  private static void storage(Set<String> references, JsonNode storage) {
    add(references, "PersistentVolumeClaim", storage.at("/pvc/claimName"));
    add(references, "Secret", storage.at("/s3/credentialsSecret"));
  }

  private static void add(Set<String> references, String kind, JsonNode name) {
    if (!name.asText("").isEmpty()) {
      references.add(kind + "/" + name.asText());
    }
  }

  /** What each file refers to comes before it; otherwise by path. */
  private static List<Example> ordered(List<Example> members, Map<String, Example> definedBy) {
    var remaining = new ArrayList<>(members);
    remaining.sort((a, b) -> a.name().compareTo(b.name()));
    var ordered = new ArrayList<Example>();
    while (!remaining.isEmpty()) {
      var next = remaining.stream()
          .filter(candidate -> references(candidate).stream().map(definedBy::get)
              .allMatch(definer -> definer == null || definer == candidate || ordered.contains(definer)))
          .findFirst()
          .orElseThrow(() -> new IllegalStateException("examples refer to each other in a circle: "
              + remaining.stream().map(Example::name).toList()));
      ordered.add(next);
      remaining.remove(next);
    }
    return List.copyOf(ordered);
  }

  String name() {
    return files.stream().map(Example::name).collect(Collectors.joining(", "));
  }

  /** Every MySQLCluster of the group is MariaDB: the sandbox runs mariadbd only. */
  boolean runsHere() {
    return files.stream().flatMap(f -> f.ofKind("MySQLCluster").stream()).allMatch(c -> "MariaDB".equals(Example.flavor(c)));
  }

  /**
   * The clusters that may go once file {@code index} is applied, and not before: defined by it or
   * before, and named by no later file, neither directly nor as the backed-up cluster of a later
   * point-in-time restore (which needs the next backup of that cluster).
   */
  List<String> clustersDoneAfter(int index) {
    var done = new ArrayList<>(doneBy(index));
    if (index > 0) {
      done.removeAll(doneBy(index - 1));
    }
    return done;
  }

  private List<String> doneBy(int index) {
    var backupClusters = new HashMap<String, String>();
    files.forEach(file -> file.ofKind("MySQLBackup").forEach(backup ->
        backupClusters.put("MySQLBackup/" + backup.at("/metadata/name").asText(), "MySQLCluster/" + backup.at("/spec/clusterRef/name").asText())));
    var neededLater = new HashSet<String>();
    for (var later : files.subList(index + 1, files.size())) {
      neededLater.addAll(references(later));
      later.ofKind("MySQLCluster").stream().filter(cluster -> !cluster.at("/spec/bootstrap/from/pointInTime").isMissingNode())
          .map(cluster -> backupClusters.get("MySQLBackup/" + cluster.at("/spec/bootstrap/from/backup").asText()))
          .filter(java.util.Objects::nonNull)
          .forEach(neededLater::add);
    }
    return files.subList(0, index + 1).stream().flatMap(file -> file.ofKind("MySQLCluster").stream())
        .map(cluster -> cluster.at("/metadata/name").asText())
        .filter(name -> !neededLater.contains("MySQLCluster/" + name))
        .toList();
  }
}
