package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every scenario under e2e/scenarios, through the scenario runner, against the packaged
 * operator and real mariadbd Pods: the proof of failover, switchover, partitions and the rest.
 * One sandbox and one operator serve them all; each scenario has a namespace of its own. The
 * kubelet restarts crashed containers after 2 s instead of 10 s to keep `make test` short.
 */
class ScenariosIT {

  static final Path SCENARIOS = Path.of("e2e/scenarios");
  static Sandbox sandbox;
  static OperatorProcess operator;

  @BeforeAll
  static void startSandboxAndOperator() throws Exception {
    Sandbox.assumeRoot();
    Path root = Path.of("target/sandbox-scenarios").toAbsolutePath();
    dev.tandem.testing.Commands.run("rm", "-rf", root.toString());
    sandbox = Sandbox.start(root, Duration.ofSeconds(2));
    sandbox.api().createNamespace("tandem-system");
    operator = OperatorProcess.start(sandbox);
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (sandbox != null) {
      var times = sandbox.api().requestTimes();
      System.out.printf("sandbox API server over every scenario, time to handle a request by verb: p99 %s ms, max %s ms, requests %s%n",
          times.percentileMillis(0.99), times.percentileMillis(1), times.counts());
      sandbox.close();
    }
  }

  @TestFactory
  Stream<DynamicTest> everyScenarioMeetsItsExpectations() throws Exception {
    List<Path> files;
    try (var listing = Files.list(SCENARIOS)) {
      // SCENARIO=<part of a file name> runs the matching files only, as `make test` would run them.
      String only = System.getenv().getOrDefault("SCENARIO", "");
      files = new ArrayList<>(listing.filter(f -> f.toString().endsWith(".yaml") && f.getFileName().toString().contains(only))
          .sorted().toList());
    }
    assertThat(files).as("scenario files under " + SCENARIOS).isNotEmpty();
    return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
      var scenario = Scenario.read(file);
      Map<String, Object> report;
      try (var runner = new ScenarioRunner(sandbox, operator, scenario, step -> System.out.println(scenario.name() + ": " + step))) {
        report = runner.run();
      }
      String json = ScenarioMain.JSON.writeValueAsString(report);
      System.out.println(json);
      if (!Boolean.TRUE.equals(report.get("passed"))) {
        var log = Files.readAllLines(operator.log());
        System.out.println("operator log (last 60 lines):\n" + String.join("\n", log.subList(Math.max(0, log.size() - 60), log.size())));
      }
      assertThat(report.get("passed")).as(json).isEqualTo(true);
    }));
  }
}
