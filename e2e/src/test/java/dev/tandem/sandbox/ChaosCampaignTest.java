package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A campaign is its seed: the same seed replays the same faults, from the file make scenario reads. */
class ChaosCampaignTest {

  @Test
  void theSameSeedDrawsTheSameFaultsAndAnotherSeedOthers() {
    var first = ChaosCampaign.generate("MasterReplica", 7, 30);
    var again = ChaosCampaign.generate("MasterReplica", 7, 30);
    var other = ChaosCampaign.generate("MasterReplica", 8, 30);

    assertThat(again.scenario().steps()).isEqualTo(first.scenario().steps());
    assertThat(other.faults()).isNotEqualTo(first.faults());
  }

  @Test
  void everyFaultIsFollowedByAWaitForConvergenceAndTheRunEndsWithTheSafetyChecks(@TempDir Path directory) {
    var campaign = ChaosCampaign.generate("DualMaster", 3, 40);
    var steps = campaign.scenario().steps();

    assertThat(campaign.convergedAt()).hasSize(40);
    campaign.convergedAt().forEach(index -> assertThat(steps.get(index).kind()).isEqualTo("waitConverged"));
    assertThat(steps.get(steps.size() - 1).args()).containsEntry("lostWrites", 0).containsEntry("splitBrain", false)
        .containsEntry("consistent", true);
  }

  @Test
  void theWrittenFileReadsBackStepForStep(@TempDir Path directory) throws Exception {
    var campaign = ChaosCampaign.generate("MasterReplica", 11, 25);

    var read = Scenario.read(ChaosCampaign.write(campaign.scenario(), directory));

    assertThat(read.name()).isEqualTo("chaos-masterreplica-seed-11");
    assertThat(read.steps()).isEqualTo(campaign.scenario().steps());
    assertThat(read.cluster()).isEqualTo(campaign.scenario().cluster());
  }
}
