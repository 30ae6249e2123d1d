package dev.tandem.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A fault campaign: from a seed, a random sequence of faults drawn from the scenario vocabulary,
 * each followed by its own healing and a {@code waitConverged}, under writes, ending with the
 * checks every scenario makes (nothing acknowledged lost, no split brain, every instance
 * consistent). The same seed gives the same scenario, written as a file that {@code make scenario}
 * replays.
 *
 * <p>The bound on convergence, {@link #CONVERGE_SECONDS}, covers the slowest healing a step can
 * need: a SIGKILLed operator restarts (about 5 s here; its Pod's name holds the Lease, so it
 * leads at once, where a new Pod would wait out the Lease's 15 s), then fails over (under 1 s)
 * while a killed mysqld restarts (the kubelet's 2 s backoff, doubling for a container killed again
 * soon after, plus crash recovery), with room for a 2-core machine.
 */
public final class ChaosCampaign {

  static final int CONVERGE_SECONDS = 60;

  /** The faults drawn from, each a short list of steps that ends healed. */
  enum Fault {
    KILL_MASTER, KILL_REPLICA, KILL_ALL, FREEZE_MASTER, FREEZE_REPLICA, PARTITION_MASTER, PARTITION_MASTER_FROM_OPERATOR,
    PARTITION_MASTER_FROM_REPLICAS, PARTITION_REPLICA, DELETE_MASTER_POD, DELETE_REPLICA_POD, DELETE_ALL_PODS, RESTART_OPERATOR,
    OPERATOR_DOWN_ACROSS_MASTER_KILL, SWITCHOVER, OFFLINE_REPLICA, SCALE_DOWN_AND_UP, SCALE_UP_AND_DOWN
  }

  private ChaosCampaign() {}

  /**
   * One campaign: its scenario, the faults drawn, and for each the index of the step that must
   * find the cluster converged after it.
   */
  record Campaign(Scenario scenario, List<Fault> faults, List<Integer> convergedAt) {

    /** How many faults the cluster converged after, given the run's step reports. */
    int survived(List<Map<String, Object>> stepReports) {
      return (int) convergedAt.stream()
          .filter(index -> index < stepReports.size() && Boolean.TRUE.equals(stepReports.get(index).get("ok")))
          .count();
    }
  }

  /** The campaign of one topology and seed; the scenario's name holds both. */
  static Campaign generate(String topology, long seed, int steps) {
    var random = new Random(seed);
    var list = new ArrayList<Scenario.Step>();
    var faults = new ArrayList<Fault>();
    var convergedAt = new ArrayList<Integer>();
    list.add(step("waitReady", Map.of("timeoutSeconds", 180)));
    list.add(step("writes", Map.of("value", "start")));
    for (int i = 0; i < steps; i++) {
      var fault = Fault.values()[random.nextInt(Fault.values().length)];
      faults.add(fault);
      list.addAll(fault(fault, topology, random));
      convergedAt.add(list.size());
      list.add(step("waitConverged", Map.of("timeoutSeconds", CONVERGE_SECONDS)));
      list.add(step("sleep", Map.of("seconds", 1)));
    }
    list.add(step("writes", Map.of("value", "stop")));
    list.add(step("expect", Map.of("lostWrites", 0, "splitBrain", false, "consistent", true)));
    return new Campaign(new Scenario(name(topology, seed), cluster(topology), "pod-ip", list), faults, convergedAt);
  }

  static String name(String topology, long seed) {
    return "chaos-" + topology.toLowerCase() + "-seed-" + seed;
  }

  private static List<Scenario.Step> fault(Fault fault, String topology, Random random) {
    int seconds = 3 + random.nextInt(6);
    return switch (fault) {
      case KILL_MASTER -> List.of(step("kill", Map.of("target", "master")));
      case KILL_REPLICA -> List.of(step("kill", Map.of("target", "replica")));
      case KILL_ALL -> List.of(step("kill", Map.of("target", "all")));
      case FREEZE_MASTER -> List.of(step("freeze", Map.of("target", "master", "seconds", seconds)));
      case FREEZE_REPLICA -> List.of(step("freeze", Map.of("target", "replica", "seconds", seconds)));
      case PARTITION_MASTER -> List.of(step("partition", Map.of("target", "master", "from", List.of("everyone"), "seconds", seconds)));
      case PARTITION_MASTER_FROM_OPERATOR ->
          List.of(step("partition", Map.of("target", "master", "from", List.of("operator"), "seconds", seconds)));
      case PARTITION_MASTER_FROM_REPLICAS ->
          List.of(step("partition", Map.of("target", "master", "from", List.of("replicas"), "seconds", seconds)));
      case PARTITION_REPLICA -> List.of(step("partition", Map.of("target", "replica", "from", List.of("everyone"), "seconds", seconds)));
      case DELETE_MASTER_POD -> List.of(step("deletePod", Map.of("target", "master")));
      case DELETE_REPLICA_POD -> List.of(step("deletePod", Map.of("target", "replica")));
      case DELETE_ALL_PODS -> List.of(step("deletePod", Map.of("target", "all")));
      case RESTART_OPERATOR -> List.of(step("restartOperator", Map.of()));
      case OPERATOR_DOWN_ACROSS_MASTER_KILL -> List.of(step("stopOperator", Map.of()), step("kill", Map.of("target", "master")),
          step("sleep", Map.of("seconds", seconds)), step("startOperator", Map.of()));
      case SWITCHOVER -> {
        var wish = new LinkedHashMap<String, Object>();
        // In DualMaster the writer Service may move between the two masters only.
        wish.put("master", "shop-" + random.nextInt(topology.equals("DualMaster") ? 2 : 3));
        var clear = new LinkedHashMap<String, Object>();
        clear.put("master", null);
        yield List.of(patch(wish), step("waitConverged", Map.of("timeoutSeconds", CONVERGE_SECONDS)), patch(clear));
      }
      // In DualMaster the second master carries the replica label too: the read replica is shop-2.
      case OFFLINE_REPLICA -> List.of(step("offline", Map.of("target", topology.equals("DualMaster") ? "shop-2" : "replica")),
          step("waitConverged", Map.of("timeoutSeconds", CONVERGE_SECONDS)), step("online", Map.of()));
      case SCALE_DOWN_AND_UP -> List.of(patch(Map.of("instances", 2)), step("waitConverged", Map.of("timeoutSeconds", CONVERGE_SECONDS)),
          patch(Map.of("instances", 3)));
      case SCALE_UP_AND_DOWN -> List.of(patch(Map.of("instances", 4)), step("waitConverged", Map.of("timeoutSeconds", CONVERGE_SECONDS)),
          patch(Map.of("instances", 3)));
    };
  }

  private static Scenario.Step patch(Map<String, Object> spec) {
    return step("apply", Map.of("patch", Map.of("spec", spec)));
  }

  private static Scenario.Step step(String kind, Map<String, Object> args) {
    return new Scenario.Step(kind, args);
  }

  private static Map<String, Object> cluster(String topology) {
    var spec = new LinkedHashMap<String, Object>();
    spec.put("topology", topology);
    spec.put("instances", 3);
    spec.put("engine", Map.of("flavor", "MariaDB", "version", "10.11"));
    spec.put("mysqld", Map.of("innodb_buffer_pool_size", "32M"));
    var cluster = new LinkedHashMap<String, Object>();
    cluster.put("apiVersion", "mysql.tandem.dev/v1alpha1");
    cluster.put("kind", "MySQLCluster");
    cluster.put("metadata", new LinkedHashMap<>(Map.of("name", "shop")));
    cluster.put("spec", spec);
    return cluster;
  }

  /** The scenario as a file {@code make scenario FILE=...} reads back step for step. */
  static Path write(Scenario scenario, Path directory) throws IOException {
    Files.createDirectories(directory);
    var root = new LinkedHashMap<String, Object>();
    root.put("name", scenario.name());
    root.put("cluster", Map.of("manifest", scenario.cluster()));
    root.put("steps", scenario.steps().stream().map(step -> Map.of(step.kind(), step.args())).toList());
    var file = directory.resolve(scenario.name() + ".yaml");
    Files.writeString(file, Scenario.YAML.writeValueAsString(root));
    return file;
  }
}
