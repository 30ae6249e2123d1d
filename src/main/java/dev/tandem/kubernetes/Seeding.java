package dev.tandem.kubernetes;

import dev.tandem.api.MySQLCluster;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an empty data directory is filled from once a cluster has data, and the re-seeds a person
 * asked for. Both reach the Pods as environment of the seed and init containers, left out of the
 * restart hash: only a Pod created from then on reads them, and none restarts for them.
 *
 * <ul>
 *   <li>{@code SEED_EMPTY=true} from the moment status names a master: a new or emptied instance
 *       receives a donor's copy instead of initializing a data directory of its own (which could
 *       not replicate once the master purged its first binary logs) or restoring the original backup;
 *   <li>{@code RESEED=<instance>@<request> ...}: the instances named in the cluster's
 *       {@link #ANNOTATION}, each with the time it was first asked for, which names the directory
 *       its old data is put aside in. The operator removes the annotation once the instance is
 *       caught up again.
 * </ul>
 */
public record Seeding(boolean seedEmpty, Map<String, String> reseeds) {

  /** On the MySQLCluster, set by a person: the instances to re-seed from a donor, separated by commas or spaces. */
  public static final String ANNOTATION = "mysql.tandem.dev/reseed";
  public static final String CONTAINER = "seed";
  public static final String SEED_EMPTY = "SEED_EMPTY";
  public static final String RESEED = "RESEED";
  public static final int PORT = 4444;
  /** Context key of the Seeding the StatefulSet's template carries. */
  static final String CONTEXT_KEY = "seeding";

  public static final Seeding NONE = new Seeding(false, Map.of());

  /**
   * From the cluster (its status' master, its annotation) and the StatefulSet as it is, which
   * holds when each standing request began. The master (either master of a DualMaster cluster)
   * is never re-seeded: its data directory would be put aside under the writes.
   */
  public static Seeding of(MySQLCluster cluster, Optional<StatefulSet> statefulSet) {
    String master = cluster.getStatus() == null ? null : cluster.getStatus().getMaster();
    var begun = statefulSet.map(Seeding::reseedsOf).orElse(Map.of());
    var reseeds = new LinkedHashMap<String, String>();
    for (String instance : requested(cluster)) {
      int firstReplica = cluster.getSpec().getTopology() == dev.tandem.api.Topology.DualMaster ? 2 : 0;
      if (!instance.equals(master)
          && ClusterNames.ordinal(cluster, instance).filter(o -> o >= firstReplica && o < cluster.getSpec().getInstances()).isPresent()) {
        reseeds.put(instance, begun.getOrDefault(instance, Long.toString(Instant.now().getEpochSecond())));
      }
    }
    return new Seeding(master != null, reseeds);
  }

  /** The instances the annotation names, as written. */
  public static List<String> requested(MySQLCluster cluster) {
    var annotations = Optional.ofNullable(cluster.getMetadata().getAnnotations()).orElse(Map.of());
    String value = annotations.getOrDefault(ANNOTATION, "").trim();
    return value.isEmpty() ? List.of() : Arrays.stream(value.split("[,\\s]+")).distinct().toList();
  }

  List<EnvVar> environment() {
    var env = new ArrayList<EnvVar>();
    if (seedEmpty) {
      env.add(EnvVars.plain(SEED_EMPTY, "true"));
    }
    if (!reseeds.isEmpty()) {
      env.add(EnvVars.plain(RESEED, String.join(" ", reseeds.entrySet().stream().map(e -> e.getKey() + "@" + e.getValue()).toList())));
    }
    return env;
  }

  /** The standing re-seed requests of the StatefulSet's template: instance → request. */
  public static Map<String, String> reseedsOf(StatefulSet statefulSet) {
    return reseedsOf(statefulSet.getSpec().getTemplate().getSpec().getInitContainers());
  }

  /** The re-seed requests this Pod was created with: the one for its own instance is being carried out. */
  public static Optional<String> requestOf(Pod pod) {
    return Optional.ofNullable(reseedsOf(pod.getSpec().getInitContainers()).get(pod.getMetadata().getName()));
  }

  private static Map<String, String> reseedsOf(List<Container> initContainers) {
    var reseeds = new LinkedHashMap<String, String>();
    initContainers.stream().filter(container -> CONTAINER.equals(container.getName())).findFirst()
        .flatMap(container -> Optional.ofNullable(container.getEnv()).orElse(List.of()).stream()
            .filter(variable -> RESEED.equals(variable.getName())).findFirst())
        .map(EnvVar::getValue)
        .ifPresent(value -> Arrays.stream(value.trim().split("\\s+")).filter(entry -> entry.contains("@"))
            .forEach(entry -> reseeds.put(entry.substring(0, entry.lastIndexOf('@')), entry.substring(entry.lastIndexOf('@') + 1))));
    return reseeds;
  }

  /**
   * Whether the Pod's seed container runs now in a Pod created to be seeded (after the cluster had
   * data, or for its re-seed): its data directory is empty and it waits for, or receives, a
   * donor's copy. Otherwise it only passes through.
   */
  public static boolean waitsForDonor(Pod pod) {
    boolean seeds = Optional.ofNullable(pod.getSpec().getInitContainers()).orElse(List.of()).stream()
        .filter(container -> CONTAINER.equals(container.getName()))
        .flatMap(container -> Optional.ofNullable(container.getEnv()).orElse(List.of()).stream())
        .anyMatch(variable -> SEED_EMPTY.equals(variable.getName()) && "true".equals(variable.getValue()))
        || requestOf(pod).isPresent();
    // On every start the seed container runs for a moment before init: only one that stays waits.
    var settled = Instant.now().minus(SETTLED);
    return seeds && pod.getStatus() != null && Optional.ofNullable(pod.getStatus().getInitContainerStatuses()).orElse(List.of()).stream()
        .anyMatch(status -> CONTAINER.equals(status.getName()) && status.getState() != null && status.getState().getRunning() != null
            && Optional.ofNullable(status.getState().getRunning().getStartedAt()).map(Instant::parse).filter(settled::isAfter).isPresent());
  }

  /** How long the seed container runs before it counts as waiting for a donor. */
  static final java.time.Duration SETTLED = java.time.Duration.ofSeconds(2);
}
