package dev.tandem.kubernetes;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Two operator replicas never act at once: only the holder of this Lease reconciles. The Lease
 * lives in the operator's namespace (the client's, in a Pod); the chart also sets it explicitly.
 * A replica that loses the Lease exits, so Kubernetes restarts it as a follower; tests turn that
 * off, or the end of the mock API server would end the test JVM.
 */
public class LeaderElection {

  @Produces
  @Singleton
  LeaderElectionConfiguration leaderElection(
      @ConfigProperty(name = "tandem.leader-election.lease-name", defaultValue = "tandem-operator-lock")
          String leaseName,
      @ConfigProperty(name = "tandem.leader-election.lease-namespace")
          Optional<String> leaseNamespace,
      @ConfigProperty(name = "tandem.leader-election.exit-on-stop-leading", defaultValue = "true")
          boolean exitOnStopLeading) {
    var builder =
        LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(leaseName)
            .withLeaseNamespace(leaseNamespace.orElse(null));
    return exitOnStopLeading ? builder.build() : builder.buildForTest(false);
  }
}
