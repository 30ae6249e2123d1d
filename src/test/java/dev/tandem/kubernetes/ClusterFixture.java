package dev.tandem.kubernetes;

import dev.tandem.api.Flavor;
import dev.tandem.api.MySQLCluster;
import dev.tandem.api.MySQLClusterSpec;
import dev.tandem.api.ReplicationMode;
import dev.tandem.api.Topology;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;

/** One-line clusters for tests: {@code ClusterFixture.named("shop").mariaDb().instances(2).build()}. */
public final class ClusterFixture {

  private final MySQLCluster cluster = new MySQLCluster();

  private ClusterFixture(String name) {
    cluster.setMetadata(
        new ObjectMetaBuilder().withName(name).withNamespace("prod").withUid("uid-" + name).withGeneration(1L).build());
    cluster.setSpec(new MySQLClusterSpec());
  }

  public static ClusterFixture named(String name) {
    return new ClusterFixture(name);
  }

  public ClusterFixture instances(int instances) {
    cluster.getSpec().setInstances(instances);
    return this;
  }

  public ClusterFixture mariaDb() {
    cluster.getSpec().getEngine().setFlavor(Flavor.MariaDB);
    return this;
  }

  public ClusterFixture dualMaster() {
    cluster.getSpec().setTopology(Topology.DualMaster);
    return this;
  }

  public ClusterFixture async() {
    cluster.getSpec().getReplication().setMode(ReplicationMode.Async);
    return this;
  }

  public ClusterFixture offline(String... instances) {
    cluster.getSpec().setOffline(List.of(instances));
    return this;
  }

  public ClusterFixture mysqld(String key, String value) {
    cluster.getSpec().getMysqld().put(key, value);
    return this;
  }

  public ClusterFixture userSecret(String name) {
    cluster.getSpec().getCredentials().setSecretName(name);
    return this;
  }

  /** TLS on, with the generated certificates, refusing plaintext clients when {@code requireSecureTransport}. */
  public ClusterFixture tls(boolean requireSecureTransport) {
    cluster.getSpec().getTls().setEnabled(true);
    cluster.getSpec().getTls().setRequireSecureTransport(requireSecureTransport);
    return this;
  }

  public MySQLCluster build() {
    return cluster;
  }
}
