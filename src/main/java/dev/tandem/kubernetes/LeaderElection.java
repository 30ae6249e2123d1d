package dev.tandem.kubernetes;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Two operator replicas never act at once: only the holder of this Lease reconciles. */
@Singleton
public class LeaderElection extends LeaderElectionConfiguration {

  public LeaderElection(
      @ConfigProperty(name = "tandem.leader-election.lease-name", defaultValue = "tandem-operator-lock")
          String leaseName) {
    super(leaseName);
  }
}
