package dev.tandem.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Quantity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A shipped example: a YAML file under manifests/examples (every directory down) and the objects
 * it holds, as written. {@link #needs} says what it needs beyond a bare conformant cluster (kind,
 * minikube): the examples outside production/ need nothing, those in it say what they need in
 * their header comment.
 */
public record Example(Path file, List<JsonNode> objects) {

  public static final Path ROOT = Path.of("manifests/examples");
  public static final String PRODUCTION = "production";

  /** What a bare cluster lacks for a Pod to run, per instance: at most this much requested. */
  static final BigDecimal MAX_CPU = new BigDecimal("0.5");
  static final BigDecimal MAX_MEMORY = BigDecimal.valueOf(1L << 30);
  /** The default size of a data volume: local-path and hostpath provisioners do not enforce it anyway. */
  static final BigDecimal MAX_STORAGE = BigDecimal.valueOf(10L << 30);
  /** Node labels every Linux node carries. */
  static final java.util.Map<String, String> EVERY_NODE = java.util.Map.of("kubernetes.io/os", "linux");
  /** PriorityClasses every API server has. */
  static final Set<String> BUILT_IN_PRIORITY_CLASSES = Set.of("system-cluster-critical", "system-node-critical");

  /** Something an example needs that a bare cluster does not have; {@code mention} must be in its header. */
  public record Need(Kind kind, String mention, String what) {
    public enum Kind { PRIORITY_CLASS, NODES, STORAGE_CLASS, LOAD_BALANCER, SECRET, BUCKET, RESOURCES, ACCESS_MODE, CERTIFICATE }

    @Override
    public String toString() {
      return what;
    }
  }

  /** Every example, sorted by path. */
  public static List<Example> all() {
    try (var files = Files.walk(ROOT)) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().map(Example::read).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Example read(Path file) {
    try (var documents = new YAMLMapper().readerFor(JsonNode.class).<JsonNode>readValues(Files.readString(file))) {
      var objects = new ArrayList<JsonNode>();
      documents.forEachRemaining(document -> {
        if (document != null && !document.isMissingNode() && !document.isNull()) {
          objects.add(document);
        }
      });
      return new Example(file, List.copyOf(objects));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The path under manifests/examples, e.g. {@code backup/backup-to-pvc.yaml}. */
  public String name() {
    return ROOT.relativize(file).toString();
  }

  public boolean isProduction() {
    return ROOT.relativize(file).getName(0).toString().equals(PRODUCTION);
  }

  public List<JsonNode> ofKind(String kind) {
    return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
  }

  /** The comment lines the file opens with. */
  public String header() {
    try {
      return Files.readAllLines(file).stream().takeWhile(line -> line.startsWith("#")).collect(Collectors.joining("\n"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Kind/name of what every example defines: a Secret another example defines is no need of this one. */
  static Set<String> definedByAll(List<Example> examples) {
    return examples.stream().flatMap(e -> e.objects().stream())
        .map(o -> o.path("kind").asText() + "/" + o.at("/metadata/name").asText()).collect(Collectors.toSet());
  }

  /** What this example needs beyond a bare cluster, given every example ({@code all}) and what they define. */
  public List<Need> needs(List<Example> all) {
    var defined = definedByAll(all);
    var needs = new ArrayList<Need>();
    for (var object : objects) {
      String kind = object.path("kind").asText();
      String name = kind + " " + object.at("/metadata/name").asText();
      switch (kind) {
        case "MySQLCluster" -> clusterNeeds(object, name, defined, needs);
        case "MySQLBackup", "MySQLBackupSchedule" -> storageNeeds(object.at("/spec/storage"), name, defined, needs);
        case "PersistentVolumeClaim" -> claimNeeds(object.path("spec"), name, needs);
        case "Certificate" -> needs.add(new Need(Need.Kind.CERTIFICATE, "cert-manager", name + " is cert-manager's ("
            + object.path("apiVersion").asText() + "), issued by " + object.at("/spec/issuerRef/kind").asText() + " "
            + object.at("/spec/issuerRef/name").asText() + " into the Secret " + object.at("/spec/secretName").asText()));
        case "Service" -> {
          if (!object.at("/spec/type").asText("ClusterIP").equals("ClusterIP")) {
            needs.add(new Need(Need.Kind.LOAD_BALANCER, "load-balancer", name + " is of type " + object.at("/spec/type").asText()));
          }
        }
        default -> { }
      }
    }
    return needs;
  }

  private static void clusterNeeds(JsonNode cluster, String name, Set<String> defined, List<Need> needs) {
    var spec = cluster.path("spec");
    var pod = spec.path("pod");
    String priorityClass = pod.path("priorityClassName").asText("");
    if (!priorityClass.isEmpty() && !BUILT_IN_PRIORITY_CLASSES.contains(priorityClass)) {
      needs.add(new Need(Need.Kind.PRIORITY_CLASS, priorityClass, name + ": spec.pod.priorityClassName " + priorityClass
          + " names a PriorityClass a bare cluster does not have (the API server refuses the Pods)"));
    }
    pod.path("tolerations").forEach(toleration -> needs.add(new Need(Need.Kind.NODES, toleration.path("key").asText(),
        name + ": spec.pod.tolerations " + toleration.path("key").asText() + " is for nodes tainted so")));
    pod.path("nodeSelector").fields().forEachRemaining(label -> {
      if (!label.getValue().asText().equals(EVERY_NODE.get(label.getKey()))) {
        needs.add(new Need(Need.Kind.NODES, label.getKey(),
            name + ": spec.pod.nodeSelector " + label.getKey() + " needs nodes labelled so (the Pods stay Pending without them)"));
      }
    });
    pod.path("topologySpreadConstraints").forEach(constraint -> {
      if ("DoNotSchedule".equals(constraint.path("whenUnsatisfiable").asText("DoNotSchedule"))) {
        needs.add(new Need(Need.Kind.NODES, constraint.path("topologyKey").asText(), name
            + ": spec.pod.topologySpreadConstraints on " + constraint.path("topologyKey").asText() + " with DoNotSchedule needs nodes in several"));
      }
    });
    if (!pod.path("affinity").isMissingNode() && !pod.path("affinity").isNull()) {
      needs.add(new Need(Need.Kind.NODES, "affinity", name + ": spec.pod.affinity is about nodes a bare cluster may not have"));
    }
    String serviceType = spec.at("/service/type").asText("ClusterIP");
    if (!serviceType.equals("ClusterIP")) {
      needs.add(new Need(Need.Kind.LOAD_BALANCER, "load-balancer", name + ": spec.service.type " + serviceType
          + " needs a load-balancer provider (kind and minikube have none of their own)"));
    }
    String storageClass = spec.at("/storage/storageClassName").asText("");
    if (!storageClass.isEmpty()) {
      needs.add(new Need(Need.Kind.STORAGE_CLASS, storageClass, name + ": spec.storage.storageClassName " + storageClass
          + " is not the cluster's default StorageClass"));
    }
    String secret = spec.at("/credentials/secretName").asText("");
    if (!secret.isEmpty() && !defined.contains("Secret/" + secret)) {
      needs.add(new Need(Need.Kind.SECRET, secret, name + ": spec.credentials.secretName " + secret + " is a Secret no example defines"));
    }
    String size = spec.at("/storage/size").asText("10Gi");
    if (bytes(size).compareTo(MAX_STORAGE) > 0) {
      needs.add(new Need(Need.Kind.RESOURCES, size, name + ": spec.storage.size " + size + " per instance is more than a laptop gives"));
    }
    var resources = spec.path("resources");
    for (String section : List.of("requests", "limits")) {
      var cpu = resources.path(section).path("cpu");
      if (!cpu.isMissingNode() && Quantity.getAmountInBytes(new Quantity(cpu.asText())).compareTo(MAX_CPU) > 0) {
        needs.add(new Need(Need.Kind.RESOURCES, cpu.asText(), name + ": spec.resources." + section + ".cpu " + cpu.asText()
            + " per instance is more than a laptop cluster gives (at most " + MAX_CPU + ")"));
      }
      var memory = resources.path(section).path("memory");
      if (!memory.isMissingNode() && bytes(memory.asText()).compareTo(MAX_MEMORY) > 0) {
        needs.add(new Need(Need.Kind.RESOURCES, memory.asText(), name + ": spec.resources." + section + ".memory " + memory.asText()
            + " per instance is more than a laptop cluster gives (at most 1Gi)"));
      }
    }
    storageNeeds(spec.at("/bootstrap/from/storage"), name + " (spec.bootstrap.from)", defined, needs);
  }

  private static void storageNeeds(JsonNode storage, String name, Set<String> defined, List<Need> needs) {
    var s3 = storage.path("s3");
    if (s3.isMissingNode()) {
      return;
    }
    String bucket = s3.path("bucket").asText();
    needs.add(new Need(Need.Kind.BUCKET, bucket, name + " goes to the bucket " + bucket + " at "
        + s3.path("endpoint").asText("AWS S3") + ", which a bare cluster does not have"));
    String secret = s3.path("credentialsSecret").asText("");
    if (!secret.isEmpty() && !defined.contains("Secret/" + secret)) {
      needs.add(new Need(Need.Kind.SECRET, secret, name + ": credentialsSecret " + secret + " is a Secret no example defines"));
    }
  }

  private static void claimNeeds(JsonNode spec, String name, List<Need> needs) {
    String storageClass = spec.path("storageClassName").asText("");
    if (!storageClass.isEmpty()) {
      needs.add(new Need(Need.Kind.STORAGE_CLASS, storageClass, name + ": storageClassName " + storageClass
          + " is not the cluster's default StorageClass"));
    }
    spec.path("accessModes").forEach(mode -> {
      if (!mode.asText().equals("ReadWriteOnce")) {
        needs.add(new Need(Need.Kind.ACCESS_MODE, mode.asText(), name + ": access mode " + mode.asText()
            + " is one a default StorageClass may not offer (kind's local-path offers ReadWriteOnce only)"));
      }
    });
    String size = spec.at("/resources/requests/storage").asText("0");
    if (bytes(size).compareTo(MAX_STORAGE) > 0) {
      needs.add(new Need(Need.Kind.RESOURCES, size, name + ": " + size + " is more than a laptop gives"));
    }
  }

  private static BigDecimal bytes(String quantity) {
    return Quantity.getAmountInBytes(new Quantity(quantity));
  }

  /** A MySQLCluster's flavor as the API server would default it. */
  public static String flavor(JsonNode cluster) {
    return cluster.at("/spec/engine/flavor").asText("MySQL");
  }
}
