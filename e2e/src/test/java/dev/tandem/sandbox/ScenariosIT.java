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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every scenario under e2e/scenarios, through the scenario runner, against the packaged
 * operator and real mariadbd Pods: the proof of failover, switchover, partitions and the rest.
 * One sandbox and one operator serve them all; each scenario has a namespace of its own. The
 * kubelet restarts crashed containers after 2 s instead of 10 s to keep `make test` short.
 *
 * <p>The operator runs with the Helm chart's permissions and nothing more: installed for every
 * namespace, or with {@code WATCH_NAMESPACES=listed} for the scenarios' namespaces only. The API
 * server must refuse it nothing, and a run of every scenario must use every permission the chart
 * grants: the chart grants exactly what the code uses.
 *
 * <p>After the files, fault campaigns of fixed seeds ({@link #CHAOS_CAMPAIGNS}, {@link #CHAOS_FAULTS}
 * faults each, one per topology): a failure names the file under target/chaos that replays it.
 */
class ScenariosIT {

  static final Path SCENARIOS = Path.of("e2e/scenarios");
  /** Topology and seed of each campaign. */
  static final List<Map.Entry<String, Long>> CHAOS_CAMPAIGNS = List.of(Map.entry("MasterReplica", 2L), Map.entry("DualMaster", 1L));
  static final int CHAOS_FAULTS = 5;
  static Sandbox sandbox;
  static OperatorProcess operator;
  static List<Path> files;
  static List<Scenario> scenarios;
  /** What each of {@link #scenarios} is called in the test report: its file, or its campaign. */
  static List<String> names;
  static int scenarioFiles;
  /** SCENARIO=<part of a name> runs the matching files and campaigns only, as `make test` would run them. */
  static String only;

  @BeforeAll
  static void startSandboxAndOperator() throws Exception {
    Sandbox.assumeRoot();
    try (var listing = Files.list(SCENARIOS)) {
      var all = listing.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
      scenarioFiles = all.size();
      only = System.getenv().getOrDefault("SCENARIO", "");
      files = all.stream().filter(f -> f.getFileName().toString().contains(only)).toList();
    }
    scenarios = new ArrayList<>();
    names = new ArrayList<>();
    for (var file : files) {
      scenarios.add(Scenario.read(file));
      names.add(file.getFileName().toString());
    }
    for (var topologyAndSeed : CHAOS_CAMPAIGNS) {
      var campaign = ChaosCampaign.generate(topologyAndSeed.getKey(), topologyAndSeed.getValue(), CHAOS_FAULTS);
      if (campaign.scenario().name().contains(only)) {
        var file = ChaosCampaign.write(campaign.scenario(), ChaosMain.FILES);
        scenarios.add(campaign.scenario());
        names.add(campaign.scenario().name() + " " + campaign.faults() + " (replay: make scenario FILE=" + file
            + " KUBELET_BACKOFF_SECONDS=2)");
      }
    }
    Path root = Path.of("target/sandbox-scenarios").toAbsolutePath();
    dev.tandem.testing.Commands.run("rm", "-rf", root.toString());
    sandbox = Sandbox.start(root, Duration.ofSeconds(2));
    operator = OperatorProcess.start(sandbox, ScenarioMain.watchNamespaces(scenarios));
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (sandbox != null) {
      var times = sandbox.api().requestTimes();
      System.out.printf("sandbox API server over every scenario, time to handle a request by verb: p99 %s ms, max %s ms, requests %s;"
          + " resumed watches told to list again: %d%n",
          times.percentileMillis(0.99), times.percentileMillis(1), times.counts(), sandbox.api().store().expiredWatches());
      sandbox.close();
    }
  }

  @TestFactory
  Stream<DynamicTest> everyScenarioMeetsItsExpectationsWithTheChartsPermissions() {
    assertThat(scenarios).as("scenario files under " + SCENARIOS + " and campaigns").isNotEmpty();
    var tests = new ArrayList<DynamicTest>();
    for (int i = 0; i < scenarios.size(); i++) {
      var scenario = scenarios.get(i);
      tests.add(DynamicTest.dynamicTest(names.get(i), () -> meetsItsExpectations(scenario)));
    }
    tests.add(DynamicTest.dynamicTest("the operator used every permission the chart grants", ScenariosIT::usedEveryPermission));
    tests.add(DynamicTest.dynamicTest("every metric the chart's dashboard and alert rules query was served by the operator or an exporter",
        ScenariosIT::dashboardAndAlertsQueryServedMetrics));
    return tests.stream();
  }

  static void meetsItsExpectations(Scenario scenario) throws Exception {
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
    removeData(sandbox.root().resolve("claims").resolve(ScenarioRunner.namespace(scenario)));
    assertThat(PermissionUse.denied(sandbox, operator)).as("requests the API server refused the operator: the chart lacks them").isEmpty();
  }

  /**
   * A passed scenario's data directories are only disk (hundreds of MB each: a whole run would
   * keep over 12 GB); a failed one's stay, to be read. The Pods of the deleted cluster may still be
   * stopping and writing there, so the removal is tried again for a while, then left.
   */
  static void removeData(Path claims) throws InterruptedException {
    for (int attempt = 0; attempt < 30; attempt++) {
      if (dev.tandem.testing.Commands.tryRun("rm", "-rf", claims.toString()).isPresent()) {
        return;
      }
      Thread.sleep(1000);
    }
    System.out.println("kept " + claims + ": still written to 30 s after the scenario's Pods were deleted");
  }

  /**
   * The dashboard's queries and the PrometheusRule's expressions, rendered from the chart with
   * monitoring on, name only series the operator served in these scenarios: a renamed or
   * never-set metric would leave a panel empty or an alert silent.
   */
  static void dashboardAndAlertsQueryServedMetrics() throws Exception {
    Assumptions.assumeTrue(files.size() == scenarioFiles, "only " + files.size() + " of " + scenarioFiles
        + " scenarios ran (SCENARIO is set): the metrics they serve are checked on a run of all");
    var dashboard = ScenarioMain.JSON.readTree(Path.of("helm/tandem-operator/dashboards/tandem.json").toFile());
    var queried = new java.util.TreeSet<String>();
    dashboard.findValues("expr").forEach(expr -> queried.addAll(ScrapedMetrics.names(expr.asText())));
    dashboard.findValues("query").forEach(query -> queried.addAll(ScrapedMetrics.names(query.asText())));
    String rules = dev.tandem.packaging.ChartRendering.renderWithValues("monitoring: {enabled: true}\n");
    assertThat(rules).contains("kind: PrometheusRule");
    var alerting = ScrapedMetrics.names(rules.substring(rules.indexOf("kind: PrometheusRule")));
    queried.addAll(alerting);
    assertThat(alerting).as("metrics the alert rules query").isNotEmpty();
    assertThat(ScrapedMetrics.scraped()).as("metrics the operator and the exporters served").containsAll(queried);
  }

  static void usedEveryPermission() {
    Assumptions.assumeTrue(files.size() == scenarioFiles, "only " + files.size() + " of " + scenarioFiles
        + " scenarios ran (SCENARIO is set): whether the operator uses every permission the chart grants is decided on a run of all");
    String accesses = "the operator's requests:\n" + PermissionUse.describe(sandbox, operator);
    // Also what the operator asked for after the last scenario's own check, cleaning up its cluster.
    assertThat(PermissionUse.denied(sandbox, operator)).as("requests the API server refused the operator: the chart lacks them").isEmpty();
    assertThat(PermissionUse.unused(sandbox, operator)).as("granted by the chart, used by no scenario; " + accesses).isEmpty();
    assertThat(PermissionUse.staleExceptions(operator)).as("PermissionUse.UNUSED_ON_PURPOSE lists grants the chart lacks")
        .isEmpty();
  }
}
