package dev.tandem.replication;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tandem.kubernetes.ClusterFixture;
import dev.tandem.testing.Commands;
import dev.tandem.testing.LocalMariaDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code make bench}, engine level: repeated master kill -9 failovers and planned switchovers on
 * a fresh 1 + 2 semi-sync MariaDB cluster each, with an application writing through "the writer
 * Service" the whole time. RTO is from the fault (the kill, or the changed wish for a switchover)
 * to the first write acknowledged after the promotion, an upper bound of the writes' outage; lost
 * writes are acknowledged ids missing on the new master. The operator's detection (probes ×
 * failure threshold) is not in these numbers: the sandbox bench adds it once the control loop
 * exists. {@code BENCH_RUNS=N} sets the runs of each kind (default 20).
 */
public final class EngineBench {

  record Run(String kind, int run, long faultToPromotedMillis, long rtoMillis, long longestWriteGapMillis, int acknowledged, int lost,
      String from, String to) {}

  public static void main(String[] args) throws Exception {
    int runs = Integer.parseInt(System.getenv().getOrDefault("BENCH_RUNS", "20"));
    var results = new ArrayList<Run>();
    Path dir = Files.createTempDirectory("tandem-bench");
    try {
      for (int i = 1; i <= runs; i++) {
        results.add(once("failover", i, dir.resolve("f" + i)));
        progress(results, runs);
      }
      for (int i = 1; i <= runs; i++) {
        results.add(once("switchover", i, dir.resolve("s" + i)));
        progress(results, runs);
      }
    } finally {
      Commands.run("rm", "-rf", dir.toString());
    }
    report(results);
    System.exit(0);
  }

  private static Run once(String kind, int run, Path dir) throws Exception {
    try (var servers = LocalMariaDb.start(ClusterFixture.named("shop").mariaDb().instances(3).build(), dir);
        var engine = new Engine(Engine.masterReplica(servers))) {
      engine.quiet = true;
      engine.convergedWithSchema(servers);
      var writerService = new AtomicReference<>(servers.server("shop-0").endpoint());
      try (var writer = new ContinuousWriter(writerService::get)) {
        writer.awaitMoreWrites(200);
        long fault = System.nanoTime();
        if (kind.equals("failover")) {
          servers.server("shop-0").kill();
        } else {
          engine.desired = engine.withPreferredMaster("shop-1");
        }
        var expected = kind.equals("failover") ? Plan.State.FAILOVER : Plan.State.SWITCHOVER;
        while (true) {
          var pass = engine.pass();
          if (pass.plan().state() == expected && pass.results().stream().noneMatch(StepResult::failed)) {
            break;
          }
          if (System.nanoTime() - fault > Duration.ofSeconds(60).toNanos()) {
            throw new IllegalStateException(kind + " " + run + " did not happen within 60 s: " + pass.plan());
          }
          Thread.sleep(20);
        }
        long promoted = System.nanoTime();
        String master = engine.recordedMaster.orElseThrow();
        writerService.set(servers.server(master).endpoint());
        long firstWrite = writer.firstAcknowledgementAfter(promoted, Duration.ofSeconds(30));
        writer.awaitMoreWrites(50);
        var acknowledged = writer.stop();
        var onNewMaster = ContinuousWriter.rows(servers.server(master).endpoint());
        int lost = (int) acknowledged.stream().filter(id -> !onNewMaster.contains(id)).count();
        return new Run(kind, run, (promoted - fault) / 1_000_000, (firstWrite - fault) / 1_000_000, writer.longestGapMillis(),
            acknowledged.size(), lost, "shop-0", master);
      }
    }
  }

  private static void progress(List<Run> results, int runs) {
    var last = results.get(results.size() - 1);
    System.out.printf("%s %2d/%d: %s -> %s, promoted after %d ms, first write after %d ms, lost %d%n", last.kind(), last.run(), runs,
        last.from(), last.to(), last.faultToPromotedMillis(), last.rtoMillis(), last.lost());
  }

  public static long percentile(List<Long> values, double p) {
    var sorted = values.stream().sorted().toList();
    return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1));
  }

  private static void report(List<Run> results) throws Exception {
    var failovers = results.stream().filter(r -> r.kind().equals("failover")).toList();
    var switchovers = results.stream().filter(r -> r.kind().equals("switchover")).toList();
    List<Long> rto = failovers.stream().map(Run::rtoMillis).toList();
    List<Long> switchGap = switchovers.stream().map(Run::rtoMillis).toList();
    var report = new LinkedHashMap<String, Object>();
    report.put("level", "engine (no operator detection; see docs/replication.md)");
    report.put("failoverRuns", failovers.size());
    report.put("rtoP50Millis", percentile(rto, 0.50));
    report.put("rtoP95Millis", percentile(rto, 0.95));
    report.put("rtoMaxMillis", percentile(rto, 1.0));
    report.put("lostWrites", results.stream().mapToInt(Run::lost).sum());
    report.put("switchoverRuns", switchovers.size());
    report.put("switchoverP50Millis", percentile(switchGap, 0.50));
    report.put("switchoverP95Millis", percentile(switchGap, 0.95));
    report.put("switchoverMaxMillis", percentile(switchGap, 1.0));
    report.put("runs", results);
    Path out = Path.of("target/bench/engine-report.json");
    Files.createDirectories(out.getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), report);
    System.out.printf("%n%-34s %8s %8s %8s %6s%n", "engine bench (1 + 2, semi-sync)", "p50 ms", "p95 ms", "max ms", "lost");
    System.out.printf("%-34s %8d %8d %8d %6d%n", "failover: kill -9 -> first write", report.get("rtoP50Millis"), report.get("rtoP95Millis"),
        report.get("rtoMaxMillis"), failovers.stream().mapToInt(Run::lost).sum());
    System.out.printf("%-34s %8d %8d %8d %6d%n", "switchover: wish -> write on new", report.get("switchoverP50Millis"),
        report.get("switchoverP95Millis"), report.get("switchoverMaxMillis"), switchovers.stream().mapToInt(Run::lost).sum());
    System.out.println("report: " + out.toAbsolutePath());
  }
}
