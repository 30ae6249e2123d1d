package dev.tandem.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code make demo}: the sandbox, the packaged operator in its own Pod network, and the demo
 * scenario (e2e/demo.yaml) through the scenario runner: a 3-instance MariaDB cluster, writes
 * through the writer Service, kill -9 of the master, the failover, the old master's return, and
 * the writes counted on the new master.
 */
public final class Demo {

  public static void main(String[] args) {
    int exitStatus = 0;
    try {
      exitStatus = demo() ? 0 : 1;
    } catch (Exception e) {
      System.err.println("demo failed: " + e);
      e.printStackTrace();
      exitStatus = 2;
    }
    // The mock API server's Vert.x event loops are not daemons and outlive its destroy().
    System.exit(exitStatus);
  }

  private static boolean demo() throws Exception {
    var scenario = Scenario.read(Path.of("e2e/demo.yaml"));
    say("Starting the sandbox: API server, StatefulSet controller, kubelet, Pod network 10.244.0.0/24, and the operator");
    Map<String, Object> report;
    try (var running = SandboxWithOperator.start(Path.of("target/sandbox-demo").toAbsolutePath(), Kubelet.DEFAULT_BACKOFF);
        var runner = new ScenarioRunner(running.sandbox(), running.operator(), scenario, Demo::show)) {
      say("Operator log: " + running.operator().log());
      say("Watch along in another terminal:  watch kubectl --kubeconfig " + running.kubeconfig() + " get myc,pods -n s-demo");
      say("Applying MySQLCluster s-demo/shop: MariaDB 10.11, MasterReplica, 3 instances, semi-sync");
      report = runner.run();
    }
    System.out.println(ScenarioMain.JSON.writeValueAsString(Map.of("masterChanges", report.get("masterChanges"),
        "faults", report.get("faults"), "writes", report.get("writes"), "splitBrain", report.get("splitBrain"))));
    System.out.println(summary(report));
    return Boolean.TRUE.equals(report.get("passed"));
  }

  @SuppressWarnings("unchecked")
  static String summary(Map<String, Object> report) {
    var changes = (List<Map<String, Object>>) report.get("masterChanges");
    var faults = (List<Map<String, Object>>) report.get("faults");
    var writes = (Map<String, Object>) report.get("writes");
    String failover = changes.isEmpty() ? "failover: none happened"
        : "failover " + changes.get(0).get("from") + " -> " + changes.get(0).get("to") + " in "
            + faults.stream().filter(f -> f.containsKey("rtoMillis")).findFirst()
                .map(f -> String.format("%.2f s (kill -9 to the first write acknowledged by the new master)",
                    ((Number) f.get("rtoMillis")).longValue() / 1000.0)).orElse("? s");
    return "summary: " + failover + ", writes acknowledged " + writes.get("acknowledged") + ", lost " + writes.get("lost")
        + (Boolean.TRUE.equals(report.get("passed")) ? "" : "; FAILED: " + report.getOrDefault("failure", "an expectation failed"));
  }

  private static void show(Map<String, Object> step) {
    say(step.get("step") + (Boolean.TRUE.equals(step.get("ok")) ? "" : "  FAILED") + "  (" + step.get("millis") + " ms)"
        + (step.containsKey("detail") ? ": " + step.get("detail") : ""));
  }

  private static void say(String line) {
    System.out.println("==> " + line);
  }
}
