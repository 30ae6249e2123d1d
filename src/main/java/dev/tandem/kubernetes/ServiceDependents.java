package dev.tandem.kubernetes;

import dev.tandem.api.MySQLCluster;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.Map;

/** The four Services of a cluster; how each selects its Pods is the whole point. */
public final class ServiceDependents {

  public static final String MYSQL_PORT_NAME = "mysql";

  private ServiceDependents() {}

  /** The writer, the "VIP": follows the role=master label that failover moves. */
  public static class Writer extends DesiredObjectDependent<Service> {
    public Writer() {
      super(Service.class);
    }

    @Override
    protected Service build(MySQLCluster cluster) {
      return writer(cluster);
    }
  }

  /** Ready replicas that are not offline. */
  public static class Readers extends DesiredObjectDependent<Service> {
    public Readers() {
      super(Service.class);
    }

    @Override
    protected Service build(MySQLCluster cluster) {
      return readers(cluster);
    }
  }

  /** Stable DNS for each Pod, which replication uses; lists Pods before they are ready. */
  public static class Headless extends DesiredObjectDependent<Service> {
    public Headless() {
      super(Service.class);
    }

    @Override
    protected Service build(MySQLCluster cluster) {
      return headless(cluster);
    }
  }

  /** DualMaster only: both healthy masters, for applications that spread their writes. */
  public static class Masters extends DesiredObjectDependent<Service> {
    public Masters() {
      super(Service.class);
    }

    @Override
    protected Service build(MySQLCluster cluster) {
      return masters(cluster);
    }
  }

  public static Service writer(MySQLCluster cluster) {
    return clientService(
        cluster,
        ClusterNames.writerService(cluster),
        ClusterLabels.withRole(cluster, ClusterLabels.ROLE_MASTER));
  }

  public static Service readers(MySQLCluster cluster) {
    return clientService(
        cluster,
        ClusterNames.readerService(cluster),
        ClusterLabels.withRole(cluster, ClusterLabels.ROLE_REPLICA));
  }

  public static Service masters(MySQLCluster cluster) {
    var selector = ClusterLabels.podSelector(cluster);
    selector.put(ClusterLabels.WRITABLE, "true");
    return clientService(cluster, ClusterNames.mastersService(cluster), selector);
  }

  public static Service headless(MySQLCluster cluster) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(ClusterNames.headlessService(cluster))
        .withNamespace(cluster.getMetadata().getNamespace())
        .withLabels(ClusterLabels.common(cluster))
        .endMetadata()
        .withNewSpec()
        .withClusterIP("None")
        .withPublishNotReadyAddresses(true)
        .withSelector(ClusterLabels.podSelector(cluster))
        .withPorts(mysqlPort())
        .endSpec()
        .build();
  }

  private static Service clientService(
      MySQLCluster cluster, String name, Map<String, String> selector) {
    var service = cluster.getSpec().getService();
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(cluster.getMetadata().getNamespace())
        .withLabels(ClusterLabels.common(cluster))
        .withAnnotations(service.getAnnotations())
        .endMetadata()
        .withNewSpec()
        .withType(service.getType().name())
        .withSelector(selector)
        .withPorts(mysqlPort())
        .endSpec()
        .build();
  }

  private static io.fabric8.kubernetes.api.model.ServicePort mysqlPort() {
    return new ServicePortBuilder()
        .withName(MYSQL_PORT_NAME)
        .withProtocol("TCP")
        .withPort(MyCnf.PORT)
        .withNewTargetPort(MYSQL_PORT_NAME)
        .build();
  }
}
