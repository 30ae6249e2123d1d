package dev.tandem.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code make chaos SEED=n STEPS=m}: one fault campaign per topology (MasterReplica, DualMaster;
 * {@code TOPOLOGY=} one of them alone) from the seed, on one sandbox and operator. Prints each campaign's faults survived, and for a
 * failure the fault, the step and the command that replays it; exits 1 on any failure.
 */
public final class ChaosMain {

  static final Duration BACKOFF = Duration.ofSeconds(2);
  static final Path FILES = Path.of("target/chaos");

  public static void main(String[] args) throws Exception {
    if (args.length < 2 || args.length > 3) {
      System.err.println("usage: make chaos SEED=<number> STEPS=<faults per topology> [TOPOLOGY=MasterReplica|DualMaster]");
      System.exit(2);
    }
    long seed = Long.parseLong(args[0]);
    int steps = Integer.parseInt(args[1]);
    var topologies = args.length == 3 && !args[2].isBlank() ? List.of(args[2]) : List.of("MasterReplica", "DualMaster");
    var campaigns = new ArrayList<ChaosCampaign.Campaign>();
    for (String topology : topologies) {
      var campaign = ChaosCampaign.generate(topology, seed, steps);
      var file = ChaosCampaign.write(campaign.scenario(), FILES);
      System.err.println("chaos: " + file + ": " + campaign.faults());
      campaigns.add(campaign);
    }
    var run = ScenarioMain.runAll(Path.of("target/sandbox-chaos").toAbsolutePath(), BACKOFF,
        campaigns.stream().map(ChaosCampaign.Campaign::scenario).toList());
    boolean passed = run.deniedToTheOperator().isEmpty();
    for (int i = 0; i < campaigns.size(); i++) {
      var campaign = campaigns.get(i);
      var report = run.reports().get(i);
      System.out.println(ScenarioMain.JSON.writeValueAsString(report));
      System.out.println(summary(campaign, report));
      passed &= Boolean.TRUE.equals(report.get("passed"));
    }
    run.deniedToTheOperator().forEach(access -> System.err.println("the chart's permissions fell short: " + access));
    System.exit(passed ? 0 : 1);
  }

  @SuppressWarnings("unchecked")
  static String summary(ChaosCampaign.Campaign campaign, Map<String, Object> report) {
    var steps = (List<Map<String, Object>>) report.get("steps");
    int survived = campaign.survived(steps);
    String line = "chaos " + campaign.scenario().name() + ": converged after " + survived + " of " + campaign.faults().size()
        + " faults";
    if (Boolean.TRUE.equals(report.get("passed"))) {
      return line + "; 0 acknowledged writes lost, no split brain, every instance consistent";
    }
    int failedStep = steps.size() - 1;
    int fault = (int) campaign.convergedAt().stream().filter(index -> index < failedStep).count();
    return line + "; FAILED at step " + (failedStep + 1) + " (" + steps.get(failedStep).get("step") + ")"
        + (fault < campaign.faults().size() ? " during fault " + (fault + 1) + " " + campaign.faults().get(fault) : " in the final checks")
        + ": " + report.get("failure") + "\n  replay: make scenario FILE=" + FILES.resolve(campaign.scenario().name() + ".yaml")
        + " KUBELET_BACKOFF_SECONDS=" + BACKOFF.toSeconds();
  }

  private ChaosMain() {}
}
