package dev.tandem.sandbox;

import dev.tandem.replication.EngineBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code make bench}: the operator's failover measured end to end in the sandbox, through the
 * scenario runner: kill -9 of the master, planned switchovers, a frozen master and a master cut
 * off from everyone (BENCH_RUNS each, default 20); then what must not fail over: BENCH_RUNS
 * stalls of 0.5 s (SIGSTOP, SIGCONT), a sweep of longer stalls for the shortest that does, and
 * STRESS_MINUTES (default 10) of every core busy and fsync load in the master's Pod. RTO is fault
 * to the first write acknowledged through the writer Service by another instance. Writes
 * target/bench/report.json and prints a table.
 */
public final class SandboxBench {

  private static final int FAULTS_PER_CLUSTER = 4;
  private static final double STALL_SECONDS = 0.5;
  /** Stall lengths tried for the shortest that fails over, each twice. */
  private static final List<Double> SWEEP_SECONDS = List.of(0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.4);
  private static final int SWEEP_REPEATS = 2;

  private final List<Map<String, Object>> runs = new ArrayList<>();
  private final List<Long> readyMillis = new ArrayList<>();
  private long mysqldRssKb;
  private long lostWrites;
  private int splitBrains;
  private int stallRuns;
  private long stallFailovers;
  private final Map<Double, List<Long>> sweep = new java.util.TreeMap<>();
  private long stressFailovers = -1;
  private int stressMinutes;

  public static void main(String[] args) {
    int exitStatus = 0;
    try {
      new SandboxBench().bench(Integer.parseInt(System.getenv().getOrDefault("BENCH_RUNS", "20")));
    } catch (Exception e) {
      System.err.println("bench failed: " + e);
      e.printStackTrace();
      exitStatus = 1;
    }
    System.exit(exitStatus);
  }

  private void bench(int count) throws Exception {
    stressMinutes = Integer.parseInt(System.getenv().getOrDefault("STRESS_MINUTES", "10"));
    // BENCH_ONLY=freeze,partition runs those kinds alone (failover, switchover, freeze, partition, stall, sweep, stress).
    var only = java.util.Arrays.stream(System.getenv().getOrDefault("BENCH_ONLY", "").split(",")).filter(kind -> !kind.isBlank()).toList();
    var kinds = List.of("failover", "switchover", "freeze", "partition", "stall", "sweep", "stress");
    only.stream().filter(kind -> !kinds.contains(kind)).findFirst().ifPresent(unknown -> {
      throw new IllegalArgumentException("BENCH_ONLY names '" + unknown + "'; the kinds are " + kinds);
    });
    Path root = Path.of("target/sandbox-bench").toAbsolutePath();
    dev.tandem.testing.Commands.run("rm", "-rf", root.toString());
    long operatorRssKb;
    Map<String, Long> apiServerP99;
    Map<String, Long> apiServerMax;
    Map<String, Integer> apiServerRequests;
    try (var sandbox = Sandbox.start(root, Duration.ofSeconds(1))) {
      try (var operator = OperatorProcess.start(sandbox)) {
        int round = 0;
        for (String kind : List.of("failover", "switchover", "freeze", "partition")) {
          if (!only.isEmpty() && !only.contains(kind)) {
            continue;
          }
          int perCluster = "switchover".equals(kind) ? count : FAULTS_PER_CLUSTER;
          for (int done = 0; done < count; done += perCluster) {
            run(sandbox, operator, kind, round++, Math.min(perCluster, count - done), count);
          }
        }
        if (only.isEmpty() || only.contains("stall")) {
          run(sandbox, operator, "stall", round++, count, count);
        }
        if (only.isEmpty() || only.contains("sweep")) {
          run(sandbox, operator, "sweep", round++, SWEEP_SECONDS.size() * SWEEP_REPEATS, 0);
        }
        if (stressMinutes > 0 && (only.isEmpty() || only.contains("stress"))) {
          run(sandbox, operator, "stress", round, 1, 1);
        }
        operatorRssKb = rssKb(operator.handle());
      }
      apiServerP99 = sandbox.api().requestTimes().percentileMillis(0.99);
      apiServerMax = sandbox.api().requestTimes().percentileMillis(1);
      apiServerRequests = sandbox.api().requestTimes().counts();
    }
    report(operatorRssKb, apiServerP99, apiServerMax, apiServerRequests);
  }

  /** One cluster, {@code times} faults of one kind against it, each recorded as a run. */
  private void run(Sandbox sandbox, OperatorProcess operator, String kind, int round, int times, int total) throws Exception {
    var steps = new ArrayList<Map<String, Object>>();
    steps.add(Map.of("waitReady", Map.of("timeoutSeconds", 180)));
    steps.add(Map.of("writes", "start"));
    steps.add(Map.of("sleep", Map.of("seconds", 2)));
    for (int i = 0; i < times; i++) {
      switch (kind) {
        case "stall" -> {
          steps.add(Map.of("freeze", Map.of("target", "master", "seconds", STALL_SECONDS)));
          steps.add(Map.of("sleep", Map.of("seconds", 1.5)));
          continue;
        }
        case "sweep" -> {
          // A stall that fails over is let settle (the old master rejoins) before the next.
          steps.add(Map.of("freeze", Map.of("target", "master", "seconds", SWEEP_SECONDS.get(i / SWEEP_REPEATS))));
          steps.add(Map.of("sleep", Map.of("seconds", 2)));
          steps.add(Map.of("waitCondition", Map.of("type", "Ready", "status", "True", "timeoutSeconds", 120)));
          continue;
        }
        case "stress" -> {
          steps.add(Map.of("stress", Map.of("target", "master", "seconds", stressMinutes * 60)));
          continue;
        }
        case "failover" -> steps.add(Map.of("kill", Map.of("target", "master")));
        case "switchover" -> steps.add(Map.of("apply", Map.of("patch", Map.of("spec", Map.of("master", "bench-" + round + "-" + ((i + 1) % 3))))));
        case "freeze" -> steps.add(Map.of("freeze", Map.of("target", "master", "seconds", 4)));
        default -> steps.add(Map.of("partition", Map.of("target", "master", "from", List.of("everyone"))));
      }
      steps.add(Map.of("waitFailover", Map.of("timeoutSeconds", 60)));
      steps.add(Map.of("heal", Map.of()));
      steps.add(Map.of("waitCondition", Map.of("type", "Writable", "status", "True", "timeoutSeconds", 60)));
      steps.add(Map.of("sleep", Map.of("seconds", 1)));
      if (!"switchover".equals(kind)) {
        // The next fault finds every instance replicating again, the old master rejoined.
        steps.add(Map.of("waitCondition", Map.of("type", "Ready", "status", "True", "timeoutSeconds", 120)));
      }
    }
    steps.add(Map.of("writes", "stop"));
    steps.add(Map.of("expect", Map.of("lostWrites", 0, "splitBrain", false)));
    var manifest = new LinkedHashMap<String, Object>();
    manifest.put("apiVersion", "mysql.tandem.dev/v1alpha1");
    manifest.put("kind", "MySQLCluster");
    manifest.put("metadata", new LinkedHashMap<>(Map.of("name", "bench-" + round)));
    manifest.put("spec", Map.of("instances", 3, "engine", Map.of("flavor", "MariaDB", "version", "10.11"),
        "mysqld", Map.of("innodb_buffer_pool_size", "32M")));
    String yaml = Scenario.YAML.writeValueAsString(Map.of("name", "bench-" + kind + "-" + round, "cluster", Map.of("manifest", manifest),
        "steps", steps));
    Path file = Files.createTempFile("bench-scenario", ".yaml");
    Files.writeString(file, yaml);
    var scenario = Scenario.read(file);
    Files.delete(file);
    Map<String, Object> report;
    try (var runner = new ScenarioRunner(sandbox, operator, scenario, step -> {
      if (step.get("step").toString().startsWith("writes {value=stop}") && mysqldRssKb == 0) {
        mysqldRssKb = rssKb(sandbox.kubelet().runtime("s-bench-" + kind + "-" + round, "bench-" + round + "-0").process().orElseThrow());
      }
    })) {
      report = runner.run();
    }
    record(kind, report, total);
  }

  @SuppressWarnings("unchecked")
  private void record(String kind, Map<String, Object> report, int total) {
    if (report.get("readyMillis") != null) {
      readyMillis.add(((Number) report.get("readyMillis")).longValue());
    }
    var writes = (Map<String, Object>) report.get("writes");
    if (writes.get("lost") instanceof Number lost) {
      lostWrites += lost.longValue();
    }
    if (!"none".equals(report.get("splitBrain"))) {
      splitBrains++;
    }
    var faults = (List<Map<String, Object>>) report.get("faults");
    var changes = (List<Map<String, Object>>) report.get("masterChanges");
    var gaps = (List<Number>) report.get("writeGapsMillis");
    long failovers = changes.stream().filter(change -> "Failover".equals(change.get("type"))).count();
    if ("stall".equals(kind)) {
      stallRuns += faults.size();
      stallFailovers += failovers;
      System.out.printf("stall      %d x %.1f s SIGSTOP of the master: %d failover(s)%n", faults.size(), STALL_SECONDS, failovers);
    } else if ("sweep".equals(kind)) {
      for (int i = 0; i < faults.size(); i++) {
        double seconds = SWEEP_SECONDS.get(i / SWEEP_REPEATS);
        sweep.computeIfAbsent(seconds, key -> new ArrayList<>()).add(((Number) faults.get(i).get("failoversBeforeNextFault")).longValue());
      }
      System.out.printf("sweep      failovers by stall length (s): %s%n", sweep);
    } else if ("stress".equals(kind)) {
      // A stress step that failed stressed nothing: its 0 would prove nothing.
      stressFailovers = Boolean.TRUE.equals(report.get("passed")) ? failovers : -1;
      System.out.printf("stress     %d min of stress-ng in the master's Pod: %d failover(s); %s%n", stressMinutes, failovers,
          ((List<Map<String, Object>>) report.get("steps")).stream().map(step -> String.valueOf(step.get("detail")))
              .filter(detail -> detail.startsWith("stress-ng")).findFirst().orElse(""));
    } else if ("switchover".equals(kind)) {
      for (int i = 0; i < gaps.size(); i++) {
        add(kind, i < changes.size() ? changes.get(i) : Map.of(), Map.of("writeGapMillis", gaps.get(i).longValue()), report, total);
      }
    } else {
      for (int i = 0; i < faults.size(); i++) {
        add(kind, i < changes.size() ? changes.get(i) : Map.of(), faults.get(i), report, total);
      }
    }
    if (!Boolean.TRUE.equals(report.get("passed"))) {
      System.out.println("  run failed: " + report.getOrDefault("failure", "an expectation failed") + " (" + report.get("steps") + ")");
    }
  }

  private void add(String kind, Map<String, Object> change, Map<String, Object> measure, Map<String, Object> report, int total) {
    var run = new LinkedHashMap<String, Object>();
    run.put("kind", kind);
    run.put("from", change.get("from"));
    run.put("to", change.get("to"));
    run.put("operatorMillis", change.get("operatorMillis"));
    run.put("rtoMillis", measure.get("rtoMillis"));
    run.put("repointedMillis", measure.get("repointedMillis"));
    run.put("writeGapMillis", measure.get("writeGapMillis"));
    run.put("passed", report.get("passed"));
    runs.add(run);
    long done = runs.stream().filter(r -> kind.equals(r.get("kind"))).count();
    var figures = values(kind, "switchover".equals(kind) ? "writeGapMillis" : "rtoMillis");
    System.out.printf("%-10s %2d/%d: %s -> %s, %s %s ms (operator %s ms); running p50 %s ms, lost so far %d%n", kind, done, total,
        change.get("from"), change.get("to"), "switchover".equals(kind) ? "write gap" : "RTO",
        measure.getOrDefault("rtoMillis", measure.get("writeGapMillis")), change.get("operatorMillis"),
        figures.isEmpty() ? "-" : EngineBench.percentile(figures, 0.5), lostWrites);
  }

  private List<Long> values(String kind, String key) {
    return runs.stream().filter(r -> kind.equals(r.get("kind")) && r.get(key) instanceof Number)
        .map(r -> ((Number) r.get(key)).longValue()).toList();
  }

  private void report(long operatorRssKb, Map<String, Long> apiServerP99, Map<String, Long> apiServerMax,
      Map<String, Integer> apiServerRequests) throws Exception {
    var rto = values("failover", "rtoMillis");
    var switchover = values("switchover", "writeGapMillis");
    var freeze = values("freeze", "rtoMillis");
    var partition = values("partition", "rtoMillis");
    var report = new LinkedHashMap<String, Object>();
    report.put("failoverRuns", rto.size());
    report.put("rtoP50Millis", p(rto, 0.5));
    report.put("rtoP95Millis", p(rto, 0.95));
    report.put("rtoMaxMillis", p(rto, 1));
    report.put("repointedP50Millis", p(values("failover", "repointedMillis"), 0.5));
    report.put("repointedP95Millis", p(values("failover", "repointedMillis"), 0.95));
    report.put("lostWrites", lostWrites);
    report.put("splitBrainRuns", splitBrains);
    report.put("switchoverRuns", switchover.size());
    report.put("switchoverP50Millis", p(switchover, 0.5));
    report.put("switchoverP95Millis", p(switchover, 0.95));
    report.put("switchoverMaxMillis", p(switchover, 1));
    report.put("freezeRuns", freeze.size());
    report.put("freezeRepointP50Millis", p(values("freeze", "repointedMillis"), 0.5));
    report.put("freezeRepointP95Millis", p(values("freeze", "repointedMillis"), 0.95));
    report.put("freezeRtoP50Millis", p(freeze, 0.5));
    report.put("freezeRtoP95Millis", p(freeze, 0.95));
    report.put("partitionRuns", partition.size());
    report.put("partitionRepointP50Millis", p(values("partition", "repointedMillis"), 0.5));
    report.put("partitionRepointP95Millis", p(values("partition", "repointedMillis"), 0.95));
    report.put("partitionRtoP50Millis", p(partition, 0.5));
    report.put("partitionRtoP95Millis", p(partition, 0.95));
    report.put("stallSeconds", STALL_SECONDS);
    report.put("stallRuns", stallRuns);
    report.put("stallFailovers", stallFailovers);
    report.put("stallSweepFailovers", sweep.entrySet().stream().collect(java.util.stream.Collectors.toMap(
        entry -> entry.getKey().toString(), Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new)));
    report.put("shortestStallFailedOverSeconds", sweep.entrySet().stream()
        .filter(entry -> entry.getValue().stream().anyMatch(n -> n > 0)).map(Map.Entry::getKey).findFirst().orElse(null));
    report.put("stressMinutes", stressMinutes);
    report.put("stressFailovers", stressFailovers);
    report.put("readyP50Millis", p(readyMillis, 0.5));
    report.put("operatorRssMiB", operatorRssKb / 1024);
    report.put("mysqldRssMiB", mysqldRssKb / 1024);
    report.put("apiServerP99Millis", apiServerP99);
    report.put("apiServerMaxMillis", apiServerMax);
    report.put("apiServerRequests", apiServerRequests);
    report.put("runs", runs);
    Path out = Path.of("target/bench/report.json");
    Files.createDirectories(out.getParent());
    ScenarioMain.JSON.writeValue(out.toFile(), report);
    System.out.printf("%n%-44s %6s %8s %8s %8s%n", "sandbox bench (3 instances, semi-sync)", "runs", "p50 ms", "p95 ms", "max ms");
    row("kill -9: writer Service repointed", values("failover", "repointedMillis"));
    row("kill -9: RTO (first write on the new master)", rto);
    row("switchover write gap", switchover);
    row("frozen master: writer Service repointed", values("freeze", "repointedMillis"));
    row("frozen master: RTO", freeze);
    row("master cut off: writer Service repointed", values("partition", "repointedMillis"));
    row("master cut off: RTO", partition);
    row("CR created -> Ready", readyMillis);
    System.out.printf("stalls of %.1f s: %d runs, %d failovers; failovers by stall length (s): %s; %d min of stress-ng: %d failovers%n",
        STALL_SECONDS, stallRuns, stallFailovers, sweep, stressMinutes, stressFailovers);
    System.out.printf("lost acknowledged writes: %d; runs with two writers: %d; operator RSS %d MiB; mysqld RSS %d MiB%n", lostWrites,
        splitBrains, operatorRssKb / 1024, mysqldRssKb / 1024);
    System.out.printf("sandbox API server, time to handle a request by verb: p99 %s ms, max %s ms, requests %s%n", apiServerP99, apiServerMax,
        apiServerRequests);
    System.out.println("report: " + out.toAbsolutePath());
  }

  private static void row(String what, List<Long> values) {
    System.out.printf("%-44s %6d %8s %8s %8s%n", what, values.size(), p(values, 0.5), p(values, 0.95), p(values, 1));
  }

  private static Object p(List<Long> values, double percentile) {
    return values.isEmpty() ? "-" : EngineBench.percentile(values, percentile);
  }

  /** Resident memory of a process and its children, from /proc. */
  static long rssKb(ProcessHandle process) {
    return Stream.concat(Stream.of(process), process.descendants()).mapToLong(handle -> {
      try {
        return Files.readAllLines(Path.of("/proc/" + handle.pid() + "/status")).stream()
            .filter(line -> line.startsWith("VmRSS:")).mapToLong(line -> Long.parseLong(line.replaceAll("[^0-9]", ""))).sum();
      } catch (java.io.IOException gone) {
        return 0;
      }
    }).sum();
  }
}
