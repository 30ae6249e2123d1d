package dev.tandem.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.api.ServiceSpec;
import org.junit.jupiter.api.Test;

class ServiceDependentsTest {

  @Test
  void theWriterSelectsOnlyThePodLabelledMaster() {
    var writer = ServiceDependents.writer(ClusterFixture.named("shop").build());

    assertThat(writer.getMetadata().getName()).isEqualTo("shop");
    assertThat(writer.getSpec().getSelector())
        .containsEntry("mysql.tandem.dev/role", "master")
        .containsEntry("app.kubernetes.io/instance", "shop");
    assertThat(writer.getSpec().getPorts().get(0).getPort()).isEqualTo(3306);
    assertThat(writer.getSpec().getPorts().get(0).getTargetPort().getStrVal()).isEqualTo("mysql");
    assertThat(writer.getSpec().getType()).isEqualTo("ClusterIP");
  }

  @Test
  void theReadersSelectReplicasAndNeverTheMaster() {
    var readers = ServiceDependents.readers(ClusterFixture.named("shop").build());

    assertThat(readers.getMetadata().getName()).isEqualTo("shop-replicas");
    assertThat(readers.getSpec().getSelector()).containsEntry("mysql.tandem.dev/role", "replica");
  }

  @Test
  void theHeadlessServicePublishesEveryPodEvenBeforeItIsReady() {
    var headless = ServiceDependents.headless(ClusterFixture.named("shop").build());

    assertThat(headless.getMetadata().getName()).isEqualTo("shop-headless");
    assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(headless.getSpec().getPublishNotReadyAddresses()).isTrue();
    assertThat(headless.getSpec().getSelector()).doesNotContainKey("mysql.tandem.dev/role");
  }

  @Test
  void theMastersServiceSelectsEveryWritableMaster() {
    var masters = ServiceDependents.masters(ClusterFixture.named("shop").dualMaster().build());

    assertThat(masters.getMetadata().getName()).isEqualTo("shop-masters");
    assertThat(masters.getSpec().getSelector()).containsEntry("mysql.tandem.dev/writable", "true").doesNotContainKey("mysql.tandem.dev/role");
  }

  @Test
  void aLoadBalancerWithAnnotationsGivesTheWriterAnExternalAddress() {
    var cluster = ClusterFixture.named("shop").build();
    cluster.getSpec().getService().setType(ServiceSpec.Type.LoadBalancer);
    cluster.getSpec().getService().getAnnotations().put("service.beta.kubernetes.io/aws-load-balancer-internal", "true");

    var writer = ServiceDependents.writer(cluster);

    assertThat(writer.getSpec().getType()).isEqualTo("LoadBalancer");
    assertThat(writer.getMetadata().getAnnotations()).containsEntry("service.beta.kubernetes.io/aws-load-balancer-internal", "true");
  }

  @Test
  void everyServiceCarriesTheStandardLabels() {
    var cluster = ClusterFixture.named("shop").dualMaster().build();

    for (var service : new io.fabric8.kubernetes.api.model.Service[] {
        ServiceDependents.writer(cluster), ServiceDependents.readers(cluster), ServiceDependents.headless(cluster), ServiceDependents.masters(cluster)}) {
      assertThat(service.getMetadata().getLabels())
          .containsEntry("app.kubernetes.io/name", "mysql")
          .containsEntry("app.kubernetes.io/instance", "shop")
          .containsEntry("app.kubernetes.io/managed-by", "tandem");
    }
  }
}
