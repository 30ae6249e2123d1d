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
 * scenario file given, prints each JSON report, and exits non-zero when any expectation failed.
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
    var reports = runAll(Path.of("target/sandbox-scenario").toAbsolutePath(), Kubelet.DEFAULT_BACKOFF, scenarios);
    for (var report : reports) {
      System.out.println(JSON.writeValueAsString(report));
    }
    return reports.stream().allMatch(report -> Boolean.TRUE.equals(report.get("passed")));
  }

  /** One sandbox and one operator for all the scenarios; each runs in a namespace of its own. */
  static List<Map<String, Object>> runAll(Path root, Duration backoff, List<Scenario> scenarios) throws Exception {
    Commands.run("rm", "-rf", root.toString());
    var reports = new ArrayList<Map<String, Object>>();
    try (var sandbox = Sandbox.start(root, backoff)) {
      sandbox.api().createNamespace("tandem-system");
      try (var operator = OperatorProcess.start(sandbox)) {
        for (var scenario : scenarios) {
          try (var runner = new ScenarioRunner(sandbox, operator, scenario,
              step -> System.err.println("scenario " + scenario.name() + ": " + step))) {
            reports.add(runner.run());
          }
        }
      }
    }
    return reports;
  }
}
