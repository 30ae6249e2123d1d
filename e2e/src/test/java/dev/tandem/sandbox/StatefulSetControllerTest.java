package dev.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClassBuilder;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sandbox's StatefulSet controller when the API server refuses its Pods, as a real one reports it. */
class StatefulSetControllerTest {

  static final String NS = "prod";

  SandboxApiServer api;
  StatefulSetController controller;

  @BeforeEach
  void start() {
    api = SandboxApiServer.start(InetAddress.getLoopbackAddress(), 0);
    api.createNamespace(NS);
    controller = new StatefulSetController(api.client());
    controller.start();
  }

  @AfterEach
  void stop() {
    controller.close();
    api.close();
  }

  List<Event> failedCreates() {
    return api.client().v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> StatefulSetController.FAILED_CREATE.equals(e.getReason()) && "catalog".equals(e.getInvolvedObject().getName()))
        .toList();
  }

  @Test
  void aRefusedPodIsOneFailedCreateEventOnTheStatefulSetAndIsCreatedOnceTheApiServerAllowsIt() {
    var labels = Map.of("app.kubernetes.io/instance", "catalog");
    api.client().resource(new StatefulSetBuilder().withNewMetadata().withName("catalog").withNamespace(NS).endMetadata()
        .withNewSpec().withReplicas(2).withServiceName("catalog-headless").withNewSelector().withMatchLabels(labels).endSelector()
        .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
        .withNewSpec().withPriorityClassName("database").addNewContainer().withName("mariadb").withImage("mariadb:11.4").endContainer()
        .endSpec().endTemplate().endSpec().build()).create();

    await().atMost(Duration.ofSeconds(10)).until(() -> !failedCreates().isEmpty());
    var event = failedCreates().get(0);
    assertThat(event.getType()).isEqualTo("Warning");
    assertThat(event.getMessage()).isEqualTo(
        "create Pod catalog-0 in StatefulSet catalog failed error: pods \"catalog-0\" is forbidden: no PriorityClass with name database was found");
    assertThat(api.client().pods().inNamespace(NS).list().getItems()).isEmpty();
    // Five passes (one per 200 ms) refused again: still the one Event, and still no Pod.
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
        .until(() -> failedCreates().size() == 1 && api.client().pods().inNamespace(NS).list().getItems().isEmpty());

    api.client().resource(new PriorityClassBuilder().withNewMetadata().withName("database").endMetadata().withValue(1_000_000).build()).create();

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(api.client().pods().inNamespace(NS).list().getItems())
        .extracting(p -> p.getMetadata().getName()).containsExactlyInAnyOrder("catalog-0", "catalog-1"));
    assertThat(failedCreates()).as("one Event for the refusal, not one per pass").hasSize(1);
  }
}
