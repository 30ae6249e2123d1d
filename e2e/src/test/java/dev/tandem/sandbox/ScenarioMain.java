package dev.tandem.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tandem.testing.Commands;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code make scenario FILE=<path>}: starts the sandbox and the packaged operator, runs each
 * scenario file given, prints each JSON report, and exits non-zero when any expectation failed or
 * the API server refused the operator a request. {@code WATCH_NAMESPACES=listed} installs the
 * operator for the scenarios' namespaces only, rather than for every namespace.
 */
public final class ScenarioMain {

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public static void main(String[] args) {
    int exitStatus;
    try {
      exitStatus = run(args) ? 0 : 1;
    } catch (Exception e) {
      System.err.println("scenario failed to run: " + e);
      e.printStackTrace();
      exitStatus = 2;
    }
    // The mock API server's Vert.x event loops are not daemons and outlive its destroy().
    System.exit(exitStatus);
  }

  private static boolean run(String[] args) throws Exception {
    if (args.length == 0) {
      throw new IllegalArgumentException("usage: make scenario FILE=<scenario.yaml>");
    }
    var scenarios = new ArrayList<Scenario>();
    for (String file : args) {
      scenarios.add(Scenario.read(Path.of(file)));
    }
    var run = runAll(Path.of("target/sandbox-scenario").toAbsolutePath(), kubeletBackoff(), scenarios);
    for (var report : run.reports()) {
      System.out.println(JSON.writeValueAsString(report));
    }
    run.deniedToTheOperator().forEach(access -> System.err.println("the chart's permissions fell short: " + access));
    return run.deniedToTheOperator().isEmpty() && run.reports().stream().allMatch(report -> Boolean.TRUE.equals(report.get("passed")));
  }

  /**
   * The kubelet's first restart delay of a crashed container: the kubelet's 10 s, or
   * {@code KUBELET_BACKOFF_SECONDS} (a chaos campaign runs with 2 s, and is replayed so).
   */
  static Duration kubeletBackoff() {
    String seconds = System.getenv("KUBELET_BACKOFF_SECONDS");
    return seconds == null || seconds.isBlank() ? Kubelet.DEFAULT_BACKOFF : Duration.ofSeconds(Long.parseLong(seconds.trim()));
  }

  /** Each scenario's report, and what the API server refused the operator over the whole run. */
  record Run(List<Map<String, Object>> reports, List<AccessLog.Access> deniedToTheOperator) {}

  /**
   * One sandbox and one operator for all the scenarios; each runs in a namespace of its own. The
   * operator is installed with the chart's {@link #watchNamespaces}; its requests, as the API
   * server decided them, are printed after the last scenario.
   */
  static Run runAll(Path root, Duration backoff, List<Scenario> scenarios) throws Exception {
    Commands.run("rm", "-rf", root.toString());
    var reports = new ArrayList<Map<String, Object>>();
    try (var sandbox = Sandbox.start(root, backoff)) {
      try (var operator = OperatorProcess.start(sandbox, watchNamespaces(scenarios))) {
        for (var scenario : scenarios) {
          try (var runner = new ScenarioRunner(sandbox, operator, scenario,
              step -> System.err.println("scenario " + scenario.name() + ": " + step))) {
            reports.add(runner.run());
          }
        }
        System.err.println("the operator's requests, as the API server decided them:\n" + PermissionUse.describe(sandbox, operator));
        return new Run(reports, PermissionUse.denied(sandbox, operator));
      }
    }
  }

  /**
   * The chart's {@code watchNamespaces} for a run of {@code scenarios}: empty (every namespace), or
   * with {@code WATCH_NAMESPACES=listed} in the environment the scenarios' own namespaces.
   */
  static List<String> watchNamespaces(List<Scenario> scenarios) {
    String mode = System.getenv().getOrDefault("WATCH_NAMESPACES", "all");
    return switch (mode) {
      case "all" -> List.of();
      case "listed" -> scenarios.stream().map(ScenarioRunner::namespace).toList();
      default -> throw new IllegalArgumentException("WATCH_NAMESPACES is '" + mode + "'; expected all or listed");
    };
  }
}
